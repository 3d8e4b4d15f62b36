/**
 * What the SIP stream framer (RFC 3261 §18.3, stream-framer.ts) and the MSRP framer (RFC 4975
 * §5.1, src/msrp/framer.ts) share: a bounded queue fed in slices, units cut after each slice, and
 * an error unit that ends the stream for good when its framing cannot be trusted, because no
 * later boundary could be found reliably after it.
 */
import type { Diagnostic } from '../codec/diagnostic';
import { ByteQueue } from './byte-queue';

/** The unit that ends a stream: the offending octets and why; the connection must be closed. */
export type StreamError = { kind: 'error'; octets: Buffer; diagnostic: Diagnostic };

/** A framing diagnostic: it concerns the stream, not a line of a parsed message. */
export function framingDiagnostic(rule: string, severity: Diagnostic['severity'], message: string): Diagnostic {
  return { rule, severity, message, line: 0, column: 0 };
}

/** A first line is text: any control octet but HTAB and CR means binary data (e.g. a TLS ClientHello sent to a TCP port). */
export function isBinaryLine(line: Buffer): boolean {
  for (const b of line) if ((b < 0x20 && b !== 0x09 && b !== 0x0d) || b === 0x7f) return true;
  return false;
}

export abstract class StreamFramerBase<U extends { kind: string }> {
  protected readonly queue = new ByteQueue();
  protected failed = false;

  /** `errorOctets`: how many of the held octets an error unit keeps for the report. */
  protected constructor(private readonly errorOctets: number) {}

  get closed(): boolean {
    return this.failed;
  }

  /**
   * Feed one chunk; returns the units it completed, in order. After an error unit, further input
   * is ignored. The chunk is taken in slices of at most `room()` octets, framing after each, so
   * the queue stays within the framer's bound however the peer sizes its segments.
   */
  push(chunk: Buffer): U[] {
    const out: U[] = [];
    let offset = 0;
    while (!this.failed && offset < chunk.length) {
      const room = this.room();
      if (typeof room !== 'number') {
        out.push(room);
        break;
      }
      const slice = chunk.subarray(offset, offset + room);
      offset += slice.length;
      this.queue.append(slice);
      this.cutUnits(out);
    }
    return out;
  }

  /** Octets the queue may take now, or the error unit ending the stream when it can take none. */
  protected abstract room(): number | U;

  /** The next unit complete in the queue, or null until more octets arrive. */
  protected abstract next(): U | null;

  /** End the stream: keep the head of what is held for the report, drop the rest. */
  protected fail(diagnostic: Diagnostic): StreamError {
    this.failed = true;
    const octets = this.queue.take(Math.min(this.queue.length, this.errorOctets));
    this.queue.clear();
    return { kind: 'error', octets, diagnostic };
  }

  /** Every unit that can be cut from what is held now, in order, stopping after an error unit (the stream is unusable past it). */
  private cutUnits(out: U[]): void {
    for (;;) {
      const unit = this.next();
      if (!unit) return;
      out.push(unit);
      if (unit.kind === 'error') return;
    }
  }
}
