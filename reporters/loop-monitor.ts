/**
 * The event-loop delay of a run, printed on its "wall time" line so a regression is seen.
 *
 * Why it matters: the cases' timers (the IXIT response timeout, quiet periods, T1 retransmissions)
 * and the built-in reference server share the CLI's event loop with jest and the report work. A
 * loop blocked for as long as the response timeout turned answers the reference had sent into
 * "the SUT did not answer" (issue 14: a max delay of 2,494 ms, 3–4 INCONC in one run of ten).
 *
 * One 10 ms timer; each firing records the time since the previous one (as
 * perf_hooks.monitorEventLoopDelay does: an idle loop reads about 10 ms, a loop blocked 500 ms reads
 * about 500 ms) into two histograms: over the whole run, and only while a suite file's tests run
 * (jest's run_start..run_finish, the window every case runs in). Between those windows jest loads
 * the next suite file in a fresh module registry (100–400 ms of compiling, measured), when no case
 * is running. (monitorEventLoopDelay itself cannot measure windows: re-enabled, its first sample
 * spans the whole pause.)
 */
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import { BroadcastChannel } from 'node:worker_threads';

const RESOLUTION_MS = 10;

export interface LoopDelay {
  /** Max delay over the whole run, ms. */
  maxMs: number;
  /** Max and 99th percentile while suite tests (and so cases) were running, ms. */
  casesMaxMs: number;
  casesP99Ms: number;
}

class LoopMonitor {
  private timer: NodeJS.Timeout | undefined;
  private overall: RecordableHistogram | undefined;
  private cases: RecordableHistogram | undefined;
  private active = 0;
  private last = 0;
  /** When the current window opened: a sample that began before it (the file loading) is not in it. */
  private windowStart = Infinity;

  get started(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    const overall = createHistogram();
    const cases = createHistogram();
    this.overall = overall;
    this.cases = cases;
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const from = this.last;
      const us = Math.max(1, Math.round((now - from) * 1000));
      this.last = now;
      overall.record(us);
      if (this.active > 0 && from >= this.windowStart) cases.record(us);
    }, RESOLUTION_MS);
    this.timer.unref();
  }

  /** A suite file's tests start (the test environment calls this on jest's run_start). */
  casesStart(): void {
    if (this.active++ === 0) this.windowStart = performance.now();
  }

  /** ...and end (run_finish). */
  casesEnd(): void {
    if (this.active > 0 && --this.active === 0) this.windowStart = Infinity;
  }

  /** The delay while cases ran so far (the windows closed and the one open). */
  casesSoFar(): CasesDelay {
    const c = this.cases;
    return { casesMaxMs: c ? Math.round(c.max / 1000) : 0, casesP99Ms: c?.count ? Math.round(c.percentile(99) / 1000) : 0 };
  }

  /** Stops measuring; undefined if start() was not called. */
  stop(): LoopDelay | undefined {
    const { overall, cases } = this;
    clearInterval(this.timer);
    this.timer = this.overall = this.cases = undefined;
    this.active = 0;
    this.windowStart = Infinity;
    if (!overall || !cases) return undefined;
    const ms = (us: number) => Math.round(us / 1000);
    // An empty histogram (no test ran) has no percentile.
    return { maxMs: ms(overall.max), casesMaxMs: ms(cases.max), casesP99Ms: cases.count ? ms(cases.percentile(99)) : 0 };
  }
}
export type CasesDelay = Pick<LoopDelay, 'casesMaxMs' | 'casesP99Ms'>;

/**
 * One per thread. In the CLI's thread run.ts starts and stops it; the test environment marks the
 * suites' windows, and on a jest worker thread (several targets run at once, bin/run-suites.ts)
 * starts it itself and reports each file's window to the CLI over CASES_DELAY_CHANNEL.
 */
export const loopMonitor = new LoopMonitor();

/** Where each test file's thread says how late its loop ran while its cases ran. */
const CASES_DELAY_CHANNEL = 'cpm-conformance-cases-loop-delay';

/** The test environment, at the end of its file's cases: this thread's delay while they ran. */
export function postCasesDelay(): void {
  const ch = new BroadcastChannel(CASES_DELAY_CHANNEL);
  ch.postMessage(loopMonitor.casesSoFar());
  ch.close();
}

/** The CLI's side: collects the delay of every test file's thread while its cases ran. */
export class CasesDelayReports {
  private readonly ch = new BroadcastChannel(CASES_DELAY_CHANNEL);
  private readonly got: CasesDelay[] = [];
  private wake: (() => void) | undefined;

  constructor() {
    this.ch.unref();
    this.ch.onmessage = (e) => {
      this.got.push((e as { data: CasesDelay }).data);
      this.wake?.();
    };
  }

  /** The worst of the reports, once `expected` arrived or `boundMs` passed (a file that crashed never reports). */
  async close(expected: number, boundMs = 1000): Promise<CasesDelay | undefined> {
    const until = Date.now() + boundMs;
    while (this.got.length < expected && Date.now() < until) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, Math.max(1, until - Date.now())).unref();
      });
    }
    this.ch.close();
    if (this.got.length === 0) return undefined;
    return { casesMaxMs: Math.max(...this.got.map((g) => g.casesMaxMs)), casesP99Ms: Math.max(...this.got.map((g) => g.casesP99Ms)) };
  }
}

export function formatLoopDelay(d: LoopDelay): string {
  return `max event-loop delay ${d.casesMaxMs} ms while cases ran (p99 ${d.casesP99Ms} ms), ${d.maxMs} ms overall`;
}
