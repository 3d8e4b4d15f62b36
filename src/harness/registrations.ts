/**
 * The bindings the SUT's registrar holds for the configured users, before and after a run, and
 * their removal on request (`run --clean-registrations`). A harness that leaves contacts behind
 * pollutes a vendor's location service and, through forking limits, its own later verdicts; the
 * report therefore says how many bindings each user had before and after the run.
 *
 * Both use REGISTER as RFC 3261 §10.2 defines it, from one harness socket inside `local.ports`,
 * with the user's digest credentials (§22.2):
 *  - fetching: a REGISTER without Contact; the 200 lists every current binding (§10.2.3);
 *  - removing all: `Contact: *` with `Expires: 0` (§10.2.2), a fresh Call-ID so no binding's
 *    Call-ID/CSeq ordering refuses it (§10.3 step 6).
 */
import type { SipRequest, SipResponse } from '../sip/message';
import { contacts } from '../sip/headers/contact';
import { createRequest } from '../sip/request-builder';
import { SipEndpoint } from '../sip/endpoint';
import { createTransport } from '../sip/transport/factory';
import { Tap } from '../sip/transport/tap';
import { finalWithin } from './device';
import { PortRange } from './port-range';
import { harnessTimers, type HarnessTarget, type TargetUser } from './target';
import { labelOf } from './template';

export interface UserBindings {
  aor: string;
  /** Bindings the registrar listed, or null when it would not say (see `note`). */
  count: number | null;
  /** The SUT's refusal or silence, when count is null. */
  note?: string;
  /** Removed by `--clean-registrations` (only set by removeAllBindings). */
  removed?: boolean;
}

function registerFor(target: HarnessTarget, user: TargetUser, remove: boolean): SipRequest {
  return createRequest({
    method: 'REGISTER', uri: `sip:${target.domain}`, from: `<${user.aor}>`, to: `<${user.aor}>`,
    extra: [
      ...(remove ? [{ name: 'Contact', value: '*' }, { name: 'Expires', value: '0' }] : []),
      ...(target.ixit.userAgent ? [{ name: 'User-Agent', value: target.ixit.userAgent }] : []),
    ],
  });
}

/** One endpoint per user (its own credentials), on one port of the target's local range. */
async function withEndpoint<T>(target: HarnessTarget, user: TargetUser, body: (ep: SipEndpoint) => Promise<T>): Promise<T> {
  const claim = new PortRange(target.localHost, target.localPorts).claim({ label: 'registrar queries', ports: 2, detail: '1 SIP socket, 1 dialled connection' });
  const protocol = target.transports[0] ?? 'udp';
  let ep: SipEndpoint | undefined;
  try {
    const transport = await claim.bind((port) => createTransport({
      protocol, host: target.localHost, port, tap: new Tap(), owner: 'registrar query', advertisedHost: target.advertisedHost,
      localPorts: claim.dialPorts, tls: protocol === 'tls' ? target.tls : undefined,
    }));
    const credentials = user.password !== undefined ? { username: user.username, password: user.password, realm: user.realm } : undefined;
    ep = new SipEndpoint({ transports: [transport], timers: harnessTimers(target), name: 'registrar query', credentials });
    return await body(ep);
  } finally {
    await ep?.close();
    claim.release();
  }
}

async function ask(target: HarnessTarget, user: TargetUser, remove: boolean): Promise<SipResponse | null> {
  return withEndpoint(target, user, (ep) => finalWithin(ep.request(registerFor(target, user, remove), target.pfA), target.ixit.responseTimeoutMs));
}

function counted(user: TargetUser, res: SipResponse | null): UserBindings {
  if (res && res.status >= 200 && res.status < 300) return { aor: user.aor, count: contacts(res).length };
  return { aor: user.aor, count: null, note: res ? `the registrar answered ${labelOf(res)}` : `no answer within the response timeout` };
}

/** How many bindings the registrar holds for each configured user (§10.2.3). */
export async function countBindings(target: HarnessTarget): Promise<UserBindings[]> {
  const out: UserBindings[] = [];
  for (const u of target.users) out.push(counted(u, await ask(target, u, false).catch(() => null)));
  return out;
}

/** Remove every binding of each configured user (§10.2.2), reporting what was there first. */
export async function removeAllBindings(target: HarnessTarget): Promise<UserBindings[]> {
  const before = await countBindings(target);
  for (const b of before) {
    const user = target.users.find((u) => u.aor === b.aor)!;
    const res = await ask(target, user, true).catch(() => null);
    b.removed = res !== null && res.status >= 200 && res.status < 300;
    if (!b.removed) b.note = `removal refused: ${res ? labelOf(res) : 'no answer within the response timeout'}`;
  }
  return before;
}

/** `alice 0, bob 3 (…)` for the report's environment and the console. */
export function formatBindings(list: UserBindings[]): string {
  return list.map((b) => `${b.aor.replace(/^sips?:/, '')} ${b.count ?? '?'}${b.note ? ` (${b.note})` : ''}`).join(', ') || '(no users)';
}
