/**
 * The life of one TCP or TLS socket carrying a framed protocol, shared by SIP (RFC 3261 §18.3,
 * stream-connection.ts) and MSRP (RFC 4975 §6, src/msrp/socket.ts): no Nagle delay, `closed`
 * once the socket has fully closed, `usable` while it can still carry what we send, and an
 * orderly, bounded shutdown.
 */
import type * as net from 'node:net';
import type { Diagnostic } from '../codec/diagnostic';

/** What the socket's framer (stream-framer.ts, src/msrp/framer.ts) gives up when the socket closes. */
export interface ClosingFramer {
  /** Octets of a message or frame the peer never finished; null when nothing is held. */
  unfinished(): { octets: Buffer; diagnostic: Diagnostic } | null;
  reset(): void;
}

export class StreamSocketLifecycle {
  /** Resolves when the socket has fully closed (its 'close' event). */
  readonly closed: Promise<void>;
  private isClosed = false;
  private graceTimer: NodeJS.Timeout | undefined;

  /** `onUnfinished` is told of the octets a peer that closed mid-message left behind, before the framer is reset. */
  constructor(
    private readonly socket: net.Socket,
    framer: ClosingFramer,
    onUnfinished: (octets: Buffer, diagnostic: Diagnostic) => void,
  ) {
    // Messages and chunks are small, and their timestamps and timers matter: no Nagle delay.
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.isClosed = true;
        if (this.graceTimer) clearTimeout(this.graceTimer);
        // A peer that closes mid-message leaves octets no boundary will complete: show them.
        const rest = framer.unfinished();
        if (rest) onUnfinished(rest.octets, rest.diagnostic);
        framer.reset();
        resolve();
      });
    });
  }

  /** Still able to carry what we send. */
  get usable(): boolean {
    return !this.isClosed && !this.socket.destroyed && this.socket.writable;
  }

  /**
   * Orderly close: FIN (after TLS close_notify) so queued octets still reach the peer, then a
   * bounded wait before the socket is destroyed, so close never hangs on a silent peer.
   */
  shutdown(graceMs: number): Promise<void> {
    if (!this.isClosed) {
      if (this.socket.connecting || graceMs <= 0) this.socket.destroy();
      else {
        this.socket.end();
        this.graceTimer ??= setTimeout(() => this.socket.destroy(), graceMs);
      }
    }
    return this.closed;
  }
}
