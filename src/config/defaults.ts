/**
 * Defaults that depend on other fields, which JSON Schema `default` cannot express, and TLS paths
 * made absolute (relative to the config file, so a config works from any working directory).
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { formatHostPort } from './host-port';
import type { PfMode, Target, TargetIxit, TargetLocal, TargetSut, TargetTls, TargetUserConfig } from './target';

/** What ajv leaves after validation with useDefaults: static defaults in, dependent ones not yet. */
export type SchemaValid = Omit<Target, 'sut' | 'local' | 'participatingFunction' | 'users' | 'ixit'> & {
  $schema?: string;
  sut: Omit<TargetSut, 'port' | 'tls'> & { port?: number; tls?: Partial<TargetTls> };
  local: Omit<TargetLocal, 'advertisedHost'> & { advertisedHost?: string };
  participatingFunction: { mode: PfMode; a?: string; b?: string };
  users: Array<Omit<TargetUserConfig, 'username'> & { username?: string }>;
  ixit: Omit<TargetIxit, 'csMsrpHosts'> & { csMsrpHosts?: string[] };
};

/** RFC 3261 §19.1.2: 5061 is the default port for SIP over TLS, 5060 otherwise. */
export function defaultSipPort(transport: TargetSut['transport']): number {
  return transport === 'tls' ? 5061 : 5060;
}

/** The user part of a sip:/sips: AoR: the usual digest username. */
function userPart(aor: string): string {
  return aor.replace(/^sips?:/i, '').split('@')[0];
}

function tlsOptions(v: SchemaValid['sut'], baseDir: string): TargetTls | undefined {
  if (v.transport !== 'tls' && !v.tls) return undefined;
  const t = v.tls ?? {};
  const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(baseDir, p));
  const out: TargetTls = { insecure: t.insecure ?? false };
  const servername = t.servername ?? (net.isIP(v.host) === 0 ? v.host : undefined);
  if (servername !== undefined) out.servername = servername;
  if (t.ca !== undefined) out.ca = abs(t.ca);
  if (t.cert !== undefined) out.cert = abs(t.cert);
  if (t.key !== undefined) out.key = abs(t.key);
  if (t.passphrase !== undefined) out.passphrase = t.passphrase;
  return out;
}

export function applyDependentDefaults(v: SchemaValid, baseDir: string): Target {
  const port = v.sut.port ?? defaultSipPort(v.sut.transport);
  const { tls: _rawTls, ...sutRest } = v.sut;
  const tls = tlsOptions(v.sut, baseDir);
  const sut: TargetSut = { ...sutRest, port, ...(tls ? { tls } : {}) };
  const a = v.participatingFunction.a ?? formatHostPort({ host: v.sut.host, port });
  return {
    sut,
    topology: v.topology,
    local: { host: v.local.host, advertisedHost: v.local.advertisedHost ?? v.local.host, ports: v.local.ports },
    participatingFunction: { mode: v.participatingFunction.mode, a, b: v.participatingFunction.b ?? a },
    users: v.users.map((u) => ({
      aor: u.aor,
      username: u.username ?? userPart(u.aor),
      ...(u.password !== undefined ? { password: u.password } : {}),
      ...(u.realm !== undefined ? { realm: u.realm } : {}),
      devices: u.devices,
    })),
    ics: v.ics,
    ixit: { ...v.ixit, csMsrpHosts: v.ixit.csMsrpHosts ?? [v.sut.host] },
    binding: v.binding,
  };
}
