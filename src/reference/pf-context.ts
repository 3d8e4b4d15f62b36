/**
 * What a Participating Function's proxy and B2BUA logic share: who it is (PF A serves callers,
 * PF B callees, OMA CPM SD C.2.3.1), its addresses, its SIP endpoint and the server-wide
 * location service and faults.
 */
import type { SipRequest, SipMessage } from '../sip/message';
import type { Address, TransportProtocol } from '../sip/transport/address';
import type { Transport } from '../sip/transport/transport';
import type { SipEndpoint } from '../sip/endpoint';
import { formatVia } from '../sip/headers/via';
import { newBranch } from '../sip/ids';
import type { FaultSet } from './faults';
import type { LocationService } from './location-service';
import type { PfMode } from './options';
import type { MsrpRelay } from './msrp-relay';
import type { MsrpPathRelay } from './msrp-path-relay';

export type PfRole = 'A' | 'B';

export interface PfContext {
  readonly role: PfRole;
  /** 'PF A' / 'PF B': trace owner and log prefix. */
  readonly name: string;
  readonly address: Address;
  /** The other PF (PF A forwards initial requests there in direct topology). */
  readonly peer: Address;
  readonly mode: PfMode;
  readonly endpoint: SipEndpoint;
  readonly transports: ReadonlyMap<TransportProtocol, Transport>;
  readonly location: LocationService;
  readonly faults: FaultSet;
  readonly domain: string;
  /** The CS's MSRP endpoint in B2BUA mode (PF A: the CS in the media path, msrp-relay.ts); absent otherwise. */
  readonly msrp?: MsrpRelay;
  /** Proxy mode under `trf-nmp-msrp-relay-inserted` only (PF A): an RFC 4976 relay the CS wrongly inserts (msrp-path-relay.ts). */
  readonly msrpPathRelay?: MsrpPathRelay;
  log(line: string): void;
}

/** The transport to use for a protocol, falling back to the one the request came in on. */
export function transportFor(ctx: PfContext, protocol: TransportProtocol | undefined, fallback: Transport): Transport {
  return (protocol && ctx.transports.get(protocol)) || fallback;
}

/** The transport a message arrived on. */
export function inboundTransport(ctx: PfContext, protocol: TransportProtocol): Transport {
  const t = ctx.transports.get(protocol) ?? ctx.transports.values().next().value;
  if (!t) throw new Error(`${ctx.name} has no transport`);
  return t;
}

/** A Via naming this PF on `transport`, for what it sends outside a client transaction (ACK for 2xx, §16.11). */
export function ownVia(transport: Transport, branch = newBranch()): string {
  return formatVia({
    protocol: 'SIP/2.0', transport: transport.protocol.toUpperCase(), host: transport.local.host, port: transport.local.port,
    params: { branch, rport: null }, branch, raw: '',
  });
}

/** Short description of a message for the log. */
export function describe(msg: SipMessage): string {
  return msg.kind === 'request' ? `${(msg as SipRequest).method} ${(msg as SipRequest).uri}` : `${msg.status} ${msg.reason}`;
}
