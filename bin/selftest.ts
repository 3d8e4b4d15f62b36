/**
 * The suite proves itself (docs/architecture.md, The reference server): every case variant against the reference server once
 * correct (everything must pass) and once per fault of the catalogue (each fault must make at
 * least one case fail, for the requirement the fault breaks).
 */
import { startReferenceServer, FAULTS, type CsMsrpRole } from '../src/reference';
import { runCase, type CaseResult } from '../src/harness/runner';
import type { TestCase, CaseVariant } from '../src/harness/test-case';
import { caseKey } from '../src/harness/test-case';
import { requirement } from '../src/harness/requirements';
import { allCases } from '../suites/index';
import { lossTolerant, referenceTarget, referenceTimers, withBinding } from './targets';
import type { HarnessTarget } from '../src/harness/target';
import type { FaultDescriptor } from '../src/reference/fault-descriptor';

export interface SelftestRow {
  /** '(none)' for the correct server. */
  fault: string;
  mode: 'proxy' | 'b2bua';
  requirement: string;
  failing: Array<{ key: string; requirement?: string; step?: string; message: string }>;
  /** Correct server: every case passed. Fault: at least one case failed with the fault's requirement. */
  ok: boolean;
  /** Variants whose verdict was not pass/fail (inconclusive, error), with the reason. */
  other: Array<{ key: string; verdict: string; message: string }>;
  variants: number;
}

export interface SelftestOptions {
  modes?: Array<'proxy' | 'b2bua'>;
  faults?: string[];
  /** Run this many case variants at once (cases are isolated: own sockets, users, Call-IDs). */
  concurrency?: number;
  lossRate?: number;
  /** Binding knobs to switch from the reference's own (docs/cpm-sip-binding.md): proves the suites follow them. */
  binding?: Partial<HarnessTarget['binding']>;
  /** How the reference server takes part in MSRP in b2bua mode (options.ts CsMsrpRole); its target's csMsrpRole follows it. */
  msrpRole?: CsMsrpRole;
  /** Only these cases (default: every case for the correct server, the fault's feature's for a fault). */
  only?: (c: TestCase) => boolean;
  /** Run every case against every fault (default: a fault runs the cases of the feature it breaks). */
  allCases?: boolean;
  /**
   * A fault's row stops starting variants once one has failed for the fault's requirement (the
   * row is then ok; `variants` counts those run): the proof `npm test` needs, at a fraction of
   * the full matrix's cost. The cases that declare the requirement go first. Default off: the
   * CLI prints how many variants detect each fault.
   */
  untilDetected?: boolean;
  /**
   * Rows (correct server per mode, each fault) run at once, each against its own reference server
   * (own sockets, users, Call-IDs): a row's time is mostly waiting for the SUT's timers, so rows
   * overlap well. Default 1 (one row after the other). onRow still sees the rows in order.
   */
  rowConcurrency?: number;
  onRow?: (row: SelftestRow) => void;
}

/** Cases that judge a requirement of the same spec feature as the fault's requirement. */
function casesOfFeature(cases: TestCase[], requirementId: string): TestCase[] {
  const feature = requirement(requirementId).feature;
  return cases.filter((c) => c.requirements.some((id) => requirement(id).feature === feature));
}

async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

/** A FAIL (SHALL) or NON-STRICT (SHOULD, docs/architecture.md, Verdicts) for this requirement. */
function detects(r: CaseResult, requirementId: string): boolean {
  return (r.verdict === 'fail' || r.verdict === 'non-strict') && r.reason?.requirement === requirementId;
}

/** Every variant of the cases, or (with `stopOn`) none started after one satisfied it. */
async function runAll(mode: 'proxy' | 'b2bua', faults: string[], cases: TestCase[], concurrency: number, o: Pick<SelftestOptions, 'lossRate' | 'binding' | 'msrpRole'>, stopOn?: (r: CaseResult) => boolean): Promise<CaseResult[]> {
  const { lossRate, binding, msrpRole } = o;
  const server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode, msrpRole, faults, timers: referenceTimers(lossRate), lossRate });
  try {
    const target = withBinding(lossTolerant(referenceTarget(server), lossRate), binding);
    const jobs: Array<[TestCase, CaseVariant]> = cases.flatMap((c) => c.variants.map((v) => [c, v] as [TestCase, CaseVariant]));
    let stopped = false;
    const results = await pool(jobs, concurrency, async ([c, v]) => {
      if (stopped) return null;
      const r = await runCase(c, v, target);
      if (stopOn?.(r)) stopped = true;
      return r;
    });
    return results.filter((r): r is CaseResult => r !== null);
  } finally {
    await server.stop();
  }
}

function rowOf(fault: string, mode: 'proxy' | 'b2bua', requirement: string, results: CaseResult[]): SelftestRow {
  // A SHOULD not met is detected as non-strict (docs/architecture.md, Verdicts); a SHALL/MUST as fail.
  const failing = results.filter((r) => r.verdict === 'fail' || r.verdict === 'non-strict').map((r) => ({
    key: caseKey(r.testCase, r.variant), requirement: r.reason?.requirement, step: r.reason?.step, message: r.reason?.message ?? '',
  }));
  const other = results.filter((r) => r.verdict !== 'pass' && r.verdict !== 'fail' && r.verdict !== 'non-strict' && r.verdict !== 'n/a').map((r) => ({
    key: caseKey(r.testCase, r.variant), verdict: r.verdict, message: r.reason?.message ?? '',
  }));
  const ok = fault === '(none)'
    ? results.every((r) => r.verdict === 'pass' || r.verdict === 'n/a')
    : results.some((r) => detects(r, requirement));
  return { fault, mode, requirement, failing, ok, other, variants: results.length };
}

export async function runSelftest(o: SelftestOptions = {}): Promise<SelftestRow[]> {
  const cases = allCases().filter((c) => !o.only || o.only(c));
  const modes = o.modes ?? ['proxy', 'b2bua'];
  const concurrency = o.concurrency ?? 6;
  const plans: Array<() => Promise<SelftestRow>> = modes.map((mode) => async () => rowOf('(none)', mode, '-', await runAll(mode, [], cases, concurrency, o)));
  for (const f of FAULTS.filter((x) => !o.faults || o.faults.includes(x.name))) {
    // A fault is exercised in the PF mode it is meaningful for (proxy unless it says otherwise).
    const mode = (f as { mode?: 'proxy' | 'b2bua' }).mode ?? 'proxy';
    const feature = o.allCases ? cases : casesOfFeature(cases, f.requirement);
    const declares = (c: TestCase): number => (c.requirements.some((id) => id === f.requirement) ? 0 : 1);
    const mine = o.untilDetected ? [...feature].sort((a, b) => declares(a) - declares(b)) : feature;
    const detected = o.untilDetected ? (r: CaseResult) => detects(r, f.requirement) : undefined;
    // A fault that acts only under another binding (FaultDescriptor.binding) runs under it; the run's own --binding wins.
    const binding = { ...(f as FaultDescriptor).binding, ...o.binding };
    plans.push(async () => rowOf(f.name, mode, f.requirement, await runAll(mode, [f.name], mine, concurrency, { ...o, binding }, detected)));
  }
  const done: Array<SelftestRow | undefined> = new Array(plans.length);
  let emitted = 0;
  const rows = await pool(plans.map((plan, i) => [plan, i] as const), o.rowConcurrency ?? 1, async ([plan, i]) => {
    done[i] = await plan();
    // Emitted in catalogue order, as soon as every earlier row is done.
    while (emitted < done.length && done[emitted]) {
      const row = done[emitted++]!; // not inside `onRow?.(…)`: an absent onRow would skip the increment
      o.onRow?.(row);
    }
    return done[i]!;
  });
  return rows;
}

export function formatRow(r: SelftestRow): string {
  const head = `${r.ok ? 'ok  ' : 'NOK '} ${r.fault.padEnd(40)} ${r.mode.padEnd(6)} ${r.requirement.padEnd(16)}`;
  if (r.fault === '(none)') {
    const bad = r.other.length + r.failing.length;
    return `${head} correct server: ${r.variants - bad}/${r.variants} variants pass` +
      [...r.failing.map((f) => `\n       FAIL ${f.key}: ${f.requirement ?? ''} ${f.message.slice(0, 200)}`), ...r.other.map((f) => `\n       ${f.verdict.toUpperCase()} ${f.key}: ${f.message.slice(0, 200)}`)].join('');
  }
  const hit = r.failing.filter((f) => f.requirement === r.requirement).length;
  return `${head} detected by ${r.failing.length}/${r.variants} variants, expected requirement hit: ${hit > 0 ? `yes (${hit})` : 'NO'}` +
    (r.failing[0] ? `\n       e.g. ${r.failing[0].key}: step ${r.failing[0].step ?? '?'}: ${r.failing[0].message.slice(0, 200)}` : '');
}
