/**
 * What the harness needs to know about the SUT, derived from the target config (src/config) or
 * synthesized for the built-in reference server.
 */
import type { Address } from '../sip/transport/address';
import type { TimerSettings } from '../sip/transaction/timers';
import type { TopologyKind, TransportName } from './test-case';

export interface TargetUser {
  /** AoR, e.g. sip:alice@cpm.example.com; generated per case when the pool is synthetic. */
  aor: string;
  username: string;
  /** Digest password; never written to traces or reports. */
  password?: string;
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
  tls?: { ca?: string; cert?: string; key?: string; servername?: string; insecure?: boolean };
  localHost: string;
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
  };
  binding: {
    reasonOnCancel: 'required' | 'recommended' | 'ignore';
    releaseInitiator: 'either' | 'transferor' | 'transferee';
    referSuccessCode?: '202' | '200-or-202';
    /** How the Join Notification leads the target into the session (design §2 knob; default target-dialog). */
    joinCorrelation?: 'target-dialog' | 'replaces' | 'opaque-uri';
  };
}
