/**
 * `cpm-conformance report`: the offline HTML report of a run (Allure 3 from npm, no Java), with
 * history/trend across runs, stripped of every third-party/analytics script; `--open` serves it
 * on 127.0.0.1 only until Ctrl-C.
 */
import * as path from 'node:path';
import type { CommandModule } from 'yargs';
import { commandLine } from './catalog';
import { generateReport, ReportError } from '../../reporters/html-report';
import { serveStatic } from '../../reporters/static-server';
import { EXIT_USAGE } from '../exit-codes';
import { mergeResults, MergeError } from '../../reporters/merge-results';
import { areLoadResults, formatSummary, mergeLoadResults, SummaryError } from '../load/merge-load';

/** The one results directory to report on: the given one, or the shards' results merged (issue 14). */
async function mergedResults(args: ReportArgs, out: string): Promise<string> {
  const dirs = (args.results ?? []).map(String);
  if (dirs.length <= 1 && args.merge === undefined) return dirs[0] ?? 'allure-results';
  if (areLoadResults(dirs)) {
    // The shards of a `load --shard i/n` (docs/load.md): summaries merged exactly, then the report of their failing flows.
    try {
      const m = mergeLoadResults(dirs, args.merge || `${out}-results`);
      process.stdout.write(`merged ${dirs.length} load summaries into ${args.merge || `${out}-results`}\n${formatSummary(m)}\n`);
      // Allure holds a result per failing flow kept only: with none, the summary is the whole report.
      if (m.allureResults === 0) return process.exit(0);
      return args.merge || `${out}-results`;
    } catch (e) {
      if (!(e instanceof SummaryError)) throw e;
      process.stderr.write(`cpm-conformance report: ${e.message}\n`);
      return process.exit(EXIT_USAGE);
    }
  }
  try {
    const m = mergeResults(dirs, args.merge || `${out}-results`);
    const t = m.reports.matrix.totals.byRequirementVerdict;
    process.stdout.write(`merged ${dirs.length} results directories (${m.records.length} variants) into ${m.dir}; conformance matrix: ${m.reports.matrix.totals.requirements} requirements, ${t.pass} pass, ${t.fail} fail — ${path.join(m.reports.dir, 'conformance-report.md')}\n`);
    return m.dir;
  } catch (e) {
    if (!(e instanceof MergeError)) throw e;
    process.stderr.write(`cpm-conformance report: ${e.message}\n`);
    return process.exit(EXIT_USAGE);
  }
}

interface ReportArgs {
  results: string[];
  merge?: string;
  out: string;
  'single-file': boolean;
  open: boolean;
  port: number;
  history?: string;
  name?: string;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  ...commandLine('report'),
  builder: (y) =>
    y
      .option('results', { type: 'array', string: true, default: ['allure-results'], describe: 'results directory of `cpm-conformance run`; several (the shards of a `run --shard i/n`) are merged into one report and one matrix' })
      .option('merge', { type: 'string', describe: 'where the merged results of several --results go (default: <out>-results)' })
      .option('out', { type: 'string', default: 'allure-report', describe: 'report directory (emptied first)' })
      .option('single-file', { type: 'boolean', default: false, describe: 'one self-contained index.html that opens from disk (file://)' })
      .option('open', { type: 'boolean', default: false, describe: 'serve the report on http://127.0.0.1 (loopback only) until Ctrl-C' })
      .option('port', { type: 'number', default: 0, describe: 'port for --open (0: any free port)' })
      .option('history', { type: 'string', describe: 'history file for trends across runs, one entry per run and keyed by SUT (default: <results>.history.jsonl)' })
      .option('name', { type: 'string', describe: 'report title (default: OMA CPM conformance)' }) as never,
  handler: async (args) => {
    const out = path.resolve(args.out);
    const results = await mergedResults(args, out);
    // Per results set (a sibling of the results folder, which `run` empties): reports built in one
    // parent folder from other results no longer share a trend.
    const historyPath = path.resolve(args.history ?? `${path.resolve(results)}.history.jsonl`);
    let r;
    try {
      r = await generateReport({ results, out, singleFile: args['single-file'], historyPath, name: args.name });
    } catch (e) {
      if (e instanceof ReportError) {
        process.stderr.write(`cpm-conformance report: ${e.message}\n`);
        process.exit(EXIT_USAGE);
      }
      throw e;
    }
    process.stdout.write(`HTML report in ${r.out}${r.stripped.length ? ` (${r.stripped.length} third-party script(s) removed)` : ''}${r.historyPath ? `; history ${r.historyPath}` : ''}\n`);
    process.stdout.write(`conformance matrix: ${path.join(r.out, 'conformance', 'conformance-report.md')}\n`);
    if (!args.open) {
      if (!args['single-file']) process.stdout.write('open it over HTTP (a multi-file report does not load from file://): cpm-conformance report --open, or use --single-file\n');
      return;
    }
    const server = await serveStatic(r.out, args.port, '127.0.0.1');
    process.stdout.write(`serving on ${server.url} (127.0.0.1 only); Ctrl-C stops\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await server.close();
  },
};
