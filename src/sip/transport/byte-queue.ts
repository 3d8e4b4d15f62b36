/**
 * A growable FIFO of octets for stream reassembly. Appending copies into spare capacity (doubling
 * when full), so a peer that trickles a message one octet per segment costs linear time, not the
 * quadratic cost of Buffer.concat on every chunk.
 */
/** Capacity an empty queue keeps; above it the store is dropped once emptied. */
const RETAINED_CAPACITY = 64 * 1024;

export class ByteQueue {
  private store: Buffer;
  private start = 0;
  private end = 0;

  constructor(private readonly initialCapacity = 4096) {
    this.store = Buffer.allocUnsafe(initialCapacity);
  }

  get length(): number {
    return this.end - this.start;
  }

  /** Octets of memory held (for tests proving a large message's memory is given back). */
  get capacity(): number {
    return this.store.length;
  }

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.store.length) {
      const needed = this.length + chunk.length;
      if (needed <= this.store.length / 2) {
        // Enough room once the consumed prefix is dropped.
        this.store.copy(this.store, 0, this.start, this.end);
      } else {
        let capacity = Math.max(this.store.length, 1024);
        while (capacity < needed) capacity *= 2;
        const next = Buffer.allocUnsafe(capacity);
        this.store.copy(next, 0, this.start, this.end);
        this.store = next;
      }
      this.end -= this.start;
      this.start = 0;
    }
    chunk.copy(this.store, this.end);
    this.end += chunk.length;
  }

  /** Octet at offset from the head (undefined beyond the end). */
  at(offset: number): number | undefined {
    return offset < this.length ? this.store[this.start + offset] : undefined;
  }

  /** Position of `needle` at or after `from`, or -1. */
  indexOf(needle: string | Buffer, from = 0): number {
    const i = this.store.subarray(this.start, this.end).indexOf(needle, from);
    return i;
  }

  /** A view of the first `n` octets without consuming them (valid until the next append). */
  peek(n: number): Buffer {
    return this.store.subarray(this.start, this.start + Math.min(n, this.length));
  }

  /** Remove and return a copy of the first `n` octets. */
  take(n: number): Buffer {
    const out = Buffer.from(this.peek(n));
    this.skip(n);
    return out;
  }

  skip(n: number): void {
    this.start += Math.min(n, this.length);
    if (this.start === this.end) {
      this.start = this.end = 0;
      // Emptied after a large message: give the memory back rather than hold it for the
      // connection's life (a thousand devices' connections each once grew to a 200 (OK) to
      // REGISTER listing every binding, RFC 3261 §10.3 step 8).
      if (this.store.length > RETAINED_CAPACITY) this.store = Buffer.allocUnsafe(this.initialCapacity);
    }
  }

  /** Drop everything and give the memory back (connection closed). */
  clear(): void {
    this.start = this.end = 0;
    this.store = Buffer.allocUnsafe(0);
  }
}
