/**
 * Where a run's HarnessTarget comes from: the user's target config (src/config), or the built-in
 * reference server started on loopback for the run.
 */
import type { HarnessTarget } from '../src/harness/target';
import type { TransportName } from '../src/harness/test-case';
import { ConfigError, loadTarget, parseHostPort, type Target } from '../src/config';
import { EXIT_USAGE } from './exit-codes';
import type { ReferenceServer } from '../src/reference';
import { HARNESS_VERSION } from './harness-version';
import { rfcTimerB } from '../src/sip/transaction/timers';

/**
 * IXIT used against the built-in reference server: fast timers, every variant possible. Timer B is
 * set apart from 64·T1 (6.4 s), as a server's configuration may (Kamailio's tm fr_timer): 4 s, well
 * above the response timeout (2.5 s), so a branch the harness still counts as answered in time never
 * times out at the server; TC-MLD-007-14, which waits it out, was the run's longest case by 3 s (issue 14).
 */
export const REFERENCE_IXIT: HarnessTarget['ixit'] = {
  timers: { t1: 100, t2: 800, t4: 1000, b: 4000 },
  responseTimeoutMs: 2500,
  quietPeriodMs: 300,
  registrationExpires: 600,
  userAgent: 'cpm-conformance',
};

/**
 * The built-in reference server's timers for a run: REFERENCE_IXIT's, and with datagram loss
 * injected Timer B back at 64·T1 (RFC 3261 §17.1.1.2). At 10 % loss on both ends of the server's
 * sockets each of the six INVITE sends a 4 s Timer B covers goes unanswered with 19 %: one branch in
 * ~20,000 (a run has a few hundred UDP branches, so about one lossy run in a hundred) would end in a
 * 408 the server's timer caused, not the behaviour under test. lossTolerant gives the cases the same
 * Timer B.
 */
export function referenceTimers(lossRate: number | undefined): HarnessTarget['ixit']['timers'] {
  return lossRate ? rfcTimerB(REFERENCE_IXIT.timers) : { ...REFERENCE_IXIT.timers };
}

/**
 * With datagram loss injected, a wait must last as long as a transaction may retransmit: RFC 3261
 * Timer F / B = 64·T1 (§17.1.2.2). A shorter IXIT response timeout would turn recoverable loss into
 * a false FAIL.
 */
export function lossTolerant(t: HarnessTarget, lossRate: number | undefined): HarnessTarget {
  if (!lossRate) return t;
  const { t1, t2 } = t.ixit.timers;
  const timerF = 64 * t1;
  // The devices' retransmissions capped at 4·T1 instead of T2 (RFC 3261 §17.1.2.2, §13.3.1.4 allow
  // any T2): the same 64·T1 windows, more rounds in them. A 2xx and its ACK cross both PFs end to
  // end, each lossy at both ends of the reference's sockets; at T2 = 8·T1 the 11 rounds a UAS gets
  // left ~0.2 % of the sessions without an ACK at 10 % loss (loss.test: "the ACK for the 2xx did
  // not reach B1"), at 4·T1 its 18 rounds leave ~0.004 %.
  // Timer B back at 64·T1 as the reference runs it under loss (referenceTimers).
  return { ...t, ixit: { ...t.ixit, timers: { ...rfcTimerB(t.ixit.timers), t2: Math.min(t2, 4 * t1) }, responseTimeoutMs: Math.max(t.ixit.responseTimeoutMs, timerF) } };
}

/** One target claiming what any of these passes claimed (a run over both reference PF modes). */
export function withUnionOfClaims(targets: HarnessTarget[]): HarnessTarget {
  const last = targets[targets.length - 1];
  const any = (f: (x: HarnessTarget) => boolean) => targets.some(f);
  return {
    ...last,
    ics: {
      sessionLeaving: any((x) => x.ics.sessionLeaving),
      multiDevice: any((x) => x.ics.multiDevice),
      transfer: {
        csInMediaPath: any((x) => x.ics.transfer.csInMediaPath),
        csNotInMediaPath: any((x) => x.ics.transfer.csNotInMediaPath),
        pull: any((x) => x.ics.transfer.pull),
      },
    },
  };
}

/**
 * The built-in reference server as a target. `tls` (paths of a certificate both sides trust)
 * lets the devices listen on TLS too and verify the server against it.
 */
export function referenceTarget(server: Pick<ReferenceServer, 'pfA' | 'pfB' | 'mode'> & Partial<Pick<ReferenceServer, 'msrpRole'>>, transports: TransportName[] = ['udp', 'tcp'], tls?: { ca: string; cert: string; key: string }): HarnessTarget {
  return {
    name: 'cpm-conformance reference CPM Conversation Server',
    version: HARNESS_VERSION,
    isReference: true,
    domain: 'cpm.example.com',
    pfA: server.pfA,
    pfB: server.pfB,
    pfMode: server.mode,
    transports,
    topologies: ['direct', 'core-emulation'],
    // No localPorts / advertisedHost: the topology's PortRange binds ephemeral ports on loopback,
    // by the same code that keeps a user's run inside local.ports.
    localHost: server.pfA.host,
    ...(tls ? { tls: { ...tls, insecure: false } } : {}),
    users: [],
    // The reference stays in the media path as a B2BUA and is only on the signalling path as a proxy.
    ics: { sessionLeaving: true, multiDevice: true, transfer: { csInMediaPath: server.mode === 'b2bua', csNotInMediaPath: server.mode === 'proxy', pull: true } },
    ixit: {
      ...REFERENCE_IXIT,
      csMsrpHosts: [server.pfA.host],
      transferUri: `sip:transfer@${server.pfA.host.includes(':') ? `[${server.pfA.host}]` : server.pfA.host}:${server.pfA.port}`,
    },
    // The CS's MSRP role is the one the server was started in (--reference-msrp-role): an RFC 4976 relay is judged as one.
    binding: { ...REFERENCE_BINDING, csMsrpRole: server.msrpRole ?? REFERENCE_BINDING.csMsrpRole },
  };
}

/**
 * How the reference server binds the primitives (docs/cpm-sip-binding.md). It also serves the other forms of
 * `deviceAddressing` (it hands out GRUUs), `pullMode` (it takes a REFER to its transfer URI) and
 * `serviceIdentification` (it does not judge the feature tag), so a run may switch those knobs.
 */
export const REFERENCE_BINDING: HarnessTarget['binding'] = {
  reasonOnCancel: 'required', releaseInitiator: 'either', referSuccessCode: '202', joinCorrelation: 'target-dialog',
  deviceAddressing: 'contact', pullMode: 'invite-replaces', contributionIdOnTransfer: 'keep', serviceIdentification: 'cpm-icsi',
  allowReinviteToTransferee: false, csMsrpRole: 'b2bua',
};

/** A target with some binding knobs switched (a reference run trying another vendor binding). */
export function withBinding(t: HarnessTarget, binding: Partial<HarnessTarget['binding']> | undefined): HarnessTarget {
  return binding ? { ...t, binding: { ...t.binding, ...binding } } : t;
}

export function targetFromConfig(t: Target): HarnessTarget {
  const pf = (s: string) => {
    const hp = parseHostPort(s);
    return hp ? { host: hp.host, port: hp.port ?? 5060 } : { host: t.sut.host, port: t.sut.port };
  };
  return {
    name: t.sut.name,
    version: t.sut.version,
    isReference: false,
    domain: t.sut.domain,
    pfA: pf(t.participatingFunction.a),
    pfB: pf(t.participatingFunction.b),
    pfMode: t.participatingFunction.mode,
    transports: [t.sut.transport],
    topologies: [t.topology],
    tls: t.sut.tls,
    localHost: t.local.host,
    localPorts: t.local.ports,
    advertisedHost: t.local.advertisedHost,
    users: t.users.map((u) => ({ aor: u.aor, username: u.username, password: u.password, realm: u.realm, devices: u.devices })),
    ics: t.ics,
    ixit: {
      timers: t.ixit.timers,
      responseTimeoutMs: t.ixit.responseTimeoutMs,
      quietPeriodMs: t.ixit.quietPeriodMs,
      registrationExpires: t.ixit.registrationExpires,
      csMsrpHosts: t.ixit.csMsrpHosts,
      transferUri: t.ixit.transferUri,
      userAgent: t.ixit.userAgent,
    },
    // Every knob of docs/cpm-sip-binding.md the config carries reaches the suites (none is read only by the schema).
    binding: { ...t.binding },
  };
}

/**
 * The harness target of a config file, or, when the file is not a valid config, its findings on
 * stderr (each naming the field) and exit 2: what `run`, `list` and `load --target` share.
 */
export function targetFileOrExit(file: string): HarnessTarget {
  try {
    return targetFromConfig(loadTarget(file));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.format()}\n`);
      process.exit(EXIT_USAGE);
    }
    throw e;
  }
}
