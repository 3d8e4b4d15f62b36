/**
 * Baseline of known deviations (docs/reporting.md): a file recording which case variants failed in an
 * accepted run. A later run is classified against it, case by case:
 *
 * - `pass`       passes and passed (or was not a deviation) before;
 * - `regression` fails (fail / inconclusive / error) and was not a known deviation (`pass→FAIL`);
 * - `known`      fails and is a known deviation (xfail): does not fail the exit code;
 * - `fixed`      passes and was a known deviation (`xfail→PASS`): update the baseline;
 * - `new`        the case variant did not exist in the baseline run.
 */
import * as fs from 'node:fs';
import type { Verdict } from '../src/harness/verdict';
import type { VerdictRecord } from './verdict-log';

export type BaselineStatus = 'pass' | 'regression' | 'known' | 'fixed' | 'new';

export const BASELINE_LABEL: Record<BaselineStatus, string> = {
  pass: 'PASS', regression: 'pass→FAIL (regression)', known: 'XFAIL (known deviation)', fixed: 'xfail→PASS (fixed)', new: 'NEW',
};

export interface BaselineDeviation {
  key: string;
  id: string;
  verdict: Verdict;
  requirement?: string;
  message?: string;
}

export interface BaselineFile {
  format: 'cpm-conformance-baseline';
  version: 1;
  createdAt: string;
  sut: { name: string; version?: string };
  /** Every case variant the baseline run executed (to tell `new` cases). */
  cases: string[];
  /** The failing case variants: the known deviations. */
  deviations: BaselineDeviation[];
}

/** Verdicts that count as a deviation (docs/architecture.md, Verdicts: everything that makes the exit code non-zero). */
export function isDeviation(v: Verdict): boolean {
  return v === 'fail' || v === 'inconclusive' || v === 'error';
}

export function makeBaseline(records: readonly VerdictRecord[], sut: BaselineFile['sut'], now = new Date()): BaselineFile {
  return {
    format: 'cpm-conformance-baseline',
    version: 1,
    createdAt: now.toISOString(),
    sut,
    cases: records.map((r) => r.key),
    deviations: records.filter((r) => isDeviation(r.verdict)).map((r) => ({
      key: r.key, id: r.id, verdict: r.verdict, requirement: r.reason?.requirement, message: r.reason?.message.split('\n')[0].slice(0, 300),
    })),
  };
}

export class BaselineError extends Error {}

export function readBaseline(file: string): BaselineFile {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BaselineError(`cannot read baseline ${file}: ${(e as Error).message}`);
  }
  const b = data as Partial<BaselineFile>;
  if (!b || b.format !== 'cpm-conformance-baseline' || !Array.isArray(b.deviations) || !Array.isArray(b.cases)) {
    throw new BaselineError(`${file} is not a cpm-conformance baseline (write one with 'cpm-conformance run --write-baseline FILE')`);
  }
  return b as BaselineFile;
}

export function writeBaseline(file: string, b: BaselineFile): void {
  fs.writeFileSync(file, JSON.stringify(b, null, 2) + '\n');
}

export function classify(r: Pick<VerdictRecord, 'key' | 'verdict'>, b: BaselineFile): BaselineStatus {
  const known = b.deviations.some((d) => d.key === r.key);
  if (!b.cases.includes(r.key) && !known) return 'new';
  if (isDeviation(r.verdict)) return known ? 'known' : 'regression';
  return known ? 'fixed' : 'pass';
}

export function classifyAll(records: readonly VerdictRecord[], b: BaselineFile): Map<string, BaselineStatus> {
  return new Map(records.map((r) => [r.key, classify(r, b)]));
}

/** Verdicts that decide the exit code: a known deviation is kept from failing it. */
export function verdictsForExit(records: readonly VerdictRecord[], status?: Map<string, BaselineStatus>): Verdict[] {
  return records.filter((r) => status?.get(r.key) !== 'known').map((r) => r.verdict);
}

/** Lines for the end-of-run summary. */
export function formatBaselineSummary(records: readonly VerdictRecord[], status: Map<string, BaselineStatus>, file: string): string {
  const count: Record<BaselineStatus, number> = { pass: 0, regression: 0, known: 0, fixed: 0, new: 0 };
  for (const s of status.values()) count[s]++;
  const lines = [`baseline ${file}: ${count.pass} pass, ${count.regression} regression (pass→FAIL), ${count.known} known deviation (xfail), ${count.fixed} fixed (xfail→PASS), ${count.new} new`];
  for (const r of records) {
    const s = status.get(r.key);
    if (s === 'regression') lines.push(`  pass→FAIL   ${r.key}${r.reason?.requirement ? ` ${r.reason.requirement}` : ''}`);
    else if (s === 'fixed') lines.push(`  xfail→PASS  ${r.key} (remove it from the baseline: --write-baseline)`);
    else if (s === 'known') lines.push(`  XFAIL       ${r.key}`);
    else if (s === 'new') lines.push(`  NEW         ${r.key} ${r.verdict.toUpperCase()}`);
  }
  return lines.join('\n');
}
