/**
 * Report work runs on the event loop that also carries the running cases (and, without --target,
 * the reference server). Its awaits on Allure calls are promise continuations: without a yield, the
 * report of one case, and of every following case whose result is already in, runs as one
 * uninterrupted block (measured up to 1.1 s), while socket reads and the harness's timers wait. These
 * helpers hand the loop back, so a case's timers are late by one short slice at most.
 */
import { performance } from 'node:perf_hooks';

/** Resolves after one turn of the event loop: timers due and pending I/O run first. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Report work between two yields, at most (a small fraction of T1 = 100 ms against the reference). */
export const SLICE_MS = 8;

/** Call `tick()` between units of work: it yields once the current slice has lasted SLICE_MS. */
export class TimeSlicer {
  private started = performance.now();

  constructor(private readonly budgetMs = SLICE_MS) {}

  async tick(): Promise<void> {
    if (performance.now() - this.started < this.budgetMs) return;
    await yieldToLoop();
    this.started = performance.now();
  }

  /** Yield now and start a new slice (before a unit of work known to be long). */
  async yield(): Promise<void> {
    await yieldToLoop();
    this.started = performance.now();
  }
}
