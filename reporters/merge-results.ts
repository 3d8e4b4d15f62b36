/**
 * `report --results DIR1 DIR2 …` (issue 14): the results of the shards of one run (`run --shard
 * i/n`, each in its own CI job) merged into one results directory — every Allure result and
 * attachment, the verdict logs, one environment — and one conformance matrix built from all the
 * verdicts, exactly as the unsharded run builds it (reporters/run-reports.ts, catalogue order).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFORMANCE_DIR } from './case-artifacts';
import type { ConformanceReport } from './matrix';
import { writeRunReports, type RunReportOutcome } from './run-reports';
import { readVerdicts, type VerdictRecord } from './verdict-log';
import type { HarnessTarget } from '../src/harness/target';

const VERDICT_LOG = 'cpm-verdicts.jsonl';
const ENVIRONMENT = 'environment.properties';

export class MergeError extends Error {}

export interface MergeOutcome {
  dir: string;
  records: VerdictRecord[];
  reports: RunReportOutcome;
}

function shardReport(dir: string): ConformanceReport {
  const file = path.join(dir, CONFORMANCE_DIR, 'conformance-report.json');
  if (!fs.existsSync(file)) throw new MergeError(`${dir} holds no ${path.join(CONFORMANCE_DIR, 'conformance-report.json')}: not the results of a finished \`cpm-conformance run\``);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ConformanceReport;
}

/** Merge the shards' results directories into `into` (emptied first) and write the merged matrix. */
export function mergeResults(dirs: readonly string[], into: string): MergeOutcome {
  const out = path.resolve(into);
  const sources = dirs.map((d) => path.resolve(d));
  // It is emptied first: never a shard's directory, one holding a shard, or the working directory.
  if (out === process.cwd() || sources.some((d) => d === out || d.startsWith(out + path.sep))) {
    throw new MergeError(`the merged results directory ${out} is, or holds, a shard's directory or the working directory`);
  }
  if (sources.length === 0) throw new MergeError('no results directory to merge');
  const reports = sources.map(shardReport);
  const first = reports[0];
  for (const [i, r] of reports.entries()) {
    // Shards of one run: the same SUT and the same run parameters, else the merge would mislead.
    if (r.sut.name !== first.sut.name || JSON.stringify(r.run) !== JSON.stringify(first.run)) {
      throw new MergeError(`${sources[i]} is not a shard of the same run as ${sources[0]} (SUT or run parameters differ)`);
    }
  }
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const records: VerdictRecord[] = [];
  const seenKeys = new Set<string>();
  const environments: string[] = [];
  for (const dir of sources) {
    for (const f of fs.readdirSync(dir)) {
      const from = path.join(dir, f);
      if (f === CONFORMANCE_DIR || f === VERDICT_LOG) continue;
      if (f === ENVIRONMENT) {
        environments.push(fs.readFileSync(from, 'utf8'));
        continue;
      }
      // Allure results and attachments are named by UUID: no two shards share a name; the
      // categories/executor files are the same in every shard.
      fs.cpSync(from, path.join(out, f), { recursive: true, force: true });
    }
    for (const r of readVerdicts(path.join(dir, VERDICT_LOG))) {
      if (seenKeys.has(r.key)) throw new MergeError(`variant ${r.key} is in more than one shard (${dir}): were the shards run with the same --shard n?`);
      seenKeys.add(r.key);
      records.push(r);
    }
  }
  fs.writeFileSync(path.join(out, ENVIRONMENT), mergeEnvironments(environments, sources.length));
  fs.writeFileSync(path.join(out, VERDICT_LOG), records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''));
  const target = { name: first.sut.name, version: first.sut.version, transports: first.run.transports, topologies: first.run.topologies, pfMode: first.run.pfMode, ics: first.ics } as unknown as HarnessTarget;
  const merged = writeRunReports({
    resultsDir: out, records, target, strict: first.run.strict, harnessVersion: first.harness.version, selection: first.run.selection,
    baselineFile: first.baseline && fs.existsSync(first.baseline.file) ? first.baseline.file : undefined, annotate: false,
  });
  return { dir: out, records, reports: merged };
}

/** The first shard's environment, without its shard line, plus the number of shards merged. */
function mergeEnvironments(texts: string[], shards: number): string {
  const lines = (texts[0] ?? '').split('\n').filter((l) => l && !l.startsWith('shard='));
  return [...lines, `shards.merged=${shards}`].join('\n') + '\n';
}
