/**
 * One flow of a load run: a case's own body (the suites' requirement checks, unchanged) on a load
 * slot's registered devices, judged as src/harness/runner.ts judges a case — first failing check
 * is the root cause, fail on unexpected, worst verdict wins — then the slot settles for the next
 * flow. Only a flow that did not pass keeps its evidence (findings, steps, trace), and only when
 * the caller asks (`keepEvidence`): the load run keeps the first few, so memory stays bounded.
 */
import type { TraceEntry } from '../../sip/transport/tap';
import { header, startLine } from '../../sip/message';
import { CaseStop, type Finding } from '../finding';
import { TestContext, type StepRecord } from '../context';
import { caseKey, type CaseVariant, type TestCase } from '../test-case';
import type { HarnessTarget } from '../target';
import { worst, type Verdict } from '../verdict';
import type { LoadSlot } from './slot';
import type { StallWatch } from './stall-watch';

export interface FlowResult {
  key: string;
  caseId: string;
  verdict: Verdict;
  /** The root cause of a verdict other than pass. */
  reason?: Finding;
  requirementVerdicts: Record<string, Verdict>;
  startedAt: number;
  durationMs: number;
  slot: string;
  /** The longest stall of the generator during a flow that did not pass (0: none). */
  stalledMs: number;
  /** Evidence of a flow that did not pass, when kept. */
  evidence?: { findings: Finding[]; steps: StepRecord[]; trace: TraceEntry[] };
  /** false: an unjudged flow (`--judge-every`), its verdict counted from its transactions alone. */
  judged: boolean;
}

export interface FlowRunOptions {
  /** Keep findings, steps and trace if the flow does not pass. */
  keepEvidence: boolean;
  /** Ends the flow early (Ctrl-C): inconclusive, and the slot still settles. */
  signal?: AbortSignal;
  /** Hard cap on the flow (a SUT that hangs it). */
  capMs: number;
  /** The generator's stalls: a flow that did not pass while the generator stalled is inconclusive. */
  stalls?: StallWatch;
  /**
   * false (`--judge-every K`, K−1 flows in K): the same traffic, no requirement judged
   * (context.ts JudgingMode); the flow fails only when it could not go on (a message that never
   * came, a timeout) or a device received an error response (transactionFailure).
   */
  judge?: boolean;
}

export async function runFlow(slot: LoadSlot, testCase: TestCase, variant: CaseVariant, target: HarnessTarget, opts: FlowRunOptions): Promise<FlowResult> {
  const startedAt = Date.now();
  const from = performance.now();
  slot.reset();
  const judge = opts.judge !== false;
  // Which fields each passing check compared, and each step's entries, serve only kept evidence.
  const ctx = new TestContext(testCase, variant, target, slot.tap, slot.topology, { judge, recordChecks: judge && opts.keepEvidence });
  const extra: Finding[] = [];
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`flow did not finish within ${opts.capMs} ms`)), opts.capMs);
    onAbort = () => reject(new CaseStop({ verdict: 'inconclusive', message: 'the load run was interrupted (Ctrl-C / SIGTERM) before this flow ended' }));
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([testCase.run(ctx), stop]);
    if (judge) failOnUnexpected(ctx, slot);
  } catch (err) {
    if (err instanceof CaseStop && !ctx.findings.includes(err.finding)) extra.push(err.finding);
    if (!(err instanceof CaseStop)) ctx.recordError(err);
  } finally {
    clearTimeout(timer);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
  }
  // By seq, as the runner does: a trimmed tap holds fewer entries than it numbered.
  const judgedUntil = slot.tap.upcomingSeq;
  if (!judge && extra.length === 0 && ctx.findings.length === 0) {
    const failed = transactionFailure(slot);
    if (failed) extra.push({ verdict: 'fail', message: failed });
  }
  await slot.settle(target.ixit.responseTimeoutMs);
  // The flow's trace index stops here: the slot's tap goes on with the next flow.
  ctx.trace.dispose();
  slot.flows++;
  let findings = [...ctx.findings, ...extra];
  let verdict = worst(findings.map((f) => f.verdict), 'pass');
  let reason = findings.find((f) => f.verdict === verdict && verdict !== 'pass');
  const stalled = reason && verdict !== 'non-strict' ? opts.stalls?.longestBetween(from, performance.now()) ?? 0 : 0;
  if (reason && stalled > 0) {
    // Our own event loop was busy: a timeout or a late message may be ours. Not evidence against the SUT.
    reason = { verdict: 'inconclusive', step: reason.step, message: `the generator itself stalled ${Math.round(stalled)} ms during this flow (its event loop, not the SUT), so its ${reason.verdict}${reason.requirement ? ` of ${reason.requirement}` : ''} is not counted: ${reason.message}` };
    findings = [...findings.map((f) => (f.verdict === 'fail' ? { ...f, verdict: 'inconclusive' as const } : f)), reason];
    verdict = 'inconclusive';
  }
  const requirementVerdicts: Record<string, Verdict> = {};
  if (judge) {
    for (const r of ctx.evaluated) requirementVerdicts[r] = 'pass';
    for (const f of findings) if (f.requirement) requirementVerdicts[f.requirement] = worst([requirementVerdicts[f.requirement] ?? 'pass', f.verdict]);
  }
  if (reason && !judge) reason = { ...reason, message: `not judged (--judge-every): ${reason.message}` };
  const keep = opts.keepEvidence && verdict !== 'pass' && verdict !== 'non-strict';
  return {
    key: caseKey(testCase, variant), caseId: testCase.id, verdict, reason, requirementVerdicts, startedAt, durationMs: Date.now() - startedAt, slot: slot.id, stalledMs: stalled, judged: judge,
    ...(keep ? { evidence: { findings, steps: ctx.steps, trace: slot.tap.entries.filter((e) => e.seq < judgedUntil && !e.dropped) } } : {}),
  };
}

/**
 * What an unjudged flow is still counted on: an error response a device received during the flow
 * (≥ 300; not a digest challenge, 401/407, which the device answers, RFC 3261 §22.2, nor the 487
 * ending an INVITE it cancelled, §9.1). Read from the flow's received responses on the slot's
 * trace, which the recorder already parsed.
 */
export function transactionFailure(slot: { tap: { entries: TraceEntry[] }; devices: Array<{ name: string }> }): string | undefined {
  for (const e of slot.tap.entries) {
    const m = e.direction === 'received' && !e.dropped && e.protocol !== 'msrp' ? e.message : null;
    if (!m || m.kind !== 'response' || m.status < 300 || m.status === 401 || m.status === 407 || m.status === 487) continue;
    if (!slot.devices.some((d) => d.name === e.owner)) continue;
    return `${e.owner} received ${startLine(m)} (${header(m, 'CSeq') ?? 'no CSeq'})`;
  }
  return undefined;
}

/**
 * Fail on unexpected (docs/cpm-sip-binding.md, A test case), as the runner does: a request a
 * device received that no expectation took, blamed on the step it arrived in.
 */
function failOnUnexpected(ctx: TestContext, slot: LoadSlot): void {
  for (const d of slot.devices) {
    const tx = d.inbox[0];
    if (!tx) continue;
    const { step, requirement } = ctx.stepOfArrival(tx.request);
    ctx.fail(requirement, { message: `unexpected request at ${d.name}: ${startLine(tx.request)}`, expected: 'no further request at this device', actual: tx.request, step: step?.id });
  }
}
