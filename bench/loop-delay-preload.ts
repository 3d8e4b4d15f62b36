/**
 * Preloaded into a CLI run by bench/cli-runs.ts (`node -r dist/bench/loop-delay-preload.js ...`):
 * the event-loop delay over the whole process, measured from outside the CLI's own code, so a build
 * that does not print its delay (one from before issue 14) is measured by the same instrument.
 * Writes one JSON line {maxMs, p99Ms, meanMs} to the file named by CPM_LOOP_DELAY_FILE at exit.
 */
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const out = process.env.CPM_LOOP_DELAY_FILE;
if (out) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  process.on('exit', () => {
    h.disable();
    const ms = (ns: number) => Math.round(ns / 1e6);
    appendFileSync(out, `${JSON.stringify({ maxMs: ms(h.max), p99Ms: ms(h.percentile(99)), meanMs: Math.round(h.mean / 1e5) / 10 })}\n`);
  });
}
