/**
 * SIP over UDP (RFC 3261 §18.1.1, §18.2.1): one socket, one datagram per message. Every datagram
 * in either direction is recorded on the Tap, including those that loss injection drops, so a
 * trace shows what the network "lost". The Tap's other datagram faults (duplication, reordering,
 * delay) are applied here too, on both the send and the receive path, through a DelayLine that
 * close() clears. Datagrams that are not SIP still reach the receiver (message = null) so the
 * harness can judge them.
 *
 * The harness sends what it is told even above the §18.1.1 MTU threshold: choosing TCP for large
 * requests is the transaction user's decision, and a conformance tool must be able to send odd
 * traffic. A datagram too large for the socket becomes an error report, not an exception.
 */
import * as dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { SipMessage } from '../message';
import { serializeMessage } from '../codec/serialize';
import type { Address, Flow } from './address';
import { Receivers, normalizeHost } from './receivers';
import { DelayLine, type Tap } from './tap';
import type { ParseLimits } from '../codec/limits';
import { TraceRecorder } from './trace-recorder';
import type { InboundMessage, Transport } from './transport';

/**
 * The largest UDP payload an IPv4 datagram carries (65,535 − 20 octets IP header − 8 octets UDP
 * header; RFC 768, RFC 791). A SIP message above it cannot go over UDP at all (RFC 3261 §18.1.1
 * sends large requests over a congestion-controlled transport; a response goes back over the
 * transport its request came on, §18.2.2). IPv6 allows 20 octets more; the smaller bound is used.
 */
export const MAX_UDP_PAYLOAD = 65_507;

export interface UdpTransportOptions {
  /** IP literal to bind; its family picks udp4 or udp6. */
  host: string;
  /** 0 = ephemeral. */
  port?: number;
  tap: Tap;
  owner?: string;
  /** Parser work bounds per received datagram. */
  parseLimits?: Partial<ParseLimits>;
  /** Host peers reach this socket at (NAT; see Transport.advertised); default: `host`. */
  advertisedHost?: string;
}

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  private readonly receivers = new Receivers();
  private readonly recorder: TraceRecorder;
  private closing: Promise<void> | undefined;
  private boundAddress: Address;
  private readonly delays: DelayLine;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly tap: Tap,
    owner: string | undefined,
    parseLimits: Partial<ParseLimits> | undefined,
    private readonly advertisedHost: string | undefined,
  ) {
    this.recorder = new TraceRecorder(tap, owner, parseLimits);
    this.delays = new DelayLine(tap);
    const a = socket.address();
    this.boundAddress = { host: normalizeHost(a.address), port: a.port };
    socket.on('message', (buf, rinfo) => this.onDatagram(buf, rinfo));
    // After binding, socket errors (e.g. ICMP-driven ones on some platforms) are reports, never throws.
    socket.on('error', (err) => this.receivers.error(err));
  }

  static open(opts: UdpTransportOptions): Promise<UdpTransport> {
    const socket = dgram.createSocket({ type: isIPv6(opts.host) ? 'udp6' : 'udp4', ipv6Only: isIPv6(opts.host) });
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.bind(opts.port ?? 0, opts.host, () => {
        socket.off('error', onError);
        resolve(new UdpTransport(socket, opts.tap, opts.owner, opts.parseLimits, opts.advertisedHost));
      });
    });
  }

  get local(): Address {
    return this.boundAddress;
  }

  get advertised(): Address {
    return { host: this.advertisedHost ?? this.boundAddress.host, port: this.boundAddress.port };
  }

  onMessage(handler: (m: InboundMessage) => void): void {
    this.receivers.setMessageHandler(handler);
  }

  onError(handler: (err: Error, remote?: Address) => void): void {
    this.receivers.setErrorHandler(handler);
  }

  /** Resolves once the datagram is handed to the socket (or dropped, or failed: failures go to onError). */
  send(data: SipMessage | Buffer, remote: Address): Promise<void> {
    const raw = Buffer.isBuffer(data) ? data : serializeMessage(data);
    const flow = this.flow(remote);
    if (this.closing) {
      this.receivers.error(new Error('send on a closed UDP transport'), remote);
      return Promise.resolve();
    }
    const fate = this.tap.fate('udp', flow.remote);
    if (fate.drop) {
      this.recorder.sent(flow, raw, true);
      return Promise.resolve();
    }
    // A delayed or duplicated copy is recorded when it really leaves, so the trace shows wire order.
    const [first, ...later] = fate.delays;
    for (const d of later) this.delays.run(d, () => void this.transmit(flow, raw, remote));
    if (first > 0) {
      this.delays.run(first, () => void this.transmit(flow, raw, remote));
      return Promise.resolve();
    }
    return this.transmit(flow, raw, remote);
  }

  private transmit(flow: Flow, raw: Buffer, remote: Address): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.recorder.sent(flow, raw);
    return new Promise((resolve) => {
      try {
        this.socket.send(raw, remote.port, remote.host, (err) => {
          if (err) this.receivers.error(err, remote);
          resolve();
        });
      } catch (err) {
        // Synchronous failures (bad port, socket already closed) are reports too.
        this.receivers.error(err as Error, remote);
        resolve();
      }
    });
  }

  close(): Promise<void> {
    this.delays.close();
    this.closing ??= new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
    return this.closing;
  }

  private flow(remote: Address): Flow {
    return { protocol: 'udp', local: this.boundAddress, remote: { host: normalizeHost(remote.host), port: remote.port } };
  }

  private onDatagram(buf: Buffer, rinfo: dgram.RemoteInfo): void {
    const flow = this.flow({ host: rinfo.address, port: rinfo.port });
    const fate = this.tap.fate('udp', flow.remote);
    if (fate.drop) {
      this.recorder.received(flow, buf, undefined, true);
      return;
    }
    for (const d of fate.delays) {
      this.delays.run(d, () => {
        const { inbound } = this.recorder.received(flow, buf);
        this.receivers.deliver(inbound);
      });
    }
  }
}
