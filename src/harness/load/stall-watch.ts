/**
 * The generator's own stalls (docs/load.md): a timer that should fire every `tickMs` and fires
 * late says the event loop was busy for that long — every timer and every datagram of every flow
 * waited too. A flow that failed or timed out while the generator stalled is no evidence about the
 * SUT (a response may have sat unread in our socket), so the load run makes it inconclusive with
 * the reason instead of blaming a requirement. Bounded: the last `keep` stalls only.
 */
export class StallWatch {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  /** [end time (ms, performance clock), length (ms)] of recent stalls, oldest first. */
  private readonly stalls: Array<[number, number]> = [];

  constructor(
    /** A stall is a tick late by at least this much. */
    private readonly thresholdMs: number,
    private readonly tickMs = 20,
    private readonly keep = 4096,
  ) {}

  start(): void {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const late = now - this.last - this.tickMs;
      this.last = now;
      if (late < this.thresholdMs) return;
      this.stalls.push([now, late]);
      if (this.stalls.length > this.keep) this.stalls.shift();
    }, this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The longest stall that overlapped [from, to] (performance clock, ms), 0 when none. */
  longestBetween(from: number, to: number): number {
    let longest = 0;
    for (let i = this.stalls.length - 1; i >= 0; i--) {
      const [end, len] = this.stalls[i];
      if (end < from) break;
      if (end - len <= to) longest = Math.max(longest, len);
    }
    return longest;
  }
}
