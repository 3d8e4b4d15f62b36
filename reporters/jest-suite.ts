/**
 * Turns a suite's cases into jest tests for `cpm-conformance run` (allure-jest environment).
 * The run configuration reaches the suites as the jest global `__CPM__`.
 */
import type { Suite } from '../suites/index';
import { caseKey, type CaseVariant, type TestCase } from '../src/harness/test-case';
import { notApplicable, runCase } from '../src/harness/runner';
import type { HarnessTarget } from '../src/harness/target';
import { applyStrict } from '../src/harness/verdict';
import { reportCase, findingText } from './allure-case';
import { appendVerdict, toRecord } from './verdict-log';

export interface RunGlobals {
  target: HarnessTarget;
  strict: boolean;
  verdictLog: string;
  grep?: string;
  requirement?: string;
  lossRate?: number;
}

declare const __CPM__: RunGlobals;

export function selected(c: TestCase, v: CaseVariant, g: Pick<RunGlobals, 'grep' | 'requirement'>): boolean {
  const key = caseKey(c, v);
  if (g.grep && !new RegExp(g.grep, 'i').test(`${key} ${c.title}`)) return false;
  if (g.requirement && !c.requirements.includes(g.requirement)) return false;
  return true;
}

export function defineSuite(suite: Suite): void {
  const g = __CPM__;
  describe(suite.feature, () => {
    for (const c of suite.cases) {
      for (const v of c.variants) {
        if (!selected(c, v, g)) continue;
        const na = notApplicable(c, v, g.target);
        if (na) {
          // n/a → Allure skipped, with the ICS reason in its name and in the verdict log (design §4).
          appendVerdict(g.verdictLog, {
            key: caseKey(c, v), id: c.id, title: c.title, feature: suite.feature, variant: v, verdict: 'n/a',
            reason: { message: `not applicable: ${na}` }, requirements: c.requirements, requirementVerdicts: {}, durationMs: 0, sutAgents: [],
          });
          test.skip(`${caseKey(c, v)} ${c.title} — n/a: ${na}`, () => undefined);
          continue;
        }
        test(`${caseKey(c, v)} ${c.title}`, async () => {
          const r = await runCase(c, v, g.target, { lossRate: g.lossRate });
          const verdict = applyStrict(r.verdict, g.strict);
          appendVerdict(g.verdictLog, { ...toRecord(r, suite.feature), verdict });
          await reportCase(r, suite.feature, g.target);
          const text = r.reason ? findingText(r.reason) : '';
          if (verdict === 'fail') {
            // An assertion failure → Allure "failed" (SUT non-conformance).
            expect(`FAIL ${text}`).toBe('PASS');
          } else if (verdict === 'inconclusive') {
            throw new Error(`Inconclusive: ${text}`);
          } else if (verdict === 'error') {
            throw new Error(`Harness error: ${text}`);
          }
          // pass and non-strict (labelled `non-strict`) end as passed tests.
        });
      }
    }
  });
}
