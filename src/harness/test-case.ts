/**
 * The test-case model (after h2spec and test262): every case declares what it checks, where the
 * spec says so, when it applies, and the topology it needs; its body drives devices and cores and
 * judges the SUT through a TestContext. The declaration's types are in types.ts.
 */
import type { TestContext } from './context';
import type { HarnessTarget } from './target';
import { variantLabel, type CaseDeclaration, type CaseVariant, type TopologyKind, type TransportName } from './types';

export { variantLabel, type CaseVariant, type SpecReference, type TopologyKind, type TransportName } from './types';

export interface TestCase extends CaseDeclaration {
  /** true when applicable, else the ICS-based reason it is not (verdict n/a, never a silent skip). */
  applies(target: HarnessTarget, variant: CaseVariant): true | string;
  run(t: TestContext): Promise<void>;
  /**
   * How long the case waits out a timer of the SUT in full (ms), e.g. Timer B's 64·T1 from the
   * IXIT: a run starts such cases first, so it is bounded by its longest case and not by where the
   * suite order put it (longest-processing-time-first scheduling). Absent: no wait worth ordering by.
   */
  waitsOutMs?(target: HarnessTarget): number;
}

/**
 * The order a run starts its variants in: the longest waits first, the rest in declaration order
 * (a stable sort; the verdicts do not depend on the order, each variant has its own users and
 * sockets). Measured (issue 14): in suite order TC-MLD-007-14's 6.5 s variants started 7 s into
 * a 14 s run and ended it.
 */
export function longestFirst<T>(items: readonly T[], waitOf: (item: T) => number): T[] {
  return items.map((item, i) => ({ item, i, w: waitOf(item) })).sort((a, b) => b.w - a.w || a.i - b.i).map((x) => x.item);
}

export function caseKey(c: Pick<TestCase, 'id'>, v: CaseVariant): string {
  return `${c.id} [${variantLabel(v)}]`;
}

/** Expand a list of transports × topologies into variants with the same device counts. */
export function variantsOf(transports: TransportName[], topologies: TopologyKind[], devices: number[]): CaseVariant[] {
  const out: CaseVariant[] = [];
  for (const topology of topologies) for (const transport of transports) out.push({ transport, topology, devices });
  return out;
}
