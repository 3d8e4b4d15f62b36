/**
 * The JSON summary of a load run (docs/load.md), and the exact merge of the summaries of n shards
 * (`load --shard i/n`, `report --merge`): counts add, latency histograms are decoded from their
 * encoded form, added and re-encoded (HdrHistogram addition is exact: the merged percentiles are
 * those of one histogram over every shard's samples), never averaged.
 */
import { KEY_TRANSACTIONS, decodeHistogram, encodeHistogram, figures, newHistogram, type KeyTransaction, type LatencyFigures } from './latency';
import type * as hdr from 'hdr-histogram-js';
import type { Verdict } from '../verdict';

export const SUMMARY_KIND = 'cpm-conformance/load-summary';
export const SUMMARY_FILE = 'load-summary.json';
/** Failing flows listed in a summary (the rest are counted by requirement). */
export const MAX_FAILURE_LINES = 50;

export type VerdictCounts = Record<Verdict | 'unjudged', number>;

export interface FailureLine {
  key: string;
  verdict: Verdict;
  requirement?: string;
  step?: string;
  message: string;
  /** Seconds into the run the flow started. */
  atS: number;
  shard?: string;
}

export interface TimelinePoint {
  /** Second of the run (end of the interval). */
  atS: number;
  started: number;
  done: number;
  shed: number;
  inFlight: number;
  /** Percentiles of the key transactions answered in this second. */
  latency?: Record<KeyTransaction, LatencyFigures>;
  /**
   * This second's histograms, encoded (the kinds with samples only): a merge adds the shards' ones
   * of the same second, so the merged per-second percentiles are exact too (docs/load.md).
   */
  histograms?: Partial<Record<KeyTransaction, string>>;
}

export interface MemorySample {
  atS: number;
  rssMB: number;
  heapUsedMB: number;
  /** Memory of Buffers and other objects outside the JS heap (the datagrams' octets). */
  externalMB?: number;
}

export interface LoadSummary {
  kind: typeof SUMMARY_KIND;
  version: 1;
  flow: string;
  cases: string[];
  target: string;
  variant: string;
  offered: { rate: number; durationS: number; rampS: number; maxConcurrent: number; users: number; devices: number[]; judgeEvery: number };
  shard?: string;
  /** Number of summaries merged into this one (1 for a single run). */
  shards: number;
  startedAt: string;
  wallS: number;
  interrupted: boolean;
  arrivals: { due: number; started: number; shed: number; done: number };
  /** Flows started per second of the schedule's duration. */
  achievedRate: number;
  verdicts: VerdictCounts;
  byRequirement: Record<string, Partial<Record<Verdict, number>>>;
  failures: FailureLine[];
  latency: Record<KeyTransaction, LatencyFigures & { histogram: string }>;
  timeline: TimelinePoint[];
  memory: MemorySample[];
  setup: { slots: number; devicesRegistered: number; bindingsRemoved: number; problems: string[] };
  /** The generator's event-loop delay over the run: a saturated generator delays the flows itself. */
  generator?: { loopDelayP99Ms: number; loopDelayMaxMs: number; stalledFlows?: number; /** CPU seconds while the flows ran (start-up and registration excluded). */ flowCpuS?: number };
}

/** Past this p99 event-loop delay the generator, not the SUT, may be why flows were late. */
export const SATURATED_LOOP_MS = 100;

export function emptyVerdicts(): VerdictCounts {
  return { pass: 0, 'non-strict': 0, inconclusive: 0, fail: 0, error: 0, 'n/a': 0, unjudged: 0 };
}

export class SummaryError extends Error {}

/** A summary read from JSON, checked enough that a merge never works on something else. */
export function parseSummary(text: string, source: string): LoadSummary {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new SummaryError(`${source}: not JSON (${(e as Error).message})`);
  }
  const s = v as Partial<LoadSummary>;
  if (!s || typeof s !== 'object' || s.kind !== SUMMARY_KIND || s.version !== 1) throw new SummaryError(`${source}: not a load summary (kind ${SUMMARY_KIND}, version 1)`);
  for (const k of KEY_TRANSACTIONS) {
    if (typeof s.latency?.[k]?.histogram !== 'string') throw new SummaryError(`${source}: latency.${k}.histogram is missing`);
  }
  return s as LoadSummary;
}

function addCounts<K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): void {
  for (const [k, n] of Object.entries(from) as Array<[K, number]>) into[k] = (into[k] ?? 0) + n;
}

/**
 * The shards' timelines second by second: counts add, and each second's histograms are decoded,
 * added and re-encoded like the run's, so its percentiles are those of one histogram over every
 * shard's samples of that second. A second some shard recorded without its histograms (a summary
 * of an earlier version) has no percentiles rather than wrong ones.
 */
function mergeTimelines(parts: LoadSummary[]): TimelinePoint[] {
  const seconds = new Map<number, { point: TimelinePoint; sums: Map<KeyTransaction, hdr.Histogram>; exact: boolean }>();
  for (const p of parts) {
    for (const t of p.timeline) {
      let m = seconds.get(t.atS);
      if (!m) seconds.set(t.atS, (m = { point: { atS: t.atS, started: 0, done: 0, shed: 0, inFlight: 0 }, sums: new Map(), exact: true }));
      m.point.started += t.started;
      m.point.done += t.done;
      m.point.shed += t.shed;
      m.point.inFlight += t.inFlight;
      if (!t.histograms) {
        m.exact = m.exact && !KEY_TRANSACTIONS.some((k) => (t.latency?.[k]?.count ?? 0) > 0);
        continue;
      }
      for (const [k, enc] of Object.entries(t.histograms) as Array<[KeyTransaction, string]>) {
        let h = m.sums.get(k);
        if (!h) m.sums.set(k, (h = newHistogram()));
        h.add(decodeHistogram(enc));
      }
    }
  }
  return [...seconds.values()].sort((a, b) => a.point.atS - b.point.atS).map(({ point, sums, exact }) => {
    if (!exact) return point;
    const latency = {} as Record<KeyTransaction, LatencyFigures>;
    const histograms: Partial<Record<KeyTransaction, string>> = {};
    for (const k of KEY_TRANSACTIONS) {
      const h = sums.get(k);
      latency[k] = h ? figures(h) : { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };
      if (h) histograms[k] = encodeHistogram(h);
    }
    return { ...point, latency, histograms };
  });
}

/** The summaries of the shards of one load run, combined exactly. */
export function mergeSummaries(parts: LoadSummary[]): LoadSummary {
  if (parts.length === 0) throw new SummaryError('nothing to merge');
  const flows = new Set(parts.map((p) => p.flow));
  if (flows.size > 1) throw new SummaryError(`the summaries are of different flows (${[...flows].join(', ')}): merge the shards of one load run`);
  const first = parts[0];
  const verdicts = emptyVerdicts();
  const arrivals = { due: 0, started: 0, shed: 0, done: 0 };
  const byRequirement: LoadSummary['byRequirement'] = {};
  for (const p of parts) {
    addCounts(verdicts, p.verdicts);
    addCounts(arrivals, p.arrivals);
    for (const [r, c] of Object.entries(p.byRequirement)) addCounts((byRequirement[r] ??= {}), c);
  }
  const latency = {} as LoadSummary['latency'];
  for (const k of KEY_TRANSACTIONS) {
    const h = newHistogram();
    for (const p of parts) h.add(decodeHistogram(p.latency[k].histogram));
    latency[k] = { ...figures(h), histogram: encodeHistogram(h) };
  }
  const timeline = mergeTimelines(parts);
  const durationS = Math.max(...parts.map((p) => p.offered.durationS));
  return {
    ...first,
    shard: undefined,
    shards: parts.reduce((n, p) => n + p.shards, 0),
    cases: [...new Set(parts.flatMap((p) => p.cases))],
    offered: { ...first.offered, rate: parts.reduce((n, p) => n + p.offered.rate, 0), users: parts.reduce((n, p) => n + p.offered.users, 0), maxConcurrent: parts.reduce((n, p) => n + p.offered.maxConcurrent, 0), durationS },
    startedAt: parts.map((p) => p.startedAt).sort()[0],
    wallS: Math.max(...parts.map((p) => p.wallS)),
    interrupted: parts.some((p) => p.interrupted),
    arrivals,
    achievedRate: durationS > 0 ? arrivals.started / durationS : 0,
    verdicts,
    byRequirement,
    failures: parts.flatMap((p) => p.failures.map((f) => ({ ...f, shard: f.shard ?? p.shard }))).sort((a, b) => a.atS - b.atS).slice(0, MAX_FAILURE_LINES),
    latency,
    timeline,
    memory: parts.length === 1 ? first.memory : [],
    generator: {
      loopDelayP99Ms: Math.max(...parts.map((p) => p.generator?.loopDelayP99Ms ?? 0)), loopDelayMaxMs: Math.max(...parts.map((p) => p.generator?.loopDelayMaxMs ?? 0)),
      stalledFlows: parts.reduce((n, p) => n + (p.generator?.stalledFlows ?? 0), 0),
      flowCpuS: parts.reduce((n, p) => n + (p.generator?.flowCpuS ?? 0), 0),
    },
    setup: {
      slots: parts.reduce((n, p) => n + p.setup.slots, 0),
      devicesRegistered: parts.reduce((n, p) => n + p.setup.devicesRegistered, 0),
      bindingsRemoved: parts.reduce((n, p) => n + p.setup.bindingsRemoved, 0),
      problems: parts.flatMap((p) => p.setup.problems).slice(0, MAX_FAILURE_LINES),
    },
  };
}

/** Exit code of a load run (docs/architecture.md, Verdicts): 1 any fail, 3 only inconclusive/error, 0 clean. */
export function loadExitCode(s: LoadSummary): number {
  if (s.verdicts.fail > 0) return 1;
  if (s.verdicts.inconclusive + s.verdicts.error > 0 || s.setup.problems.length > 0) return 3;
  return 0;
}

/** The summary in a few lines for the console. */
export function formatSummary(s: LoadSummary): string {
  const v = s.verdicts;
  const lines = [
    `load ${s.flow} (${s.cases.join(', ')}; ${s.variant}) against ${s.target}${s.shards > 1 ? ` — ${s.shards} shards merged` : s.shard ? ` — shard ${s.shard}` : ''}${s.interrupted ? ' — INTERRUPTED' : ''}`,
    `offered ${s.offered.rate}/s for ${s.offered.durationS} s (ramp ${s.offered.rampS} s), at most ${s.offered.maxConcurrent} in flight: ${s.arrivals.due} due, ${s.arrivals.started} started (${s.achievedRate.toFixed(1)}/s), ${s.arrivals.shed} shed, ${s.arrivals.done} done`,
    `verdicts: ${v.pass} pass, ${v['non-strict']} non-strict, ${v.fail} fail, ${v.inconclusive} inconclusive, ${v.error} error${v.unjudged ? `, ${v.unjudged} not judged (--judge-every)` : ''}`,
    ...KEY_TRANSACTIONS.map((k) => {
      const l = s.latency[k];
      return `  ${k.padEnd(11)} n=${l.count}${l.count ? `  p50 ${l.p50} ms  p95 ${l.p95} ms  p99 ${l.p99} ms  max ${l.max} ms` : ''}`;
    }),
  ];
  const failing = Object.entries(s.byRequirement).filter(([, c]) => (c.fail ?? 0) + (c.inconclusive ?? 0) + (c.error ?? 0) > 0);
  if (failing.length) lines.push(`requirements not met: ${failing.map(([r, c]) => `${r} (${c.fail ?? 0} fail${c.inconclusive ? `, ${c.inconclusive} inconclusive` : ''})`).join(', ')}`);
  for (const f of s.failures.slice(0, 5)) lines.push(`  ${f.verdict.toUpperCase()} ${f.key} at ${f.atS.toFixed(1)} s${f.requirement ? ` ${f.requirement}` : ''}${f.step ? ` step ${f.step}` : ''}: ${f.message.slice(0, 300)}`);
  if (s.memory.length) lines.push(`memory: ${s.memory.map((m) => `${m.atS} s rss ${m.rssMB} MB heap ${m.heapUsedMB} MB${m.externalMB !== undefined ? ` external ${m.externalMB} MB` : ''}`).join('; ')}`);
  if (s.generator) {
    const hot = s.generator.loopDelayP99Ms > SATURATED_LOOP_MS;
    const stalled = s.generator.stalledFlows ? `; ${s.generator.stalledFlows} flow(s) that did not pass while it stalled counted inconclusive, not against the SUT` : '';
    const perFlow = s.generator.flowCpuS !== undefined && s.arrivals.started > 0 ? ` (${((s.generator.flowCpuS / s.arrivals.started) * 1000).toFixed(2)} ms a flow)` : '';
    lines.push(`generator: CPU ${s.generator.flowCpuS ?? '?'} s while the flows ran${perFlow}; event-loop delay: p99 ${s.generator.loopDelayP99Ms} ms, max ${s.generator.loopDelayMaxMs} ms${stalled}${hot ? ' — the generator itself was saturated: latencies and timeouts at this rate include its own delay; lower --rate or add --shard generators' : ''}`);
  }
  lines.push(`setup: ${s.setup.slots} slot(s), ${s.setup.devicesRegistered} device(s) registered once, ${s.setup.bindingsRemoved} binding(s) removed at the end${s.setup.problems.length ? `; problems: ${s.setup.problems.slice(0, 3).join('; ')}` : ''}`);
  return lines.join('\n');
}
