/**
 * How many case variants run at once against the built-in reference server, fitted to the CPU the
 * machine gives the run (issue 14).
 *
 * Why not a fixed number: a case mostly waits (quiet periods, the SUT's timers), so a run wants many
 * at once (32 per PF mode on 2 idle cores ran the default run in the least time); but when other
 * processes take the cores (a CI runner, a laptop compiling), the same 32 starved each other: the
 * harness's own threads fell behind and five variants ended "the CPM Session Invitation did not reach
 * B1 within 2500 ms" — an inconclusive verdict the reference server did not cause. The signal is the
 * lag of this thread's event loop, the thread that runs the cases' timers and sockets: late timers
 * are exactly what turns into such verdicts.
 *
 * The rule is TCP's (RFC 5681 §3.1, additive increase, multiplicative decrease): a window whose
 * worst timer lag exceeds `highLagMs` halves the limit; a calm window with variants waiting to
 * start adds one, up to `max`. A variant already running is never stopped: the limit only gates starts.
 */

/** Reports, every window, the worst event-loop lag seen in it (ms). Returns a stop function. */
export type LagSource = (onWindow: (maxLagMs: number) => void) => () => void;

export interface AdaptiveLimitOptions {
  /** The most at once (the configured concurrency); also the starting limit. */
  max: number;
  /** Never fewer than this at once. */
  min: number;
  /** A window with a timer this late halves the limit. */
  highLagMs?: number;
  /** A window no later than this lets the limit grow by one. */
  lowLagMs?: number;
  lag?: LagSource;
}

const TICK_MS = 20;
const WINDOW_MS = 250;

/** Timer lag of this thread: a 20 ms interval timer, each firing's lateness, the worst per window. */
export function timerLag(onWindow: (maxLagMs: number) => void): () => void {
  let last = performance.now();
  let windowStart = last;
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - TICK_MS);
    last = now;
    if (now - windowStart >= WINDOW_MS) {
      onWindow(worst);
      worst = 0;
      windowStart = now;
    }
  }, TICK_MS);
  // A measurement, not work: it must never keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}

export class AdaptiveLimit {
  private running = 0;
  private readonly queue: Array<() => void> = [];
  private limitNow: number;
  private lowest: number;
  private stopLag: (() => void) | undefined;
  private readonly highLagMs: number;
  private readonly lowLagMs: number;
  private readonly lag: LagSource;

  constructor(private readonly o: AdaptiveLimitOptions) {
    if (!(o.min >= 1 && o.max >= o.min)) throw new Error(`adaptive limit: need 1 ≤ min ≤ max, got min ${o.min}, max ${o.max}`);
    this.limitNow = o.max;
    this.lowest = o.max;
    this.highLagMs = o.highLagMs ?? 150;
    this.lowLagMs = o.lowLagMs ?? 60;
    this.lag = o.lag ?? timerLag;
  }

  /** Variants allowed at once now. */
  get limit(): number {
    return this.limitNow;
  }

  /** The lowest the limit went: how much the machine held the run back. */
  get lowestLimit(): number {
    return this.lowest;
  }

  /** Start `job` once fewer than the limit run; settles with the job's own result. */
  run<T>(job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push(() => {
        this.running++;
        job().then(resolve, reject).finally(() => {
          this.running--;
          this.pump();
        });
      });
      this.pump();
    });
  }

  /** One window of lag: halve on a late timer, grow by one when calm and variants are waiting. */
  onWindow(maxLagMs: number): void {
    if (maxLagMs > this.highLagMs) this.limitNow = Math.max(this.o.min, Math.floor(this.limitNow / 2));
    else if (maxLagMs <= this.lowLagMs && this.queue.length > 0) this.limitNow = Math.min(this.o.max, this.limitNow + 1);
    this.lowest = Math.min(this.lowest, this.limitNow);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.limitNow && this.queue.length > 0) this.queue.shift()!();
    // Measure only while there is work: an idle thread's timers say nothing about the run.
    const busy = this.running > 0 || this.queue.length > 0;
    if (busy && !this.stopLag) this.stopLag = this.lag((ms) => this.onWindow(ms));
    else if (!busy && this.stopLag) {
      this.stopLag();
      this.stopLag = undefined;
    }
  }
}
