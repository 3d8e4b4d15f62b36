/**
 * Checks JSON Schema cannot express: relations between fields, files on disk, and whether the
 * user pool can run what the ICS claims. Runs on a schema-valid, fully defaulted Target.
 */
import * as fs from 'node:fs';
import type { ConfigIssue } from './config-error';
import { parseHostPort } from './host-port';
import type { Target } from './target';

function checkPorts(t: Target, issues: ConfigIssue[]): void {
  const { from, to } = t.local.ports;
  if (from > to) {
    issues.push({ path: 'local.ports', message: `from (${from}) is above to (${to})`, hint: `write ports: { from: ${to}, to: ${from} }` });
    return;
  }
  // A harness socket on the SUT's own address would steal its traffic (same host only).
  const sutSide = [{ path: 'sut.port', host: t.sut.host, port: t.sut.port }];
  for (const side of ['a', 'b'] as const) {
    const hp = parseHostPort(t.participatingFunction[side]);
    if (hp) sutSide.push({ path: `participatingFunction.${side}`, host: hp.host, port: hp.port });
  }
  for (const s of sutSide) {
    if (s.host.toLowerCase() === t.local.host.toLowerCase() && s.port >= from && s.port <= to) {
      issues.push({ path: 'local.ports', message: `range ${from}-${to} on ${t.local.host} contains ${s.path} ${s.port}, where the SUT listens`, hint: 'choose a local port range that leaves out the SUT ports' });
    }
  }
}

function checkTimers(t: Target, issues: ConfigIssue[]): void {
  const { t1, t2 } = t.ixit.timers;
  // RFC 3261 §17.1.2.2: retransmissions double from T1 and cap at T2, so T2 < T1 is meaningless.
  if (t2 < t1) issues.push({ path: 'ixit.timers.t2', message: `must be at least t1 (${t1}) (got ${t2})`, hint: `write t2: ${Math.max(t1, 4000)}, or lower t1` });
  // §17.1.1.2: Timer B outlasts the INVITE's retransmissions (A at T1, 2·T1, …): below T1 the SUT
  // would give up before its first retransmission, which no configuration of a real server means.
  const b = t.ixit.timers.b;
  if (b !== undefined && b < t1) issues.push({ path: 'ixit.timers.b', message: `must be at least t1 (${t1}) (got ${b})`, hint: `write b: ${64 * t1} (64·t1, RFC 3261's value), or leave it out` });
}

function checkParticipatingFunctions(t: Target, issues: ConfigIssue[]): void {
  for (const side of ['a', 'b'] as const) {
    const s = t.participatingFunction[side];
    if (!parseHostPort(s)) issues.push({ path: `participatingFunction.${side}`, message: `is not a valid host:port with a port from 1 to 65535 (got "${s}")`, hint: `write ${side}: 127.0.0.1:5060 (IPv6: "[::1]:5060")` });
  }
}

/** RFC 3261 §19.1.4: the user part is case-sensitive, scheme and host are not. */
function aorKey(aor: string): string {
  const m = /^(sips?):([^@]+)@(.+)$/i.exec(aor);
  return m ? `${m[1].toLowerCase()}:${m[2]}@${m[3].toLowerCase()}` : aor;
}

function checkUsers(t: Target, issues: ConfigIssue[]): void {
  const seen = new Map<string, number>();
  t.users.forEach((u, i) => {
    const k = aorKey(u.aor);
    const first = seen.get(k);
    if (first !== undefined) issues.push({ path: `users[${i}].aor`, message: `duplicates users[${first}].aor (${u.aor})`, hint: 'each user must be a distinct provisioned user; raise devices: on one entry to give it more devices' });
    else seen.set(k, i);
  });
  const multi = t.users.some((u) => u.devices >= 2);
  const claimsTransfer = t.ics.transfer.csInMediaPath || t.ics.transfer.csNotInMediaPath || t.ics.transfer.pull;
  if ((t.ics.multiDevice || claimsTransfer) && !multi) {
    const what = t.ics.multiDevice ? 'ics.multiDevice' : 'session transfer (ics.transfer)';
    issues.push({ path: 'users', message: `no user has 2 or more devices, but ${what} needs a user with several devices`, hint: 'write devices: 2 (or more) on at least one user, or set the claim to false' });
  }
}

function checkTransferUri(t: Target, issues: ConfigIssue[]): void {
  if (t.ixit.transferUri) return;
  if (t.ics.transfer.csNotInMediaPath) issues.push({ path: 'ixit.transferUri', message: 'is required when ics.transfer.csNotInMediaPath is true (the out-of-dialog REFER goes there)', hint: `write transferUri: sip:transfer@${t.sut.domain}` });
  else if (t.ics.transfer.pull && t.binding.pullMode === 'refer-to-psi') issues.push({ path: 'ixit.transferUri', message: 'is required when binding.pullMode is refer-to-psi', hint: `write transferUri: sip:transfer@${t.sut.domain}` });
}

function checkTls(t: Target, issues: ConfigIssue[], baseDir: string): void {
  const tls = t.sut.tls;
  if (t.sut.transport !== 'tls' || !tls) return;
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const missing = tls.cert === undefined ? 'cert' : 'key';
    issues.push({ path: `sut.tls.${missing}`, message: 'is required when the other half of the client certificate is given (mutual TLS needs cert and key)', hint: `add ${missing}: ./certs/client.${missing === 'cert' ? 'pem' : 'key'}, or remove both` });
  }
  for (const field of ['ca', 'cert', 'key'] as const) {
    const file = tls[field];
    if (file === undefined) continue;
    // The key's location is a secret: never echo it, even in an error.
    const shown = field === 'key' ? 'the key file given' : file;
    try {
      if (!fs.statSync(file).isFile()) {
        issues.push({ path: `sut.tls.${field}`, message: `${shown} is not a regular file` });
        continue;
      }
      fs.accessSync(file, fs.constants.R_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permission denied)' : `cannot be read (${code ?? 'error'})`;
      issues.push({ path: `sut.tls.${field}`, message: `${shown} ${why}`, hint: `relative paths are relative to the config file's folder (${baseDir})` });
    }
  }
}

export function semanticIssues(t: Target, baseDir: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  checkParticipatingFunctions(t, issues);
  checkPorts(t, issues);
  checkTimers(t, issues);
  checkUsers(t, issues);
  checkTransferUri(t, issues);
  checkTls(t, issues, baseDir);
  return issues;
}
