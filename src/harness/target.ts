/**
 * What the harness needs to know about the SUT, derived from the target config (src/config) or
 * synthesized for the built-in reference server.
 */
import type { Address } from '../sip/transport/address';
import { rfcTimerB, type TimerSettings } from '../sip/transaction/timers';
import type { TopologyKind, TransportName } from './types';
import type { TargetBinding } from '../config/target';

export interface TargetUser {
  /** AoR, e.g. sip:alice@cpm.example.com; generated per case when the pool is synthetic. */
  aor: string;
  username: string;
  /** Digest password; never written to traces or reports. */
  password?: string;
  /** Digest realm the credentials belong to (config users[].realm); absent: the challenge's. */
  realm?: string;
  devices: number;
}

export interface HarnessTarget {
  name: string;
  version?: string;
  /** The built-in reference server: users are generated per case and every variant can run. */
  isReference: boolean;
  domain: string;
  /** Address of PF A (originating; also registrar in direct topology) and PF B (terminating). */
  pfA: Address;
  pfB: Address;
  pfMode: 'proxy' | 'b2bua';
  transports: TransportName[];
  topologies: TopologyKind[];
  tls?: { ca?: string; cert?: string; key?: string; passphrase?: string; servername?: string; insecure?: boolean };
  /** Where every harness socket binds (config local.host). */
  localHost: string;
  /**
   * Local ports every harness socket takes (config local.ports): devices, cores, the devices' MSRP
   * ports and the source ports of dialled TCP/TLS connections (src/harness/port-range.ts).
   * Absent: ephemeral ports (the built-in reference server).
   */
  localPorts?: { from: number; to: number };
  /**
   * What the SUT must use to reach the harness, when not localHost (config local.advertisedHost,
   * NAT): written into Via sent-by, Contact, the cores' Record-Route and Path, and SDP c=/o=/a=path.
   * Sockets still bind on localHost. Absent: localHost.
   */
  advertisedHost?: string;
  users: TargetUser[];
  ics: {
    sessionLeaving: boolean;
    multiDevice: boolean;
    transfer: { csInMediaPath: boolean; csNotInMediaPath: boolean; pull: boolean };
  };
  ixit: {
    timers: TimerSettings;
    responseTimeoutMs: number;
    quietPeriodMs: number;
    registrationExpires: number;
    /** Hosts of the CS's MSRP relays (a=path authority when the CS stays in the media path). */
    csMsrpHosts?: string[];
    /** The CS transfer URI (out-of-dialog transfer requests when the CS is not in the media path). */
    transferUri?: string;
    /** User-Agent the devices send in their requests (RFC 3261 §20.41); none when absent. */
    userAgent?: string;
  };
  /** The binding knobs, every one resolved (the loader applies the defaults, docs/target-config.md). */
  binding: TargetBinding;
}

/** Per-vendor knobs of docs/cpm-sip-binding.md: declared with the target config (src/config sits below the harness). */
export type { TargetBinding };

/**
 * The timers of the harness's own SIP elements (devices, registrar queries): T1, T2 and T4 of the
 * IXIT. Its `b` is the SUT's Timer B (a case waits it out, TC-MLD-007-14), not the harness's: a device's
 * INVITE keeps 64·T1 (RFC 3261 §17.1.1.2), so it never gives up before the SUT does.
 */
export function harnessTimers(target: Pick<HarnessTarget, 'ixit'>): TimerSettings {
  return rfcTimerB(target.ixit.timers);
}
