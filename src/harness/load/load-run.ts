/**
 * A load run (docs/load.md): open the slots (every device registered once), drive flows at the
 * offered rate (open-loop.ts), judge each one with its case's own checks (flow-run.ts), sample
 * the timeline and the process's memory every second, and close the slots (every binding
 * removed) whatever happened, Ctrl-C included. Holds only counts, histograms and the first
 * failing flows' lines: a failing flow's evidence goes to `onFailure` at once and is not kept.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { TestCase } from '../test-case';
import type { HarnessTarget, TargetUser } from '../target';
import { variantLabel, type CaseVariant } from '../types';
import { LatencyRecorder, type KeyTransaction, type LatencyFigures } from './latency';
import { LoadSlot } from './slot';
import { runFlow, type FlowResult } from './flow-run';
import { runOpenLoop, type OpenLoopCounts } from './open-loop';
import { MAX_FAILURE_LINES, SUMMARY_KIND, emptyVerdicts, type LoadSummary, type MemorySample, type TimelinePoint } from './summary';
import { assignUsers } from './user-slices';
import { StallWatch } from './stall-watch';

export interface LoadPlan {
  flow: string;
  /** The cases a flow runs, in turn (flow n runs cases[n % length]); all of one device shape. */
  cases: TestCase[];
  variant: CaseVariant;
  target: HarnessTarget;
  rate: number;
  durationS: number;
  rampS: number;
  maxConcurrent: number;
  /** Users across the slots (each slot takes `variant.devices.length`). */
  users: number;
  /** Judge one flow in K (1: every flow). */
  judgeEvery: number;
  /** Failing flows whose evidence goes to onFailure (the rest are counted and listed). */
  keepEvidence: number;
  shard?: { index: number; total: number };
  /** Stops new arrivals (first Ctrl-C); flows in flight end as they would. */
  stopArrivals: AbortSignal;
  /** Interrupts flows in flight (second Ctrl-C): they end inconclusive and still settle. */
  abortFlows: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  onFailure?: (r: FlowResult) => void;
  /** Every latency sample (µs) as recorded. */
  onSample?: (kind: KeyTransaction, us: number) => void;
  /** Each timeline point as the second it covers ends (the samples since the last one are its). */
  onTimeline?: (p: TimelinePoint) => void;
}

export interface LoadProgress {
  atS: number;
  counts: OpenLoopCounts;
  inFlight: number;
  verdicts: LoadSummary['verdicts'];
  latency: Record<KeyTransaction, LatencyFigures>;
  phase: 'registering' | 'running' | 'draining' | 'unregistering';
}

const MB = 1024 * 1024;
const memory = (atS: number): MemorySample => {
  // With node --expose-gc the figure is what the run retains, not where the collector happens to be.
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const mb = (n: number) => Math.round((n / MB) * 10) / 10;
  return { atS, rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), externalMB: mb(m.external) };
};

/** Open `n` slots, at most `parallel` registering at once (the registration burst is bounded too). */
async function openSlots(plan: LoadPlan, userSets: Array<TargetUser[] | undefined>, recorder: LatencyRecorder, parallel = 16): Promise<{ slots: LoadSlot[]; problems: string[] }> {
  const slots: LoadSlot[] = [];
  const problems: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(parallel, userSets.length) }, async () => {
    // A SUT that refused or ignored every device so far (none opened) will not take the rest: a dead
    // SUT ends the run within one response timeout, not one per batch of slots.
    while (next < userSets.length && !plan.stopArrivals.aborted && !(problems.length > 0 && slots.length === 0)) {
      const i = next++;
      const id = `S${i + 1}`;
      try {
        slots.push(await LoadSlot.open(id, plan.target, plan.variant, userSets[i], (e) => recorder.observe(e, id)));
      } catch (err) {
        if (problems.length < MAX_FAILURE_LINES) problems.push(`slot ${id} not opened: ${(err as Error).message}`);
      }
    }
  }));
  return { slots, problems };
}

function latencyOf(recorder: LatencyRecorder): LoadSummary['latency'] {
  const figures = recorder.snapshot();
  const encoded = recorder.encoded();
  return Object.fromEntries([...recorder.total.keys()].map((k) => [k, { ...figures[k], histogram: encoded[k] }])) as LoadSummary['latency'];
}

export async function runLoad(plan: LoadPlan): Promise<LoadSummary> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const recorder = new LatencyRecorder((owner) => !owner.startsWith('Core'), 100_000, plan.onSample);
  const slotCount = Math.max(1, Math.min(plan.maxConcurrent, Math.floor(plan.users / plan.variant.devices.length)));
  const userSets = assignUsers(plan.target, plan.variant, slotCount, plan.shard);
  const counts: OpenLoopCounts = { due: 0, started: 0, shed: 0, done: 0 };
  const verdicts = emptyVerdicts();
  const byRequirement: LoadSummary['byRequirement'] = {};
  const failures: LoadSummary['failures'] = [];
  const timeline: TimelinePoint[] = [];
  const memorySamples: MemorySample[] = [];
  let kept = 0;
  let phase: LoadProgress['phase'] = 'registering';
  let loopStart = performance.now();
  let last = { started: 0, done: 0, shed: 0 };
  const atS = () => Math.round((performance.now() - loopStart) / 100) / 10;
  // Percentiles are read only for a listener (a TTY): reading them costs CPU the flows need.
  const progress = () => { if (plan.onProgress) plan.onProgress({ atS: atS(), counts, inFlight: counts.started - counts.done, verdicts, latency: recorder.snapshot(), phase }); };
  // One sample a second: the timeline point of the second just ended, memory every 10 s.
  const sampler = setInterval(() => {
    if (phase !== 'running' && phase !== 'draining') return progress();
    const s = Math.round((performance.now() - loopStart) / 1000);
    const point: TimelinePoint = { atS: s, started: counts.started - last.started, done: counts.done - last.done, shed: counts.shed - last.shed, inFlight: counts.started - counts.done, ...recorder.takeInterval() };
    timeline.push(point);
    plan.onTimeline?.(point);
    last = { started: counts.started, done: counts.done, shed: counts.shed };
    if (s % 10 === 0) memorySamples.push(memory(s));
    if (timeline.length > 4 * 3600) timeline.shift();
    progress();
  }, 1000);
  const { slots, problems } = await openSlots(plan, userSets, recorder);
  // The generator's own delay: a saturated event loop delays every timer and every datagram it reads.
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  // A stall a tenth of the response timeout long (at least 250 ms) may make a wait of a flow time out.
  const stalls = new StallWatch(Math.max(250, plan.target.ixit.responseTimeoutMs / 10));
  stalls.start();
  let stalledFlows = 0;
  const free = [...slots];
  let loopStartWall = Date.now();
  const onDone = (r: FlowResult) => {
    // An unjudged flow that went through is `unjudged`; one that did not (an error response, a timeout) counts as any failure.
    if (!r.judged && (r.verdict === 'pass' || r.verdict === 'non-strict')) {
      verdicts.unjudged++;
      return;
    }
    verdicts[r.verdict]++;
    for (const [req, v] of Object.entries(r.requirementVerdicts)) {
      const c = (byRequirement[req] ??= {});
      c[v] = (c[v] ?? 0) + 1;
    }
    if (r.verdict === 'pass' || r.verdict === 'non-strict') return;
    if (failures.length < MAX_FAILURE_LINES) {
      failures.push({ key: r.key, verdict: r.verdict, requirement: r.reason?.requirement, step: r.reason?.step, message: r.reason?.message ?? '', atS: Math.round((r.startedAt - loopStartWall) / 100) / 10 });
    }
    if (r.evidence) plan.onFailure?.(r);
  };
  phase = 'running';
  loopStart = performance.now();
  loopStartWall = Date.now();
  // CPU of the flows alone (start-up, registration and removal excluded): what a bench compares.
  const cpuAtStart = process.cpuUsage();
  let flowCpuS = 0;
  let bindingsRemoved = 0;
  const capMs = Math.max(10_000, 12 * plan.target.ixit.responseTimeoutMs);
  try {
    if (slots.length > 0) {
      await runOpenLoop(
        { rate: plan.rate, durationMs: plan.durationS * 1000, rampMs: plan.rampS * 1000 },
        { take: () => free.pop(), give: (s) => free.push(s) },
        async (slot, index) => {
          const testCase = plan.cases[index % plan.cases.length];
          const judged = index % plan.judgeEvery === 0;
          // A place among the kept failures is reserved at the start (flows end in any order) and given back on a pass.
          const reserve = judged && kept < plan.keepEvidence;
          if (reserve) kept++;
          const r = await runFlow(slot, testCase, plan.variant, plan.target, { keepEvidence: reserve, signal: plan.abortFlows, capMs, stalls, judge: judged });
          if (r.stalledMs > 0) stalledFlows++;
          recorder.forget(slot.id);
          if (reserve && !r.evidence) kept--;
          onDone(r);
        },
        counts, plan.stopArrivals,
      );
    }
  } finally {
    const cpu = process.cpuUsage(cpuAtStart);
    flowCpuS = Math.round((cpu.user + cpu.system) / 1e4) / 100;
    phase = 'unregistering';
    memorySamples.push(memory(Math.round((performance.now() - loopStart) / 1000)));
    progress();
    await Promise.all(slots.map(async (s) => {
      const c = await s.close(plan.target.ixit.responseTimeoutMs);
      bindingsRemoved += c.removed;
      for (const p of c.problems) if (problems.length < MAX_FAILURE_LINES) problems.push(`slot ${s.id}: ${p}`);
    }));
    clearInterval(sampler);
    loop.disable();
    stalls.stop();
  }
  const durationS = plan.durationS;
  return {
    kind: SUMMARY_KIND, version: 1, flow: plan.flow, cases: plan.cases.map((c) => c.id), target: plan.target.name, variant: variantLabel(plan.variant),
    offered: { rate: plan.rate, durationS, rampS: plan.rampS, maxConcurrent: plan.maxConcurrent, users: slotCount * plan.variant.devices.length, devices: plan.variant.devices, judgeEvery: plan.judgeEvery },
    ...(plan.shard ? { shard: `${plan.shard.index}/${plan.shard.total}` } : {}),
    shards: 1, startedAt, wallS: Math.round((Date.now() - started) / 100) / 10,
    interrupted: plan.stopArrivals.aborted,
    arrivals: { ...counts }, achievedRate: counts.started / durationS,
    verdicts, byRequirement, failures,
    latency: latencyOf(recorder),
    timeline, memory: memorySamples,
    generator: { loopDelayP99Ms: Math.round(loop.percentile(99) / 1e5) / 10, loopDelayMaxMs: Math.round(loop.max / 1e5) / 10, stalledFlows, flowCpuS },
    setup: { slots: slots.length, devicesRegistered: slots.reduce((n, s) => n + s.devices.length, 0), bindingsRemoved, problems },
  };
}
