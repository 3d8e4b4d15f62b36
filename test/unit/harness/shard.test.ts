/** `run --shard i/n` (issue 14): every variant of the catalogue falls in exactly one slice, the slices are balanced and the same on every call. */
import { catalogueOrdinals, inCatalogueOrder, inShard, parseShard } from '../../../reporters/shard';

test('--shard is i/n with 1 ≤ i ≤ n', () => {
  expect(parseShard('2/3')).toEqual({ index: 2, total: 3 });
  expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, total: 1 });
  for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0', '-1/2']) expect(parseShard(bad)).toMatch(/--shard must be i\/n/);
});

test.each([2, 3, 7])('%i shards partition every variant (both PF modes and none) into balanced slices', (n) => {
  const keys = [...catalogueOrdinals().keys()];
  const counts = new Array<number>(n).fill(0);
  for (const k of keys) {
    const owners = Array.from({ length: n }, (_, i) => i).filter((i) => inShard(k, { index: i + 1, total: n }));
    expect({ k, owners: owners.length }).toEqual({ k, owners: 1 });
    counts[owners[0]]++;
  }
  expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(3); // one family per PF mode (and none), each dealt round-robin
});

test('records sort into catalogue order whatever order they finished in; unknown keys last', () => {
  const keys = [...catalogueOrdinals().keys()].slice(0, 5);
  const shuffled = [{ key: 'zzz unknown' }, ...[...keys].reverse().map((key) => ({ key }))];
  expect(inCatalogueOrder(shuffled).map((r) => r.key)).toEqual([...keys, 'zzz unknown']);
});
