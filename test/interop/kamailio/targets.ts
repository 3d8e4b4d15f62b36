/**
 * Target configs for a running Kamailio, written as a vendor would write one (docs/target-config.md)
 * and passed through the project's own config parser, so the schema, the `${ENV}` interpolation of
 * passwords and the semantic checks are exercised exactly as `run --target` would.
 */
import { randomBytes } from 'node:crypto';
import { parseTarget, type Target } from '../../../src/config';
import type { HarnessTarget } from '../../../src/harness/target';
import { targetFromConfig } from '../../../bin/targets';
import type { KamailioUser } from './kamailio';

export const DOMAIN = 'cpm.example.com';

/**
 * The users provisioned on the SUT. The multi-device suite needs up to 5 devices for one user
 * ([1, 5] in suites/multi-device/cases.ts) and cases draw the 2nd user among those with enough
 * devices, so every user gets 5. Kamailio's tm forks to at most 12 branches: 5 is well below.
 */
export const USERS = ['alice', 'bob', 'carol', 'dave'] as const;
export const DEVICES_PER_USER = 5;

/** Fresh random digest passwords for one run; handed to Kamailio's cfg and to the config via ${ENV}. */
export function newPasswords(): { users: KamailioUser[]; env: NodeJS.ProcessEnv } {
  const users = USERS.map((username) => ({ username, password: randomBytes(12).toString('base64url') }));
  const env: NodeJS.ProcessEnv = {};
  for (const u of users) env[envName(u.username)] = u.password;
  return { users, env };
}

const envName = (user: string) => `KAMAILIO_${user.toUpperCase()}_PASSWORD`;

export interface TargetOptions {
  transport: 'udp' | 'tcp';
  topology: 'direct' | 'core-emulation';
  /** Digest passwords (auth variant) as environment variables, referenced by ${NAME} in the config. */
  env?: NodeJS.ProcessEnv;
  reasonOnCancel?: 'required' | 'recommended' | 'ignore';
  /** State Kamailio's fr_timer as the IXIT's Timer B (ixit.timers.b): TC-MLD-007-14 then applies. */
  timerB?: number;
}

/**
 * The harness's own port range. Kamailio's port is an ephemeral one (freePort); docs/target-config.md
 * forbids a range containing the SUT's port on the same host, so pick one that does not.
 */
export function localPorts(sutPort: number): { from: number; to: number } {
  // A slice of 2,000 ports per jest worker: the Kamailio files run in parallel processes, and each
  // process hands out its range from the bottom, so two files on one range dialled from the same
  // ports at once (a REGISTER never sent, the case INCONC).
  const worker = Math.max(1, Number(process.env.JEST_WORKER_ID ?? '1')) - 1;
  const slice = (from: number) => ({ from: from + (worker % 5) * 2000, to: from + (worker % 5) * 2000 + 1999 });
  const ranges = [slice(20000), slice(10000)];
  return ranges.find((r) => sutPort < r.from || sutPort > r.to) ?? ranges[0];
}

/** Where the SUT listens: a running Kamailio, or a placeholder to plan which cases apply. */
export interface SutRef {
  name: string;
  host: string;
  port: number;
}

/** The config object as a vendor's YAML would hold it. */
export function targetConfig(k: SutRef, version: string, o: TargetOptions): Record<string, unknown> {
  const address = `${k.host}:${k.port}`;
  return {
    sut: { name: `Kamailio (${k.name})`, version, host: k.host, port: k.port, transport: o.transport, domain: DOMAIN },
    topology: o.topology,
    local: { host: '127.0.0.1', ports: localPorts(k.port) },
    // One node is PF A and PF B: every user is served by the same proxy.
    participatingFunction: { mode: 'proxy', a: address, b: address },
    users: USERS.map((u) => ({
      aor: `sip:${u}@${DOMAIN}`,
      devices: DEVICES_PER_USER,
      ...(o.env ? { password: `\${${envName(u)}}`, realm: DOMAIN } : {}),
    })),
    ics: { sessionLeaving: true, multiDevice: true, transfer: { csInMediaPath: false, csNotInMediaPath: false, pull: false } },
    // Loopback answers in microseconds; bounded waits keep a failing case short.
    ixit: { responseTimeoutMs: 5000, quietPeriodMs: 600, registrationExpires: 600, ...(o.timerB !== undefined ? { timers: { b: o.timerB } } : {}) },
    binding: { reasonOnCancel: o.reasonOnCancel ?? 'required' },
  };
}

export function kamailioTarget(k: SutRef, version: string, o: TargetOptions): { config: Target; target: HarnessTarget } {
  const config = parseTarget(targetConfig(k, version, o), o.env ?? {});
  return { config, target: targetFromConfig(config) };
}
