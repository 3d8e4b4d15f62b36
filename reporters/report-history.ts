/**
 * History of the HTML report: one entry per run, whatever the number of rebuilds. Allure appends a
 * data point each time it generates; a results set rebuilt (--single-file, --open, a second look)
 * replaced its earlier entry instead of adding a duplicate. A run is recognised by its results:
 * its SUT (in the test case IDs), the names and start times of its test results, which Allure
 * keeps in each history entry.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface HistoryItem { name?: string; fullName?: string; start?: number; testCaseId?: string; historyId?: string }
interface HistoryPoint { testResults?: Record<string, HistoryItem> }

function idOf(items: Array<[string, number | undefined]>): string {
  const h = createHash('sha256');
  for (const [k, s] of items.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) h.update(`${k}|${s ?? ''}\n`);
  return h.digest('hex');
}

/** The run a (polished) results folder holds. */
export function resultsSetId(dir: string): string {
  const items: Array<[string, number | undefined]> = [];
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('-result.json')) continue;
    try {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as HistoryItem;
      // Allure's history key starts with md5 of the test's id: its testCaseId (which carries the
      // SUT, allure-polish.ts), else its full name; a result with neither has no history entry.
      // Counting one Allure left out would make this run's entry unrecognisable, and never kept.
      const testId = r.testCaseId ?? r.fullName;
      if (!testId) continue;
      items.push([`${createHash('md5').update(testId).digest('hex')}|${r.name ?? ''}`, r.start]);
    } catch {
      // unreadable result: Allure skips it too
    }
  }
  return idOf(items);
}

function pointId(line: string): string | undefined {
  try {
    const p = JSON.parse(line) as HistoryPoint;
    return idOf(Object.values(p.testResults ?? {}).map((v) => [`${(v.historyId ?? '').split('.')[0]}|${v.name ?? ''}`, v.start]));
  } catch {
    return undefined;
  }
}

/** The history text without the entries of this run (a rebuild shows it once, as the latest). */
export function withoutRun(text: string, runId: string): string {
  const lines = text.split('\n').filter((l) => l.trim() && pointId(l) !== runId);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Store the history Allure wrote (work copy): earlier runs, then this run once. */
export function keepRun(historyPath: string, workHistory: string, runId: string): void {
  const lines = fs.readFileSync(workHistory, 'utf8').split('\n').filter((l) => l.trim());
  const mine = lines.filter((l) => pointId(l) === runId).slice(-1);
  const before = fs.existsSync(historyPath) ? withoutRun(fs.readFileSync(historyPath, 'utf8'), runId) : '';
  fs.writeFileSync(historyPath, `${before}${mine.map((l) => `${l}\n`).join('')}`);
}
