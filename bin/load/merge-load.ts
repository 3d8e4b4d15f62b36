/**
 * `report --merge` of load summaries (docs/load.md, Beyond one machine): when every --results
 * directory holds a load-summary.json (the shards of a `load --shard i/n`), they are combined
 * exactly (src/harness/load/summary.ts mergeSummaries: counts summed, histograms added from their
 * encoded form) into one summary and its latency SVG, and every shard's Allure results are copied
 * beside them so one report shows every failing flow.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SUMMARY_FILE, SummaryError, formatSummary, mergeSummaries, parseSummary, type LoadSummary } from '../../src/harness/load/summary';
import { latencySvg } from '../../reporters/load-svg';
import { writeLoadGlobals } from '../../reporters/load-allure';

/** Whether these results directories are load runs (each has a load summary). */
export function areLoadResults(dirs: string[]): boolean {
  return dirs.length > 0 && dirs.every((d) => fs.existsSync(path.join(d, SUMMARY_FILE)));
}

/** Merge the load summaries of `dirs` into `out`; returns the merged summary. Throws SummaryError naming the file. */
export function mergeLoadResults(dirs: string[], out: string): LoadSummary & { allureResults: number } {
  const parts = dirs.map((d) => {
    const file = path.join(d, SUMMARY_FILE);
    return parseSummary(fs.readFileSync(file, 'utf8'), file);
  });
  const merged = mergeSummaries(parts);
  const resolved = path.resolve(out);
  if (dirs.some((d) => path.resolve(d) === resolved)) throw new SummaryError(`--merge ${out} is one of the --results directories: name a new one`);
  fs.rmSync(resolved, { recursive: true, force: true });
  fs.mkdirSync(resolved, { recursive: true });
  let allureResults = 0;
  for (const d of dirs) {
    for (const f of fs.readdirSync(d)) {
      if (!/-(result\.json|attachment\.\w+)$/.test(f)) continue;
      fs.copyFileSync(path.join(d, f), path.join(resolved, f));
      if (f.endsWith('-result.json')) allureResults++;
    }
  }
  const summaryJson = `${JSON.stringify(merged, null, 2)}\n`;
  const svg = latencySvg(merged);
  fs.writeFileSync(path.join(resolved, SUMMARY_FILE), summaryJson);
  fs.writeFileSync(path.join(resolved, 'load-latency.svg'), svg);
  // The merged run's own globals; the shards' (their own SVG and summary) are not copied.
  writeLoadGlobals(resolved, summaryJson, svg);
  return { ...merged, allureResults };
}

export { formatSummary, SummaryError };
