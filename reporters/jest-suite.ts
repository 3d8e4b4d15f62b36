/**
 * Turns a suite's cases into jest tests for `cpm-conformance run` (allure-jest environment).
 * The run configuration reaches the suites as the jest global `__CPM__`.
 */
import * as path from 'node:path';
import type { Suite } from '../suites/index';
import { caseKey, type CaseVariant, type TestCase } from '../src/harness/test-case';
import { notApplicable, type runCase } from '../src/harness/runner';
import { runScheduled } from '../src/harness/schedule';
import { UserPool } from '../src/harness/user-pool';
import type { HarnessTarget } from '../src/harness/target';
import { applyStrict } from '../src/harness/verdict';
import { reportCase, findingText } from './allure-case';
import type { CaseArtifacts } from './case-artifacts';
import { entryText } from './sip-text';
import { appendVerdict, toRecord } from './verdict-log';
import { inShard, type Shard } from './shard';

export interface RunGlobals {
  target: HarnessTarget;
  strict: boolean;
  verdictLog: string;
  grep?: string;
  requirement?: string;
  lossRate?: number;
  /** At most this many case variants at once (`run --concurrency N`); default: the reference 6, a target's user pool. */
  concurrency?: number;
  /** Only this deterministic slice of the variants (`run --shard i/n`, ./shard.ts). */
  shard?: Shard;
}

declare const __CPM__: RunGlobals;

export function selected(c: TestCase, v: CaseVariant, g: Pick<RunGlobals, 'grep' | 'requirement' | 'shard'>): boolean {
  const key = caseKey(c, v);
  if (!inShard(key, g.shard)) return false;
  if (g.grep && !new RegExp(g.grep, 'i').test(`${key} ${c.title}`)) return false;
  if (g.requirement && !c.requirements.includes(g.requirement)) return false;
  return true;
}

/**
 * A SHALL/MUST not met. Its name marks it as an assertion (allure-js-commons maps it to
 * "failed", not "broken"); expected/actual give Allure's diff view the template and the message.
 */
export class ConformanceAssertionError extends Error {
  constructor(text: string, readonly expected?: string, readonly actual?: string) {
    super(text.startsWith('FAIL') ? text : `FAIL ${text}`);
    this.name = 'ConformanceAssertionError';
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** Start jobs with at most `n` running at once; each job's promise settles with its own result. */
function limiter(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: Array<() => void> = [];
  const next = () => {
    if (running >= n) return;
    const go = queue.shift();
    if (go) go();
  };
  return (job) => new Promise((resolve, reject) => {
    queue.push(() => {
      running++;
      job().then(resolve, reject).finally(() => {
        running--;
        next();
      });
    });
    next();
  });
}

/**
 * Cases against the built-in reference run concurrently: each has its own users, sockets and
 * Call-IDs (the runner generates users per case). Against a user's SUT they run one at a time,
 * because they draw on the one pool of users the target config provisions.
 */
const REFERENCE_CONCURRENCY = 6;

/**
 * Against a user's SUT, cases run at once as far as the target's user pool allows (no two share a
 * user, src/harness/user-pool.ts), or at most `--concurrency N`.
 */
function concurrencyFor(g: RunGlobals): number {
  if (g.concurrency !== undefined) return g.concurrency;
  return g.target.isReference ? REFERENCE_CONCURRENCY : Number.MAX_SAFE_INTEGER;
}

export function defineSuite(suite: Suite): void {
  const g = __CPM__;
  const limit = limiter(concurrencyFor(g));
  const pool = g.target.isReference ? undefined : new UserPool(g.target.users);
  const pending: Array<() => void> = [];
  describe(suite.feature, () => {
    // All variants start when the suite starts; each test then reports its own result, in order.
    beforeAll(() => {
      for (const start of pending) start();
    });
    for (const c of suite.cases) {
      // Against the built-in reference the PF mode is part of the variant: a default run covers both modes.
      for (const v of c.variants.map((x) => (g.target.isReference ? { ...x, pfMode: g.target.pfMode } : x))) {
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
        let result: Promise<Awaited<ReturnType<typeof runCase>>> | undefined;
        pending.push(() => {
          result = limit(() => runScheduled(c, v, g.target, pool, { lossRate: g.lossRate }));
          result.catch(() => undefined); // awaited by the test; never an unhandled rejection meanwhile
        });
        test(`${caseKey(c, v)} ${c.title}`, async () => {
          const r = await result!;
          const verdict = applyStrict(r.verdict, g.strict);
          let art: CaseArtifacts | undefined;
          try {
            art = await reportCase(r, suite.feature, g.target, { resultsDir: path.dirname(g.verdictLog) });
          } finally {
            // Recorded even if the report could not be written: the verdict is the SUT's, not the report's.
            appendVerdict(g.verdictLog, { ...toRecord(r, suite.feature), verdict, artifacts: art?.files, pcapMessages: art?.pcapMessages, traceMessages: r.trace.length });
          }
          const text = r.reason ? findingText(r.reason) : '';
          if (verdict === 'fail') {
            // An assertion failure → Allure "failed" (SUT non-conformance), expected template vs actual message.
            throw new ConformanceAssertionError(text, r.reason?.expected, r.reason?.actual ? entryText(r.reason.actual) : r.reason?.actualText);
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
