/** Every conformance suite, in report order. */
import type { TestCase } from '../src/harness/test-case';
import { FEATURES } from '../src/harness/requirements';
import { sessionLeavingCases } from './session-leaving/cases';
import { multiDeviceCases } from './multi-device/cases';
import { csInMediaPathCases } from './session-transfer/cs-in-media-path/cases';
import { csNotInMediaPathCases } from './session-transfer/cs-not-in-media-path/cases';
import { remotePullCases } from './session-transfer/remote-pull/cases';

export interface Suite {
  /** Folder name and Allure feature. */
  name: string;
  feature: string;
  cases: TestCase[];
}

export const SUITES: Suite[] = [
  { name: 'session-leaving', feature: FEATURES.leaving, cases: sessionLeavingCases },
  { name: 'multi-device', feature: FEATURES.multiDevice, cases: multiDeviceCases },
  { name: 'session-transfer/cs-in-media-path', feature: FEATURES.transferMediaPath, cases: csInMediaPathCases },
  { name: 'session-transfer/cs-not-in-media-path', feature: FEATURES.transferNoMediaPath, cases: csNotInMediaPathCases },
  { name: 'session-transfer/remote-pull', feature: FEATURES.transferNoMediaPath, cases: remotePullCases },
];

export function allCases(): TestCase[] {
  return SUITES.flatMap((s) => s.cases);
}
