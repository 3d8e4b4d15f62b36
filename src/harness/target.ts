/**
 * What the harness needs to know about the SUT, derived from the target config (src/config) or
 * synthesized for the built-in reference server.
 */
import type { Address } from '../sip/transport/address';
import type { TimerSettings } from '../sip/transaction/timers';
import type { TopologyKind, TransportName } from './types';

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

/** Per-vendor knobs of docs/cpm-sip-binding.md, as the suites read them: no knob left undefined. */
export interface TargetBinding {
  reasonOnCancel: 'required' | 'recommended' | 'ignore';
  releaseInitiator: 'either' | 'transferor' | 'transferee';
  referSuccessCode: '202' | '200-or-202';
  /** How the Join Notification leads the target into the session (docs/cpm-sip-binding.md knob; default target-dialog). */
  joinCorrelation: 'target-dialog' | 'replaces' | 'opaque-uri';
  /** How a transfer names a device: its registered contact (default) or its public GRUU (RFC 5627 §3.1). */
  deviceAddressing: 'contact' | 'gruu';
  /** How a device pulls a session (5.2.5.1 ¶1): INVITE with Replaces (default) or REFER to the CS transfer URI. */
  pullMode: 'invite-replaces' | 'refer-to-psi';
  /** The target's session keeps the transferred session's Contribution-ID (default) or gets a new one. */
  contributionIdOnTransfer: 'keep' | 'new';
  /** The service identification the devices present: the CPM ICSI (default; also for `either`) or OMA SIMPLE IM. */
  serviceIdentification: 'cpm-icsi' | 'oma-sip-im' | 'either';
  /** A re-INVITE of the transferee during an in-path transfer is answered and tolerated (default false: judged). */
  allowReinviteToTransferee: boolean;
  /** How the CS stays in the MSRP path (5.2.5.1.1 ¶5): the endpoint of each leg (default b2bua) or an RFC 4976 relay. */
  csMsrpRole: 'b2bua' | 'relay';
}
