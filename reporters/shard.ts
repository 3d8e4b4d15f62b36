/**
 * Sharding a run across CI jobs (issue 14), the way jest and Playwright do it: `run --shard i/n`
 * runs the i-th of n deterministic slices of the case variants, and `report --results DIR1 DIR2 …`
 * merges the slices (reporters/merge-results.ts). The slices are dealt round-robin over the
 * catalogue order (suites, cases, variants; both reference PF modes, proxy first), so each holds
 * every n-th variant: balanced in count and in mix, the same on every machine, and together exactly
 * the unsharded run.
 */
import { allCases } from '../suites/index';
import { caseKey } from '../src/harness/test-case';

export interface Shard {
  /** 1-based. */
  index: number;
  total: number;
}

/** "2/3" → { index: 2, total: 3 }; a message for anything else. */
export function parseShard(text: string): Shard | string {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const total = m ? Number(m[2]) : NaN;
  if (!m || !(total >= 1 && index >= 1 && index <= total && total <= 1000)) return `--shard must be i/n with 1 ≤ i ≤ n (e.g. --shard 2/3), got "${text}"`;
  return { index, total };
}

let ordinals: Map<string, number> | undefined;

/**
 * Position of every variant key in catalogue order. Keys without a PF mode (a user's target) and
 * with one (the reference, proxy then b2bua) are separate families, each numbered from 0.
 */
export function catalogueOrdinals(): Map<string, number> {
  if (ordinals) return ordinals;
  const m = new Map<string, number>();
  const cases = allCases();
  let withoutMode = 0;
  for (const c of cases) for (const v of c.variants) m.set(caseKey(c, v), withoutMode++);
  let withMode = 0;
  for (const pfMode of ['proxy', 'b2bua'] as const) for (const c of cases) for (const v of c.variants) m.set(caseKey(c, { ...v, pfMode }), withMode++);
  ordinals = m;
  return m;
}

/** Is this variant key in the shard? A key the catalogue does not know goes to shard 1 (never lost, never twice). */
export function inShard(key: string, shard: Shard | undefined): boolean {
  if (!shard || shard.total === 1) return true;
  const n = catalogueOrdinals().get(key);
  return (n === undefined ? 0 : n % shard.total) === shard.index - 1;
}

/** Records in catalogue order (then by key): a merged run and an unsharded one list them alike. */
export function inCatalogueOrder<T extends { key: string }>(records: readonly T[]): T[] {
  const o = catalogueOrdinals();
  const rank = (k: string) => o.get(k) ?? Number.MAX_SAFE_INTEGER;
  return [...records].sort((a, b) => rank(a.key) - rank(b.key) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
