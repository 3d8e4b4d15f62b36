/**
 * Runs one case variant against a target and returns its verdict with the evidence: findings,
 * steps and the merged trace. Never throws: a SUT's garbage becomes a finding, a harness fault an
 * `error` verdict (design §4).
 */
import { Tap, type TraceEntry } from '../sip/transport/tap';
import { startLine } from '../sip/message';
import { CaseStop, type Finding } from './finding';
import { TestContext, type StepRecord } from './context';
import { Topology } from './topology';
import { caseKey, type CaseVariant, type TestCase } from './test-case';
import type { HarnessTarget } from './target';
import { worst, type Verdict } from './verdict';

export interface CaseResult {
  key: string;
  testCase: TestCase;
  variant: CaseVariant;
  verdict: Verdict;
  /** The first failure (root cause) or the reason for n/a. */
  reason?: Finding;
  findings: Finding[];
  steps: StepRecord[];
  trace: TraceEntry[];
  /** Verdict per requirement ID the case evaluated; requirements it never reached are absent. */
  requirementVerdicts: Record<string, Verdict>;
  startedAt: number;
  durationMs: number;
  /** Server / User-Agent header values the SUT sent (environment.properties "as seen on the wire"). */
  sutAgents: string[];
}

export interface RunCaseOptions {
  /** Lets the case run with injected datagram loss on every harness socket (engine self-test). */
  lossRate?: number;
  /** Hard cap on a case's duration, to bound a case against a SUT that hangs it. */
  caseTimeoutMs?: number;
}

export function notApplicable(testCase: TestCase, variant: CaseVariant, target: HarnessTarget): string | null {
  if (!target.transports.includes(variant.transport)) return `the target's transport is ${target.transports.join('/')}, this variant needs ${variant.transport}`;
  if (!target.topologies.includes(variant.topology)) return `the target's topology is ${target.topologies.join('/')}, this variant needs ${variant.topology}`;
  const a = testCase.applies(target, variant);
  return a === true ? null : a;
}

export async function runCase(testCase: TestCase, variant: CaseVariant, target: HarnessTarget, opts: RunCaseOptions = {}): Promise<CaseResult> {
  const startedAt = Date.now();
  const key = caseKey(testCase, variant);
  const base = { key, testCase, variant, startedAt, steps: [] as StepRecord[], trace: [] as TraceEntry[], sutAgents: [] as string[] };
  const na = notApplicable(testCase, variant, target);
  if (na) {
    const reason: Finding = { verdict: 'n/a', message: `not applicable: ${na}` };
    return { ...base, verdict: 'n/a', reason, findings: [reason], requirementVerdicts: {}, durationMs: 0 };
  }
  const tap = new Tap();
  tap.lossRate = opts.lossRate ?? 0;
  let topology: Topology | undefined;
  let ctx: TestContext | undefined;
  const extraFindings: Finding[] = [];
  try {
    topology = await Topology.build(target, variant, tap, Topology.pickUsers(target, variant, target.isReference ? undefined : target.users));
    ctx = new TestContext(testCase, variant, target, tap, topology);
    const c = ctx;
    const cap = opts.caseTimeoutMs ?? Math.max(60_000, target.ixit.responseTimeoutMs * 12);
    let capTimer: NodeJS.Timeout | undefined;
    const capped = new Promise<never>((_, reject) => {
      capTimer = setTimeout(() => reject(new Error(`case did not finish within ${cap} ms`)), cap);
    });
    try {
      await Promise.race([testCase.run(c), capped]);
      checkUnexpected(c, topology);
    } finally {
      clearTimeout(capTimer);
    }
  } catch (err) {
    if (!(err instanceof CaseStop)) {
      if (ctx) ctx.recordError(err);
      else extraFindings.push({ verdict: 'error', message: `harness error while building the topology: ${(err as Error).message}` });
    }
  } finally {
    await topology?.close();
  }
  const findings = [...(ctx?.findings ?? []), ...extraFindings];
  const verdict = worst(findings.map((f) => f.verdict), 'pass');
  const requirementVerdicts: Record<string, Verdict> = {};
  for (const r of ctx?.evaluated ?? []) requirementVerdicts[r] = 'pass';
  for (const f of findings) if (f.requirement) requirementVerdicts[f.requirement] = worst([requirementVerdicts[f.requirement] ?? 'pass', f.verdict]);
  const trace = tap.entries.filter((e) => !e.dropped);
  const sutAgents = [...new Set(trace.filter((e) => e.direction === 'received' && e.message).flatMap((e) =>
    e.message!.headers.filter((h) => /^(server|user-agent)$/i.test(h.name)).map((h) => h.value)))];
  const reason = findings.find((f) => f.verdict === verdict && verdict !== 'pass');
  return { ...base, verdict, reason, findings, steps: ctx?.steps ?? [], trace, requirementVerdicts, durationMs: Date.now() - startedAt, sutAgents };
}

/** Fail on unexpected (design §4): a request a device received that no expectation took. */
function checkUnexpected(ctx: TestContext, topology: Topology): void {
  for (const d of topology.devices) {
    const tx = d.inbox[0];
    if (!tx) continue;
    ctx.fail(ctx.testCase.requirements[0], {
      message: `unexpected request at ${d.name}: ${startLine(tx.request)}`,
      expected: 'no further request at this device',
      actual: tx.request,
    });
  }
}
