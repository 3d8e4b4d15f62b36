/**
 * One connection of a stream transport (TCP or TLS): frames the inbound byte stream into messages
 * (RFC 3261 §18.3), records each on the Tap and hands it on; closes itself when the peer's
 * framing cannot be trusted, after reporting the offending octets.
 */
import type * as net from 'node:net';
import type { Address, Flow, TransportProtocol } from './address';
import type { StreamLimits } from './limits';
import type { Receivers } from './receivers';
import { socketFlow } from './receivers';
import { StreamFramer } from './stream-framer';
import { StreamSocketLifecycle } from './stream-socket';
import { parseOctets, type TraceRecorder } from './trace-recorder';

export class StreamConnection {
  readonly flow: Flow;
  /** Resolves when the socket has fully closed (its 'close' event). */
  readonly closed: Promise<void>;
  private readonly framer: StreamFramer;
  private readonly lifecycle: StreamSocketLifecycle;

  constructor(
    readonly socket: net.Socket,
    protocol: TransportProtocol,
    /** Which side opened it: 'outbound' we dialled, 'inbound' we accepted. */
    readonly origin: 'inbound' | 'outbound',
    limits: StreamLimits,
    private readonly recorder: TraceRecorder,
    private readonly receivers: Receivers,
  ) {
    this.flow = socketFlow(socket, protocol);
    this.framer = new StreamFramer(limits);
    // The octets of a message the peer never finished (§18.3) go on the trace as unreadable.
    this.lifecycle = new StreamSocketLifecycle(socket, this.framer, (octets, diagnostic) => {
      this.recorder.received(this.flow, octets, { message: null, diagnostics: [diagnostic] });
    });
    this.closed = this.lifecycle.closed;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.receivers.error(err, this.flow.remote));
  }

  get remote(): Address {
    return this.flow.remote;
  }

  /** Still able to carry a message we send. */
  get usable(): boolean {
    return this.lifecycle.usable;
  }

  /** Resolves when the octets are handed to the socket; a failed write is reported, not thrown. */
  write(raw: Buffer): Promise<void> {
    this.recorder.sent(this.flow, raw);
    return new Promise((resolve) => {
      this.socket.write(raw, (err) => {
        if (err) this.receivers.error(err, this.flow.remote);
        resolve();
      });
    });
  }

  /** Orderly, bounded close (StreamSocketLifecycle.shutdown). */
  shutdown(graceMs: number): Promise<void> {
    return this.lifecycle.shutdown(graceMs);
  }

  private onData(chunk: Buffer): void {
    for (const unit of this.framer.push(chunk)) {
      if (unit.kind === 'message') {
        const parsed = parseOctets(unit.octets, this.recorder.limits);
        const { inbound } = this.recorder.received(this.flow, unit.octets, {
          message: parsed.message,
          diagnostics: [...unit.diagnostics, ...parsed.diagnostics],
        });
        this.receivers.deliver(inbound);
      } else {
        const { inbound } = this.recorder.received(this.flow, unit.octets, { message: null, diagnostics: [unit.diagnostic] });
        this.receivers.deliver(inbound);
        // Nothing after unframeable octets can be trusted; stop reading at once.
        this.socket.destroy();
        return;
      }
    }
  }
}
