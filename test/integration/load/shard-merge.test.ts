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
import { KEY_TRANSACTIONS, newHistogram, type KeyTransaction } from '../../../src/harness/load/latency';
import { mergeSummaries, parseSummary, type LoadSummary } from '../../../src/harness/load/summary';
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
  const slices = [1, 2].map((index) => shardUsers(users, { index, total: 2 }).map((u) => u.aor));
  expect(slices[0].filter((a) => slices[1].includes(a))).toEqual([]);
  const run = (index: number) => runLoad({
    flow: 'leave', cases: flowCases(FLOWS.leave), variant: { transport: 'udp', topology: 'direct', devices: [1, 1] }, target,
    rate: 5, durationS: 2, rampS: 0, maxConcurrent: 4, users: 8, judgeEvery: 1, keepEvidence: 0, shard: { index, total: 2 },
    stopArrivals: new AbortController().signal, abortFlows: new AbortController().signal,
    onSample: (k, us) => raw.get(k)!.recordValue(us),
  });
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
});

test('summaries of different flows do not merge, and a file that is no summary is named', () => {
  expect(() => parseSummary('{"kind":"other"}', 'x/load-summary.json')).toThrow(/x\/load-summary.json: not a load summary/);
  expect(() => parseSummary('{', 'y.json')).toThrow(/y.json: not JSON/);
});
