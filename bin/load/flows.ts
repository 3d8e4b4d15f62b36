/**
 * The flows `cpm-conformance load` drives (docs/load.md): each is a set of suite cases of one
 * device shape, run in turn, so every flow is judged by exactly the checks `run` applies to that
 * case. The reference server serves a transfer flow only in the PF mode the case needs (the CS in
 * the media path is the B2BUA; not in it, the proxy).
 */
import type { TestCase } from '../../src/harness/test-case';
import { allCases } from '../../suites/index';

export const FLOW_NAMES = ['leave', 'mld', 'transfer-mp', 'transfer-nmp'] as const;
export type FlowName = (typeof FLOW_NAMES)[number];

export interface FlowDefinition {
  name: FlowName;
  what: string;
  caseIds: string[];
  /** Devices per user of one flow; `k` is --devices (mld only). */
  devices(k: number | undefined): number[];
  /** The reference PF mode the flow needs, when only one serves it. */
  referenceMode?: 'proxy' | 'b2bua';
  /** Whether --devices applies. */
  takesDevices: boolean;
}

export const DEFAULT_MLD_DEVICES = 3;

export const FLOWS: Record<FlowName, FlowDefinition> = {
  leave: {
    name: 'leave', what: 'a 1-1 session set up and closed by either side (C.2.3.1)', caseIds: ['TC-LEAVE-01', 'TC-LEAVE-02'],
    devices: () => [1, 1], takesDevices: false,
  },
  mld: {
    name: 'mld', what: 'an invitation forked to every device of a user, then accepted on one (the others cancelled with the Reason) or cancelled by the caller (CPM-MLD-007)',
    caseIds: ['TC-MLD-007-01', 'TC-MLD-007-03', 'TC-MLD-007-09'], devices: (k) => [1, k ?? DEFAULT_MLD_DEVICES], takesDevices: true,
  },
  'transfer-mp': {
    name: 'transfer-mp', what: 'a local transfer with the CS in the media path (5.2.5.1.1)', caseIds: ['TC-TRF-MP-01'],
    devices: () => [2, 1], referenceMode: 'b2bua', takesDevices: false,
  },
  'transfer-nmp': {
    name: 'transfer-nmp', what: 'a local transfer with the CS not in the media path (5.2.5.1.2)', caseIds: ['TC-TRF-NMP-01'],
    devices: () => [2, 1], referenceMode: 'proxy', takesDevices: false,
  },
};

export function flowCases(def: FlowDefinition): TestCase[] {
  const all = allCases();
  return def.caseIds.map((id) => {
    const c = all.find((x) => x.id === id);
    if (!c) throw new Error(`the suites have no case ${id} (flow ${def.name})`);
    return c;
  });
}
