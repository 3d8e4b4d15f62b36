/**
 * What `cpm-conformance run` writes after the jest run, from the verdict log: the conformance
 * matrix (JSON + Markdown), JUnit XML, the baseline classification (also stamped on the Allure
 * results), the n/a reasons on the skipped Allure results, and environment.properties completed
 * with what the SUT said on the wire.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SUITES } from '../suites/index';
import type { HarnessTarget } from '../src/harness/target';
import { BASELINE_LABEL, classifyAll, formatBaselineSummary, makeBaseline, readBaseline, verdictsForExit, writeBaseline, type BaselineStatus } from './baseline';
import { CONFORMANCE_DIR } from './case-artifacts';
import { junitXml } from './junit';
import { buildMatrix, matrixMarkdown, type ConformanceReport } from './matrix';
import type { VerdictRecord } from './verdict-log';
import { resultFiles } from './allure-result-files';
import { inCatalogueOrder } from './shard';

export interface RunReportOptions {
  resultsDir: string;
  records: VerdictRecord[];
  target: HarnessTarget;
  strict: boolean;
  harnessVersion: string;
  selection?: ConformanceReport['run']['selection'];
  baselineFile?: string;
  writeBaselineFile?: string;
  /** Stamp the Allure results (default true); a merge of shards leaves the shards' stamps as they are. */
  annotate?: boolean;
}

export interface RunReportOutcome {
  dir: string;
  matrix: ConformanceReport;
  status?: Map<string, BaselineStatus>;
  /** Verdicts that decide the exit code (known deviations left out). */
  exitVerdicts: VerdictRecord['verdict'][];
  /** Lines for the summary (baseline classification), empty without a baseline. */
  summary: string;
  files: string[];
}

/** How many cases of the suites list each requirement (to tell "no case" from "not selected"). */
export function catalogueCaseCounts(): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of SUITES) for (const c of s.cases) for (const r of c.requirements) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

export function writeRunReports(options: RunReportOptions): RunReportOutcome {
  // Catalogue order, not completion order: the same run gives the same matrix however it was sharded.
  const o = { ...options, records: inCatalogueOrder(options.records) };
  const dir = path.join(o.resultsDir, CONFORMANCE_DIR);
  fs.mkdirSync(dir, { recursive: true });
  let status: Map<string, BaselineStatus> | undefined;
  let baselineInfo: { file: string; createdAt?: string; status: Map<string, BaselineStatus> } | undefined;
  let summary = '';
  if (o.baselineFile) {
    const b = readBaseline(o.baselineFile);
    status = classifyAll(o.records, b);
    baselineInfo = { file: o.baselineFile, createdAt: b.createdAt, status };
    summary = formatBaselineSummary(o.records, status, o.baselineFile);
  }
  const matrix = buildMatrix({
    records: o.records,
    sut: { name: o.target.name, version: o.target.version },
    run: { transports: o.target.transports, topologies: o.target.topologies, pfMode: pfModesOf(o.records, o.target.pfMode), strict: o.strict, selection: o.selection },
    ics: o.target.ics,
    harnessVersion: o.harnessVersion,
    baseline: baselineInfo,
    catalogueCases: catalogueCaseCounts(),
  });
  const files = [
    path.join(dir, 'conformance-report.json'),
    path.join(dir, 'conformance-report.md'),
    path.join(dir, 'junit.xml'),
  ];
  fs.writeFileSync(files[0], JSON.stringify(matrix, null, 2) + '\n');
  fs.writeFileSync(files[1], matrixMarkdown(matrix));
  fs.writeFileSync(files[2], junitXml(o.records, { name: `cpm-conformance: ${o.target.name}`, baseline: status }));
  if (o.writeBaselineFile) {
    writeBaseline(o.writeBaselineFile, makeBaseline(o.records, { name: o.target.name, version: o.target.version }));
    files.push(o.writeBaselineFile);
  }
  if (o.annotate !== false) annotateAllureResults(o.resultsDir, o.records, status);
  return { dir, matrix, status, exitVerdicts: verdictsForExit(o.records, status), summary, files };
}

interface AllureResultFile {
  name?: string;
  status?: string;
  statusDetails?: { message?: string; trace?: string };
  labels?: Array<{ name: string; value: string }>;
}

/**
 * Stamp the Allure results with what is known only after the run: the n/a reason on skipped
 * results (docs/architecture.md, Verdicts: n/a → skipped with the ICS reason) and the baseline status; a known
 * deviation's message is prefixed so it lands in the "Known deviation (baseline)" category.
 */
export function annotateAllureResults(resultsDir: string, records: readonly VerdictRecord[], status?: Map<string, BaselineStatus>): void {
  for (const { file, res, rec } of resultFiles<AllureResultFile>(resultsDir, records)) {
    if (!rec) continue;
    let changed = false;
    if (rec.verdict === 'n/a' && res.status === 'skipped') {
      res.statusDetails = { ...res.statusDetails, message: rec.reason?.message ?? 'not applicable' };
      res.labels = [...(res.labels ?? []), { name: 'verdict', value: 'n/a' }, { name: 'epic', value: 'OMA CPM' }, { name: 'feature', value: rec.feature },
        ...rec.requirements.map((id) => ({ name: 'story', value: id }))];
      changed = true;
    }
    const s = status?.get(rec.key);
    if (s) {
      res.labels = [...(res.labels ?? []), { name: 'baseline', value: BASELINE_LABEL[s] }];
      if (s === 'known') {
        res.labels.push({ name: 'tag', value: 'known-deviation' });
        res.statusDetails = { ...res.statusDetails, message: `Known deviation (baseline): ${res.statusDetails?.message ?? ''}` };
      }
      if (s === 'regression') res.labels.push({ name: 'tag', value: 'regression' });
      changed = true;
    }
    if (changed) fs.writeFileSync(file, JSON.stringify(res));
  }
}

/** The PF modes the variants ran against: both reference modes in a default run ("proxy + b2bua"), as the environment says. */
function pfModesOf(records: ReadonlyArray<{ variant: { pfMode?: string } }>, fallback: string): string {
  const modes = [...new Set(records.map((r) => r.variant.pfMode).filter((m): m is string => m !== undefined))];
  return modes.length > 0 ? modes.join(' + ') : fallback;
}
