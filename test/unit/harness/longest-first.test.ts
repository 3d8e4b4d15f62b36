/**
 * The order a run starts its variants in (src/harness/test-case.ts longestFirst, issue 14): the
 * cases that wait out a SUT timer first, so the run is bounded by its longest case.
 */
import { longestFirst } from '../../../src/harness/test-case';
import { allCases } from '../../../suites/index';
import { REFERENCE_IXIT } from '../../../bin/targets';
import type { HarnessTarget } from '../../../src/harness/target';

describe('longestFirst', () => {
  it('puts the longest waits first and keeps declaration order among equals', () => {
    const items = [{ n: 'a', w: 0 }, { n: 'b', w: 6400 }, { n: 'c', w: 0 }, { n: 'd', w: 100 }, { n: 'e', w: 6400 }];
    expect(longestFirst(items, (x) => x.w).map((x) => x.n)).toEqual(['b', 'e', 'd', 'a', 'c']);
    expect(items.map((x) => x.n)).toEqual(['a', 'b', 'c', 'd', 'e']); // not sorted in place
  });

  it('starts TC-MLD-007-14 (the SUT\'s Timer B from the IXIT) before every other case of a run', () => {
    const target = { ixit: { ...REFERENCE_IXIT } } as unknown as HarnessTarget;
    const cases = allCases();
    const order = longestFirst(cases, (c) => c.waitsOutMs?.(target) ?? 0);
    expect(order[0].id).toBe('TC-MLD-007-14');
    expect(order[0].waitsOutMs?.(target)).toBe(REFERENCE_IXIT.timers.b);
    // Without ixit.timers.b it is RFC 3261's 64·T1 (§17.1.1.2).
    const rfc = { ixit: { ...REFERENCE_IXIT, timers: { t1: 100, t2: 800, t4: 1000 } } } as unknown as HarnessTarget;
    expect(order[0].waitsOutMs?.(rfc)).toBe(6400);
    // The rest keep the suite order: only declared waits reorder a run.
    expect(order.slice(1).map((c) => c.id)).toEqual(cases.filter((c) => c.id !== 'TC-MLD-007-14').map((c) => c.id));
  });
});
