/**
 * The harness's shared vocabulary, in one module that imports nothing else of the harness, so the
 * modules that build on it (the target, the test-case model, the context a case runs in, the
 * topology, the runner) never import each other in a circle (the catalogue it names requirements
 * from imports nothing): what a case variant is (transport ×
 * topology × devices per user), what a case declares besides its body, and what one received
 * message or stream may make the harness hold.
 */
import type { ParseLimits } from '../sip/codec/limits';
import type { StreamLimits } from '../sip/transport/limits';
import type { RequirementId } from './requirements';

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

/** What a case declares about itself: everything of a TestCase but its applicability and its body. */
export interface CaseDeclaration {
  /** Base id, e.g. `TC-LEAVE-01`; a variant adds its parameters (`TC-LEAVE-01 [udp, core-emulation]`). */
  id: string;
  title: string;
  /** Catalogue IDs (src/harness/requirements.ts) the case judges: every check of the case names one of them. */
  requirements: RequirementId[];
  spec: SpecReference;
  /** Spec flow steps the case maps its Allure steps to, e.g. {'1': 'Client A sends ...'}. */
  steps?: Record<string, string>;
  /** Variants to run (the runner marks a variant n/a when the target cannot take it). */
  variants: CaseVariant[];
}

/** What one received message / stream may make the harness hold (defaults far above real traffic). */
export interface HarnessLimits {
  parse?: Partial<ParseLimits>;
  stream?: Partial<StreamLimits>;
}

export function variantLabel(v: CaseVariant): string {
  return `${v.transport}, ${v.topology}, devices ${v.devices.join('+')}${v.pfMode ? `, ${v.pfMode}` : ''}`;
}
