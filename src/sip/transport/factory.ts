/**
 * One entry point for every transport, so topology code picks UDP/TCP/TLS from configuration.
 * `local` of the result is the address actually bound (the real port when 0 was asked for).
 */
import type { TransportProtocol } from './address';
import { TcpTransport } from './tcp';
import { TlsTransport, type TlsTransportOptions } from './tls';
import type { Transport } from './transport';
import { UdpTransport } from './udp';

/**
 * The stream transports' options (stream-transport.ts, tls.ts: one list, documented there) with
 * the protocol to pick: `tls` is read for protocol 'tls' only, `limits`, `connectTimeoutMs` and
 * `localPorts` for 'tcp' and 'tls'; UDP takes the rest. The close grace stays the default.
 */
export interface CreateTransportOptions extends Omit<TlsTransportOptions, 'closeGraceMs'> {
  protocol: TransportProtocol;
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
