import { AdaptiveLimit, timerLag, type LagSource } from '../../../src/harness/adaptive-limit';

/** A lag source the test drives by hand: `window(ms)` reports one window. */
function manualLag(): { source: LagSource; window: (ms: number) => void; active: () => boolean } {
  let report: ((ms: number) => void) | undefined;
  return {
    source: (onWindow) => {
      report = onWindow;
      return () => {
        report = undefined;
      };
    },
    window: (ms) => report?.(ms),
    active: () => report !== undefined,
  };
}

/** A job that runs until released, counting how many run at once. */
function jobs(n: number) {
  let running = 0;
  let peak = 0;
  const releases: Array<() => void> = [];
  const started: number[] = [];
  const make = (i: number) => () => new Promise<number>((resolve) => {
    running++;
    peak = Math.max(peak, running);
    started.push(i);
    releases.push(() => {
      running--;
      resolve(i);
    });
  });
  return { list: Array.from({ length: n }, (_, i) => make(i)), releases, started, peak: () => peak, running: () => running };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('AdaptiveLimit (issue 14: the run backs off when its timers run late)', () => {
  it('starts at max, in order, and never runs more than the limit', async () => {
    const lag = manualLag();
    const gate = new AdaptiveLimit({ max: 3, min: 1, lag: lag.source });
    const j = jobs(5);
    const results = j.list.map((job) => gate.run(job));
    await settle();
    expect(j.started).toEqual([0, 1, 2]);
    j.releases.shift()!();
    await settle();
    expect(j.started).toEqual([0, 1, 2, 3]);
    for (let k = 0; k < 4; k++) {
      j.releases.shift()!();
      await settle();
    }
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4]);
    expect(j.peak()).toBe(3);
  });

  it('halves on a late window down to min, and grows by one per calm window while variants wait', async () => {
    const lag = manualLag();
    const gate = new AdaptiveLimit({ max: 8, min: 2, lag: lag.source, highLagMs: 150, lowLagMs: 60 });
    const j = jobs(20);
    j.list.forEach((job) => void gate.run(job));
    await settle();
    expect(j.running()).toBe(8);
    lag.window(400);
    expect(gate.limit).toBe(4);
    lag.window(400);
    lag.window(400);
    expect(gate.limit).toBe(2);
    expect(gate.lowestLimit).toBe(2);
    // Running variants are never stopped: the limit gates starts only.
    expect(j.running()).toBe(8);
    for (let k = 0; k < 7; k++) j.releases.shift()!();
    await settle();
    expect(j.running()).toBe(2);
    // Between the thresholds nothing changes; calm windows add one each.
    lag.window(100);
    expect(gate.limit).toBe(2);
    lag.window(10);
    lag.window(10);
    await settle();
    expect(gate.limit).toBe(4);
    expect(j.running()).toBe(4);
  });

  it('does not grow with nothing waiting, never beyond max, and measures only while busy', async () => {
    const lag = manualLag();
    const gate = new AdaptiveLimit({ max: 4, min: 1, lag: lag.source });
    expect(lag.active()).toBe(false);
    const j = jobs(2);
    const all = j.list.map((job) => gate.run(job));
    await settle();
    expect(lag.active()).toBe(true);
    lag.window(0);
    expect(gate.limit).toBe(4);
    j.releases.splice(0).forEach((r) => r());
    await Promise.all(all);
    await settle();
    expect(lag.active()).toBe(false);
  });

  it('rejects a min above max', () => {
    expect(() => new AdaptiveLimit({ max: 2, min: 3 })).toThrow(/min ≤ max/);
  });

  it('timerLag reports a blocked loop as a late window', async () => {
    const windows: number[] = [];
    const stop = timerLag((ms) => windows.push(ms));
    await new Promise((r) => setTimeout(r, 60));
    const until = Date.now() + 300;
    while (Date.now() < until) { /* block the loop, as a busy machine would */ }
    await new Promise((r) => setTimeout(r, 400));
    stop();
    expect(Math.max(...windows)).toBeGreaterThan(200);
  });
});
