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
