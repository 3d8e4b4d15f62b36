/**
 * Where a run's HarnessTarget comes from: the user's target config (src/config), or the built-in
 * reference server started on loopback for the run.
 */
import type { HarnessTarget } from '../src/harness/target';
import type { TransportName } from '../src/harness/test-case';
import type { Target } from '../src/config';
import type { ReferenceServer } from '../src/reference';

/** IXIT used against the built-in reference server: fast timers, every variant possible. */
export const REFERENCE_IXIT: HarnessTarget['ixit'] = {
  timers: { t1: 100, t2: 800, t4: 1000 },
  responseTimeoutMs: 2500,
  quietPeriodMs: 300,
  registrationExpires: 600,
};

export function referenceTarget(server: ReferenceServer, transports: TransportName[] = ['udp', 'tcp']): HarnessTarget {
  return {
    name: 'cpm-conformance reference CPM Conversation Server',
    version: process.env.npm_package_version,
    isReference: true,
    domain: 'cpm.example.com',
    pfA: server.pfA,
    pfB: server.pfB,
    pfMode: server.mode,
    transports,
    topologies: ['direct', 'core-emulation'],
    localHost: server.pfA.host,
    users: [],
    ics: { sessionLeaving: true, multiDevice: false, transfer: { csInMediaPath: false, csNotInMediaPath: false, pull: false } },
    ixit: REFERENCE_IXIT,
    binding: { reasonOnCancel: 'recommended', releaseInitiator: 'either' },
  };
}

function parseHostPort(s: string, fallbackHost: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s.trim());
  return m ? { host: m[1], port: Number(m[2]) } : { host: fallbackHost, port: Number(s) || 5060 };
}

export function targetFromConfig(t: Target): HarnessTarget {
  const pfA = t.participatingFunction?.a ? parseHostPort(String(t.participatingFunction.a), t.sut.host) : { host: t.sut.host, port: t.sut.port };
  const pfB = t.participatingFunction?.b ? parseHostPort(String(t.participatingFunction.b), t.sut.host) : pfA;
  return {
    name: t.sut.name,
    version: t.sut.version,
    isReference: false,
    domain: t.sut.domain,
    pfA,
    pfB,
    pfMode: t.participatingFunction?.mode ?? 'proxy',
    transports: [t.sut.transport],
    topologies: [t.topology],
    tls: t.sut.tls,
    localHost: t.local?.host ?? '127.0.0.1',
    users: t.users.map((u) => ({ aor: u.aor, username: u.username ?? u.aor.replace(/^sips?:/, '').split('@')[0], password: u.password, devices: u.devices ?? 1 })),
    ics: {
      sessionLeaving: t.ics?.sessionLeaving ?? true,
      multiDevice: t.ics?.multiDevice ?? false,
      transfer: {
        csInMediaPath: t.ics?.transfer?.csInMediaPath ?? false,
        csNotInMediaPath: t.ics?.transfer?.csNotInMediaPath ?? false,
        pull: t.ics?.transfer?.pull ?? false,
      },
    },
    ixit: {
      timers: { t1: t.ixit?.timers?.t1 ?? 500, t2: t.ixit?.timers?.t2 ?? 4000, t4: t.ixit?.timers?.t4 ?? 5000 },
      responseTimeoutMs: t.ixit?.responseTimeoutMs ?? 8000,
      quietPeriodMs: t.ixit?.quietPeriodMs ?? 1000,
      registrationExpires: t.ixit?.registrationExpires ?? 600,
    },
    binding: {
      reasonOnCancel: t.binding?.reasonOnCancel ?? 'recommended',
      releaseInitiator: t.binding?.releaseInitiator ?? 'either',
    },
  };
}
