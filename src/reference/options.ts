/** Options and handle of the reference CPM Conversation Server (docs/architecture.md, The reference server). */
import type { Address, TransportProtocol } from '../sip/transport/address';
import type { NetworkFaults, Tap } from '../sip/transport/tap';
import type { TimerSettings } from '../sip/transaction/timers';
import type { TlsSettings } from '../sip/transport/tls-settings';

/** proxy: record-routing transaction-stateful proxy (RFC 3261 §16); b2bua: each PF terminates the dialog and originates a new leg. */
export type PfMode = 'proxy' | 'b2bua';

/**
 * How PF A, the CS in the media path of a B2BUA session, takes part in its MSRP (the binding knob
 * `csMsrpRole`, docs/cpm-sip-binding.md). b2bua: the MSRP endpoint of each leg, its own URI alone
 * in its a=path and in the From-Path of what it relays (RFC 4975 §8.2, msrp-relay.ts). relay: an
 * RFC 4976 relay, its URI first in the a=path it gives a device and the far device's URI after it
 * (§6), forwarding with its URI taken off the To-Path and put first in the From-Path (§7.1).
 */
export type CsMsrpRole = 'b2bua' | 'relay';

export interface ReferenceServerOptions {
  /** IP literal to listen on (default 127.0.0.1). */
  host?: string;
  /** PF A's port (also the registrar, "the SUT address"); PF B listens on port+1. 0 = ephemeral for both. */
  port?: number;
  /** Transports each PF listens on, on the same port numbers (default udp and tcp). */
  transports?: TransportProtocol[];
  /** Certificate and key (PEM text, octets or file path) when `tls` is among the transports. */
  tls?: TlsSettings;
  mode?: PfMode;
  /** B2BUA mode: how PF A takes part in the sessions' MSRP (default b2bua); proxy mode carries no MSRP of its own. */
  msrpRole?: CsMsrpRole;
  /** Names from the fault catalogue (FAULTS). */
  faults?: string[];
  timers?: Partial<TimerSettings>;
  /** The CPM service domain the registrar and terminating PF serve (default cpm.example.com). */
  domain?: string;
  /** UDP datagram loss (0..1) injected in the server's own tap, for robustness tests. */
  lossRate?: number;
  /** Digest challenge mode of the registrar (default: it accepts any user without credentials). */
  auth?: RegistrarAuth;
  /** Datagram faults beyond loss (duplication, reordering, delay) injected in the server's own tap. */
  network?: Partial<NetworkFaults>;
  /** Most trace entries the server's tap keeps (default 20000): a long-running or attacked server stays bounded. */
  traceRetain?: number;
  /** Most octets of raw messages the server's tap keeps (default 64 MiB): large messages count by their size, not as one entry. */
  traceRetainBytes?: number;
  /** Receives one line per notable event (forwarding decisions, faults applied). */
  log?: (line: string) => void;
}

/** Users and realm the registrar challenges with (RFC 3261 §22.4). Passwords never reach a log or trace. */
export interface RegistrarAuth {
  realm: string;
  /** username → password */
  users: Record<string, string>;
}

export interface ReferenceServer {
  /** PF A: originating PF and registrar. */
  readonly pfA: Address;
  /** PF B: terminating PF. */
  readonly pfB: Address;
  readonly mode: PfMode;
  /** How PF A takes part in MSRP in B2BUA mode (what a target describing this server sets `binding.csMsrpRole` to). */
  readonly msrpRole: CsMsrpRole;
  readonly faults: string[];
  readonly transports: TransportProtocol[];
  /** Every octet the server sent and received. */
  readonly tap: Tap;
  stop(): Promise<void>;
}
