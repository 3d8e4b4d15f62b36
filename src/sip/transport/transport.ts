/**
 * The transport contract (RFC 3261 §18). Implementations: udp.ts, tcp.ts (stream framing by
 * Content-Length, §18.3), tls.ts. Every octet sent or received goes through the shared Tap.
 */
import type { SipMessage } from '../message';
import type { Diagnostic } from '../codec/diagnostic';
import type { Address, Flow, TransportProtocol } from './address';

export interface InboundMessage {
  /** Parsed (lenient) message, or null when the octets are not SIP: the harness judges such garbage, never crashes on it. */
  message: SipMessage | null;
  /** The exact octets of this message. */
  raw: Buffer;
  diagnostics: Diagnostic[];
  flow: Flow;
  at: bigint;
}

export interface Transport {
  readonly protocol: TransportProtocol;
  /** Bound local address (actual port after binding port 0). */
  readonly local: Address;
  /**
   * The address peers must use to reach this socket when it differs from `local` (NAT: the target
   * config's `local.advertisedHost`, same port): what Via sent-by, Contact, Record-Route/Path and
   * SDP carry. Absent = `local`. Traces keep recording `local`, the real socket.
   */
  readonly advertised?: Address;
  /** Send a message (serialized) or caller-supplied raw octets unchanged. Resolves when handed to the socket. */
  send(data: SipMessage | Buffer, remote: Address): Promise<void>;
  /** Register the single receiver of inbound messages (the transaction layer or a test). */
  onMessage(handler: (m: InboundMessage) => void): void;
  /** Register a handler for transport errors (connection refused/reset); never thrown at the caller. */
  onError(handler: (err: Error, remote?: Address) => void): void;
  /** Close sockets and connections; resolves when all are closed. */
  close(): Promise<void>;
}

/**
 * Where peers reach this transport (RFC 3261 §18.2.1 / §20.42: the sent-by of a Via is where
 * responses go): the advertised address behind NAT, else the bound one.
 */
export function sentBy(t: Pick<Transport, 'local' | 'advertised'>): Address {
  return t.advertised ?? t.local;
}
