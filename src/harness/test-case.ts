/**
 * The test-case model (design §4, after h2spec and test262): every case declares what it checks,
 * where the spec says so, when it applies, and the topology it needs; its body drives devices and
 * cores and judges the SUT through a TestContext.
 */
import type { TestContext } from './context';
import type { HarnessTarget } from './target';

export type TopologyKind = 'direct' | 'core-emulation';
export type TransportName = 'udp' | 'tcp' | 'tls';

export interface SpecReference {
  document: string;
  clause: string;
  /** The normative sentence (or flow step) quoted verbatim from the spec. */
  sentence: string;
}

export interface CaseVariant {
  transport: TransportName;
  topology: TopologyKind;
  /** Device count per user, e.g. [1, 3] = user A with one device, user B with three. */
  devices: number[];
  /** PF mode of the built-in reference server the variant ran against (a run covers both); absent for a user's SUT. */
  pfMode?: 'proxy' | 'b2bua';
}

export interface TestCase {
  /** Base id, e.g. `TC-LEAVE-01`; a variant adds its parameters (`TC-LEAVE-01 [udp, core-emulation]`). */
  id: string;
  title: string;
  /** Catalogue IDs (src/harness/requirements.ts) the case judges. */
  requirements: string[];
  spec: SpecReference;
  /** Spec flow steps the case maps its Allure steps to, e.g. {'1': 'Client A sends ...'}. */
  steps?: Record<string, string>;
  /** Variants to run (the runner marks a variant n/a when the target cannot take it). */
  variants: CaseVariant[];
  /** true when applicable, else the ICS-based reason it is not (verdict n/a, never a silent skip). */
  applies(target: HarnessTarget, variant: CaseVariant): true | string;
  run(t: TestContext): Promise<void>;
}

export function variantLabel(v: CaseVariant): string {
  return `${v.transport}, ${v.topology}, devices ${v.devices.join('+')}${v.pfMode ? `, ${v.pfMode}` : ''}`;
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
