/**
 * One entry point for every transport, so topology code picks UDP/TCP/TLS from configuration.
 * `local` of the result is the address actually bound (the real port when 0 was asked for).
 */
import type { TransportProtocol } from './address';
import type { StreamLimits } from './limits';
import type { ParseLimits } from '../codec/limits';
import type { Tap } from './tap';
import { TcpTransport } from './tcp';
import { TlsTransport } from './tls';
import type { TlsSettings } from './tls-settings';
import type { LocalPortSource } from './local-ports';
import type { Transport } from './transport';
import { UdpTransport } from './udp';

export interface CreateTransportOptions {
  protocol: TransportProtocol;
  /** IP literal to bind (IPv6 without brackets). */
  host: string;
  /** 0 or absent = ephemeral. */
  port?: number;
  tap: Tap;
  /** Device / core / reference name recorded on every trace entry. */
  owner?: string;
  /** TLS material and policy (protocol 'tls' only). */
  tls?: TlsSettings;
  /** Stream framing bounds (protocols 'tcp' and 'tls'). */
  limits?: Partial<StreamLimits>;
  /** Parser work bounds per received message (all protocols). */
  parseLimits?: Partial<ParseLimits>;
  /** Bound on dialling a stream connection, handshake included (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Host peers reach this socket at, written into Via / Contact / SDP (NAT); default: `host`. */
  advertisedHost?: string;
  /** Source ports of dialled TCP/TLS connections (target config local.ports); default: ephemeral. */
  localPorts?: LocalPortSource;
}

export function createTransport(opts: CreateTransportOptions): Promise<Transport> {
  const base = { host: opts.host, port: opts.port ?? 0, tap: opts.tap, owner: opts.owner, parseLimits: opts.parseLimits, advertisedHost: opts.advertisedHost };
  switch (opts.protocol) {
    case 'udp':
      return UdpTransport.open(base);
    case 'tcp':
      return TcpTransport.open({ ...base, limits: opts.limits, connectTimeoutMs: opts.connectTimeoutMs, localPorts: opts.localPorts });
    case 'tls':
      return TlsTransport.open({ ...base, limits: opts.limits, connectTimeoutMs: opts.connectTimeoutMs, localPorts: opts.localPorts, tls: opts.tls });
    default:
      return Promise.reject(new Error(`unknown transport protocol ${String(opts.protocol)}`));
  }
}
