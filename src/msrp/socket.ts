/**
 * One TCP or TLS socket carrying MSRP (RFC 4975 §6: msrp over TCP, msrps over TLS): frames the
 * inbound byte stream (framer.ts), parses each frame leniently, records every frame sent and
 * received, and hands inbound frames on. Unframeable octets close it after they are reported,
 * because no later frame boundary could be trusted.
 */
import type * as net from 'node:net';
import type { Diagnostic } from '../sip/codec/diagnostic';
import type { Flow, TransportProtocol } from '../sip/transport/address';
import { socketFlow } from '../sip/transport/receivers';
import { StreamSocketLifecycle } from '../sip/transport/stream-socket';
import type { MsrpFrame } from './message';
import { MsrpFramer } from './framer';
import type { MsrpLimits } from './limits';
import { parseFrame } from './parse';
import { serializeFrame } from './serialize';
import type { MsrpTraceRecorder } from './trace';

export type MsrpInbound =
  | { kind: 'frame'; frame: MsrpFrame; raw: Buffer; diagnostics: Diagnostic[] }
  /** Octets that are no usable frame; `transactionId` when the start line was readable, `oversize` for a skipped frame. */
  | { kind: 'unreadable'; raw: Buffer; diagnostics: Diagnostic[]; transactionId?: string; oversize?: { totalBytes: number } };

export class MsrpSocket {
  readonly flow: Flow;
  /** Resolves when the socket has fully closed. */
  readonly closed: Promise<void>;
  private readonly framer: MsrpFramer;
  private readonly lifecycle: StreamSocketLifecycle;
  private handler: (inbound: MsrpInbound) => void = () => undefined;
  private lastError: Error | undefined;

  constructor(
    readonly socket: net.Socket,
    protocol: Extract<TransportProtocol, 'tcp' | 'tls'>,
    limits: MsrpLimits,
    private readonly recorder: MsrpTraceRecorder,
  ) {
    this.flow = socketFlow(socket, protocol);
    this.framer = new MsrpFramer(limits);
    // A frame the peer never finished (no end-line, RFC 4975 §9) is reported as unreadable.
    this.lifecycle = new StreamSocketLifecycle(socket, this.framer, (octets, diagnostic) => this.receiveUnreadable(octets, [diagnostic]));
    this.closed = this.lifecycle.closed;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // An error is followed by 'close'; remember it so a write can say why it failed.
    socket.on('error', (err) => {
      this.lastError = err;
    });
  }

  /** Where inbound frames go (one consumer: the connection that owns the socket). */
  onInbound(handler: (inbound: MsrpInbound) => void): void {
    this.handler = handler;
  }

  get usable(): boolean {
    return this.lifecycle.usable;
  }

  /**
   * Send a frame, or octets as they are (to put a malformed frame on the wire on purpose).
   * Resolves once the socket took them (its write callback: flow control on large messages);
   * rejects when the socket is gone.
   */
  write(data: MsrpFrame | Buffer): Promise<void> {
    const raw = Buffer.isBuffer(data) ? data : serializeFrame(data);
    if (!this.usable) return Promise.reject(new Error(`MSRP connection ${this.describe()} is closed${this.lastError ? ` (${this.lastError.message})` : ''}`));
    this.recorder.sent(this.flow, raw);
    return new Promise((resolve, reject) => {
      this.socket.write(raw, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Orderly, bounded close (StreamSocketLifecycle.shutdown). */
  shutdown(graceMs: number): Promise<void> {
    return this.lifecycle.shutdown(graceMs);
  }

  describe(): string {
    const f = this.flow;
    return `${f.local.host}:${f.local.port} <-> ${f.remote.host}:${f.remote.port}`;
  }

  private receiveUnreadable(raw: Buffer, diagnostics: Diagnostic[], extra: { transactionId?: string; oversize?: { totalBytes: number } } = {}): void {
    this.recorder.received(this.flow, raw, null, diagnostics);
    this.handler({ kind: 'unreadable', raw, diagnostics, ...extra });
  }

  private onData(chunk: Buffer): void {
    for (const unit of this.framer.push(chunk)) {
      if (unit.kind === 'frame') {
        const parsed = parseFrame(unit.octets);
        const diagnostics = [...unit.diagnostics, ...parsed.diagnostics];
        this.recorder.received(this.flow, unit.octets, parsed.frame, diagnostics);
        if (parsed.frame) this.handler({ kind: 'frame', frame: parsed.frame, raw: unit.octets, diagnostics });
        else this.handler({ kind: 'unreadable', raw: unit.octets, diagnostics, transactionId: unit.transactionId });
      } else if (unit.kind === 'oversize') {
        this.receiveUnreadable(unit.octets, [unit.diagnostic], { transactionId: unit.transactionId, oversize: { totalBytes: unit.totalBytes } });
      } else {
        this.receiveUnreadable(unit.octets, [unit.diagnostic]);
        // Nothing after unframeable octets can be trusted; stop reading at once.
        this.socket.destroy();
        return;
      }
    }
  }
}
