/**
 * In-memory Transport for unit tests: no sockets, deterministic, works under jest fake timers
 * (delivery uses a native promise job, which fake timers do not hold back). Transports on the same
 * FakeNetwork reach each other by address; a test can also inject messages and drop datagrams.
 */
import type { SipMessage } from '../../src/sip/message';
import { parseMessage } from '../../src/sip/codec/parse';
import { serializeMessage } from '../../src/sip/codec/serialize';
import type { Address, TransportProtocol } from '../../src/sip/transport/address';
import { sameAddress } from '../../src/sip/transport/address';
import type { InboundMessage, Transport } from '../../src/sip/transport/transport';

export interface SentRecord {
  raw: Buffer;
  message: SipMessage | null;
  remote: Address;
  /** Date.now() at send (fake clock under jest fake timers). */
  at: number;
  dropped: boolean;
}

export class FakeNetwork {
  readonly transports: FakeTransport[] = [];
  /** Return true to drop this datagram/segment (loss injection). */
  drop: (raw: Buffer, from: Address, to: Address) => boolean = () => false;

  find(a: Address): FakeTransport | undefined {
    return this.transports.find((t) => !t.closed && sameAddress(t.local, a));
  }
}

export class FakeTransport implements Transport {
  readonly sent: SentRecord[] = [];
  closed = false;
  /** When set, send() rejects (a transport error, §17.1.4). */
  failSends = false;
  private handler: (m: InboundMessage) => void = () => undefined;
  private errorHandler: (err: Error, remote?: Address) => void = () => undefined;

  constructor(readonly local: Address, readonly protocol: TransportProtocol = 'udp', readonly network?: FakeNetwork) {
    network?.transports.push(this);
  }

  async send(data: SipMessage | Buffer, remote: Address): Promise<void> {
    if (this.closed) throw new Error('transport closed');
    if (this.failSends) throw new Error('send failed');
    const raw = Buffer.isBuffer(data) ? Buffer.from(data) : serializeMessage(data);
    const dropped = this.network?.drop(raw, this.local, remote) ?? false;
    this.sent.push({ raw, message: parseMessage(raw).message, remote: { ...remote }, at: Date.now(), dropped });
    const peer = dropped ? undefined : this.network?.find(remote);
    if (peer) void Promise.resolve().then(() => peer.inject(raw, this.local));
  }

  /** Deliver octets (or a message) as if they arrived from `from`. */
  inject(data: SipMessage | Buffer, from: Address): void {
    if (this.closed) return;
    const raw = Buffer.isBuffer(data) ? data : serializeMessage(data);
    const parsed = parseMessage(raw);
    const m: InboundMessage = {
      message: parsed.message, raw, diagnostics: parsed.diagnostics,
      flow: { protocol: this.protocol, local: this.local, remote: { ...from } }, at: process.hrtime.bigint(),
    };
    this.handler(m);
  }

  /** Report an asynchronous transport error (e.g. connection refused). */
  emitError(err: Error, remote?: Address): void {
    this.errorHandler(err, remote);
  }

  onMessage(handler: (m: InboundMessage) => void): void {
    this.handler = handler;
  }

  onError(handler: (err: Error, remote?: Address) => void): void {
    this.errorHandler = handler;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Sent messages that parsed as requests/responses, with a filter. */
  sentMessages(filter: (m: SipMessage) => boolean = () => true): SentRecord[] {
    return this.sent.filter((s) => s.message !== null && filter(s.message));
  }
}
