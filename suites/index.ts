/** Every conformance suite, in report order. */
import type { TestCase } from '../src/harness/test-case';
import { sessionLeavingCases } from './session-leaving/cases';

export interface Suite {
  /** Folder name and Allure feature. */
  name: string;
  feature: string;
  cases: TestCase[];
}

export const SUITES: Suite[] = [
  { name: 'session-leaving', feature: 'Closing a 1-1 CPM session (C.2.3.1)', cases: sessionLeavingCases },
];

export function allCases(): TestCase[] {
  return SUITES.flatMap((s) => s.cases);
}
