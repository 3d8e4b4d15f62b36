/**
 * The open-loop arrival process of `load` (docs/load.md): arrivals follow the schedule alone,
 * a linear ramp then the full rate, and an arrival that finds no free slot is shed and counted,
 * never queued or silently dropped.
 */
import { arrivalsDue, runOpenLoop, type OpenLoopCounts } from '../../../src/harness/load/open-loop';
import { StallWatch } from '../../../src/harness/load/stall-watch';

test('arrivals due: a triangle over the ramp, then one every 1/rate s, none past the duration', () => {
  const flat = { rate: 10, durationMs: 10_000, rampMs: 0 };
  expect(arrivalsDue(flat, 0)).toBe(0);
  expect(arrivalsDue(flat, 1000)).toBe(10);
  expect(arrivalsDue(flat, 10_000)).toBe(100);
  expect(arrivalsDue(flat, 60_000)).toBe(100);
  const ramped = { rate: 10, durationMs: 10_000, rampMs: 2000 };
  expect(arrivalsDue(ramped, 1000)).toBe(2); // 10 · 1² / (2 · 2)
  expect(arrivalsDue(ramped, 2000)).toBe(10); // half the ramp's full-rate arrivals
  expect(arrivalsDue(ramped, 3000)).toBe(20);
  expect(arrivalsDue(ramped, 10_000)).toBe(90);
});

test('with one slot and flows slower than the arrivals, the extra arrivals are shed and counted', async () => {
  const counts: OpenLoopCounts = { due: 0, started: 0, shed: 0, done: 0 };
  let free: string[] = ['S1'];
  await runOpenLoop({ rate: 20, durationMs: 1000, rampMs: 0 }, { take: () => free.pop(), give: (s) => { free = [...free, s]; } },
    () => new Promise((r) => setTimeout(r, 200)), counts, new AbortController().signal);
  expect(counts.due).toBe(20);
  expect(counts.started + counts.shed).toBe(20);
  expect(counts.started).toBeGreaterThan(0);
  expect(counts.started).toBeLessThanOrEqual(6); // at most one flow every 200 ms over ~1 s
  expect(counts.done).toBe(counts.started);
});

test('an abort stops the arrivals at once and waits for the flows in flight', async () => {
  const counts: OpenLoopCounts = { due: 0, started: 0, shed: 0, done: 0 };
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 150);
  const t0 = Date.now();
  await runOpenLoop({ rate: 100, durationMs: 30_000, rampMs: 0 }, { take: () => 'S', give: () => undefined },
    () => new Promise((r) => setTimeout(r, 100)), counts, stop.signal);
  expect(Date.now() - t0).toBeLessThan(2000);
  expect(counts.due).toBeLessThan(100);
  expect(counts.done).toBe(counts.started);
});

test('a stall of the generator\'s event loop is seen, with its length, in the span it overlapped', async () => {
  const watch = new StallWatch(100);
  watch.start();
  await new Promise((r) => setTimeout(r, 60));
  const from = performance.now();
  const until = Date.now() + 400;
  while (Date.now() < until) { /* the generator busy: no timer can fire */ }
  await new Promise((r) => setTimeout(r, 60));
  const to = performance.now();
  watch.stop();
  expect(watch.longestBetween(from, to)).toBeGreaterThanOrEqual(300);
  expect(watch.longestBetween(to + 1000, to + 2000)).toBe(0);
});
