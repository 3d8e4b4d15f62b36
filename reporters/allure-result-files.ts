/**
 * The Allure result files of a results directory, each with the verdict record of the case variant
 * it reports. Allure names a result "<case key> <title>", the key ending in "]": the record is
 * found by that key in a map (a search per file was quadratic in the run's size).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VerdictRecord } from './verdict-log';

export interface ResultFile<T> {
  file: string;
  res: T;
  rec?: VerdictRecord;
}

/** The case key a result's name starts with: up to the variant's closing "]". */
function keyOf(name: string): string {
  const end = name.indexOf('] ');
  return end < 0 ? name : name.slice(0, end + 1);
}

/** Every readable `*-result.json` of `dir` (an unreadable one is skipped: another tool's, or half written). */
export function* resultFiles<T extends { name?: string }>(dir: string, records: Iterable<VerdictRecord>): Generator<ResultFile<T>> {
  const byKey = new Map<string, VerdictRecord>();
  for (const r of records) byKey.set(r.key, r);
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('-result.json')) continue;
    const file = path.join(dir, f);
    let res: T;
    try {
      res = JSON.parse(fs.readFileSync(file, 'utf8')) as T;
    } catch {
      continue;
    }
    yield { file, res, rec: res.name ? byKey.get(keyOf(res.name)) : undefined };
  }
}
