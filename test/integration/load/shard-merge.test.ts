/**
 * `load --shard i/n` and `report --merge` of load summaries (issue 19, docs/load.md, Beyond one
 * machine): two shards load one SUT at once, each with its own slice of the configured users and
 * half the rate; their summaries, merged from JSON, give totals that are the sums and percentiles
 * that are those of one histogram holding every sample both shards recorded (kept raw here beside
 * the histograms, so the comparison is not the merge checking itself).
 */
import * as hdr from 'hdr-histogram-js';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { REFERENCE_IXIT, referenceTarget } from '../../../bin/targets';
import { runLoad } from '../../../src/harness/load/load-run';
import { KEY_TRANSACTIONS, encodeHistogram, figures, newHistogram, type KeyTransaction } from '../../../src/harness/load/latency';
import { emptyVerdicts, mergeSummaries, parseSummary, type LoadSummary } from '../../../src/harness/load/summary';
import { shardUsers } from '../../../src/harness/load/user-slices';
import { FLOWS, flowCases } from '../../../bin/load/flows';
import type { HarnessTarget } from '../../../src/harness/target';

jest.setTimeout(60_000);

let server: ReferenceServer;
beforeAll(async () => {
  server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode: 'proxy', timers: REFERENCE_IXIT.timers, traceRetain: 2000 });
});
afterAll(async () => { await server?.stop(); });

test('two shards on one SUT: disjoint users, merged totals = sums, merged percentiles = one histogram over both shards\' samples', async () => {
  const users = Array.from({ length: 16 }, (_, i) => ({ aor: `sip:shard${i}@cpm.example.com`, username: `shard${i}`, devices: 1 }));
  const target: HarnessTarget = { ...referenceTarget(server), isReference: false, users };
  const raw = new Map<KeyTransaction, hdr.Histogram>(KEY_TRANSACTIONS.map((k) => [k, newHistogram()]));
  // Each second's raw samples of both shards: a shard's samples since its last timeline point are that point's.
  const rawPerSecond = new Map<number, Map<KeyTransaction, hdr.Histogram>>();
  const slices = [1, 2].map((index) => shardUsers(users, { index, total: 2 }).map((u) => u.aor));
  expect(slices[0].filter((a) => slices[1].includes(a))).toEqual([]);
  const run = (index: number) => {
    let current: Array<[KeyTransaction, number]> = [];
    return runLoad({
    flow: 'leave', cases: flowCases(FLOWS.leave), variant: { transport: 'udp', topology: 'direct', devices: [1, 1] }, target,
    rate: 5, durationS: 2, rampS: 0, maxConcurrent: 4, users: 8, judgeEvery: 1, keepEvidence: 0, shard: { index, total: 2 },
    stopArrivals: new AbortController().signal, abortFlows: new AbortController().signal,
    onSample: (k, us) => {
      raw.get(k)!.recordValue(us);
      current.push([k, us]);
    },
    onTimeline: (t) => {
      let second = rawPerSecond.get(t.atS);
      if (!second) rawPerSecond.set(t.atS, (second = new Map(KEY_TRANSACTIONS.map((k) => [k, newHistogram()]))));
      for (const [k, us] of current) second.get(k)!.recordValue(us);
      current = [];
    },
    });
  };
  const parts = await Promise.all([run(1), run(2)]);
  // Through JSON, as `report --merge` reads them from the shards' results directories.
  const merged = mergeSummaries(parts.map((p, i) => parseSummary(JSON.stringify(p), `shard ${i + 1}`)));
  const sum = (f: (s: LoadSummary) => number) => parts.reduce((n, p) => n + f(p), 0);
  expect(merged.shards).toBe(2);
  expect(merged.arrivals.started).toBe(sum((p) => p.arrivals.started));
  // 5/s for 2 s per shard; an arrival may be shed on a busy machine (4 slots each), never lost from the count.
  expect(merged.arrivals.due).toBe(20);
  expect(merged.arrivals.started + merged.arrivals.shed).toBe(20);
  expect(merged.arrivals.shed).toBe(sum((p) => p.arrivals.shed));
  expect(merged.verdicts.pass).toBe(sum((p) => p.verdicts.pass));
  expect(merged.verdicts.pass).toBe(merged.arrivals.started);
  expect(merged.offered.rate).toBe(10);
  for (const k of KEY_TRANSACTIONS) {
    const one = raw.get(k)!;
    expect(merged.latency[k].count).toBe(sum((p) => p.latency[k].count));
    expect(merged.latency[k].count).toBe(one.totalCount);
    if (one.totalCount === 0) continue;
    const ms = (q: number) => Math.round(one.getValueAtPercentile(q)) / 1000;
    expect([merged.latency[k].p50, merged.latency[k].p95, merged.latency[k].p99]).toEqual([ms(50), ms(95), ms(99)]);
    // The encoded form keeps the max as its bucket's value: equal to 3 significant digits (the histogram's precision).
    expect(Math.abs(merged.latency[k].max - one.maxValue / 1000)).toBeLessThanOrEqual((one.maxValue / 1000) * 0.001 + 0.001);
  }
  expect(merged.latency['INVITE→200'].count).toBe(merged.arrivals.started);
  // Second by second too: each merged point's percentiles are those of one histogram over both shards' samples of that second.
  let secondsWithSamples = 0;
  for (const t of merged.timeline) {
    const second = rawPerSecond.get(t.atS);
    for (const k of KEY_TRANSACTIONS) {
      const one = second?.get(k);
      const l = t.latency?.[k];
      expect(l?.count ?? 0).toBe(one?.totalCount ?? 0);
      if (!one || one.totalCount === 0) continue;
      secondsWithSamples++;
      const ms = (q: number) => Math.round(one.getValueAtPercentile(q)) / 1000;
      expect([l?.p50, l?.p95, l?.p99]).toEqual([ms(50), ms(95), ms(99)]);
    }
  }
  expect(merged.timeline.reduce((n, t) => n + (t.latency?.['INVITE→200'].count ?? 0), 0)).toBe(rawPerSecond.size ? [...rawPerSecond.values()].reduce((n, m) => n + (m.get('INVITE→200')?.totalCount ?? 0), 0) : -1);
  expect(secondsWithSamples).toBeGreaterThan(0);
});

test('a second only one shard sampled, and a shard summary without per-second histograms (older version)', () => {
  const h = newHistogram();
  for (const us of [1000, 2000, 3000, 40_000]) h.recordValue(us);
  const zero = { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const lat = (n: number) => ({ 'INVITE→200': n ? figures(h) : zero, 'CANCEL→487': zero, 'BYE→200': zero });
  const base = (timeline: LoadSummary['timeline']): LoadSummary => ({
    kind: 'cpm-conformance/load-summary', version: 1, flow: 'leave', cases: [], target: 't', variant: 'v',
    offered: { rate: 1, durationS: 1, rampS: 0, maxConcurrent: 1, users: 2, devices: [1, 1], judgeEvery: 1 }, shards: 1, startedAt: '', wallS: 1, interrupted: false,
    arrivals: { due: 0, started: 0, shed: 0, done: 0 }, achievedRate: 0, verdicts: emptyVerdicts(), byRequirement: {}, failures: [],
    latency: Object.fromEntries(KEY_TRANSACTIONS.map((k) => [k, { ...zero, histogram: encodeHistogram(newHistogram()) }])) as LoadSummary['latency'],
    timeline, memory: [], setup: { slots: 1, devicesRegistered: 2, bindingsRemoved: 2, problems: [] },
  });
  const withHist = base([{ atS: 1, started: 1, done: 1, shed: 0, inFlight: 0, latency: lat(4), histograms: { 'INVITE→200': encodeHistogram(h) } }]);
  const idle = base([{ atS: 1, started: 0, done: 0, shed: 0, inFlight: 0, latency: lat(0), histograms: {} }]);
  const { count, p50, p95, p99 } = figures(h);
  // The max is kept as its bucket's value by the encoding: the percentiles and the count exactly.
  expect(mergeSummaries([withHist, idle]).timeline[0].latency?.['INVITE→200']).toMatchObject({ count, p50, p95, p99 });
  // An older shard's second with samples but no histograms: no percentiles, rather than some shards' only.
  const old = base([{ atS: 1, started: 1, done: 1, shed: 0, inFlight: 0, latency: lat(4) }]);
  const m = mergeSummaries([withHist, old]).timeline[0];
  expect(m.latency).toBeUndefined();
  expect(m.started).toBe(2);
});

test('summaries of different flows do not merge, and a file that is no summary is named', () => {
  expect(() => parseSummary('{"kind":"other"}', 'x/load-summary.json')).toThrow(/x\/load-summary.json: not a load summary/);
  expect(() => parseSummary('{', 'y.json')).toThrow(/y.json: not JSON/);
});
