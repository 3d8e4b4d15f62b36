/**
 * The execution driver of `cpm-conformance run`: turns every suite's cases into jest tests, one test
 * file per target of the run (target-N.test.ts), all of a file's variants started at once and
 * bounded by a concurrency limit, each test then reporting its own result in declaration order.
 * The run configuration reaches it as the jest global `__CPM__` (bin/run-suites.ts).
 */
import * as path from 'node:path';
import { SUITES, type Suite } from './index';
import { caseKey, longestFirst, type CaseVariant, type TestCase } from '../src/harness/test-case';
import { notApplicable, type runCase } from '../src/harness/runner';
import { runScheduled } from '../src/harness/schedule';
import { UserPool } from '../src/harness/user-pool';
import { AdaptiveLimit } from '../src/harness/adaptive-limit';
import type { HarnessTarget } from '../src/harness/target';
import { applyStrict } from '../src/harness/verdict';
import { reportCase, renderEarly, findingText } from '../reporters/allure-case';
import type { CaseArtifacts } from '../reporters/case-artifacts';
import { entryText } from '../reporters/sip-text';
import { appendVerdict, toRecord } from '../reporters/verdict-log';
import { inShard, type Shard } from '../reporters/shard';

export interface RunGlobals {
  /**
   * What the suites run against, one test file each: the user's SUT, or the built-in reference
   * server in each PF mode (both modes' servers run at once, each case variant has its own users).
   */
  targets: HarnessTarget[];
  strict: boolean;
  verdictLog: string;
  grep?: string;
  requirement?: string;
  lossRate?: number;
  /** At most this many case variants at once per target (`run --concurrency N`); default: REFERENCE_CONCURRENCY per reference PF mode, a target's user pool. */
  concurrency?: number;
  /** Only this deterministic slice of the variants (`run --shard i/n`, ./shard.ts). */
  shard?: Shard;
}

declare const __CPM__: RunGlobals;

export function selected(c: TestCase, v: CaseVariant, g: Pick<RunGlobals, 'grep' | 'requirement' | 'shard'>): boolean {
  const key = caseKey(c, v);
  if (!inShard(key, g.shard)) return false;
  if (g.grep && !new RegExp(g.grep, 'i').test(`${key} ${c.title}`)) return false;
  if (g.requirement && !c.requirements.some((id) => id === g.requirement)) return false;
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

/**
 * Cases against the built-in reference run concurrently: each has its own users, sockets and
 * Call-IDs (the runner generates users per case). Per target file, so a default run has twice this
 * many at once, one set per worker thread.
 * Why at most 32 (issue 14, measured on 2 cores; docs/architecture.md, item 2; fewer while the machine is
 * busy, startGate): a case spends most of its time waiting
 * (quiet periods, timers of the SUT), so at 10 the run was bound by the sum of case times over 20
 * slots (~175 s / 20); at 30–50 it is bound by CPU; from 80 the event loop lagged 250 ms and, at
 * 200, 30 variants ended inconclusive: far from that cliff, not at it.
 */
const REFERENCE_CONCURRENCY = 32;
/** Where the adaptive limit stops backing off: the run then still overlaps its cases' waits. */
const REFERENCE_MIN_CONCURRENCY = 4;

/**
 * Against a user's SUT, cases run at once as far as the target's user pool allows (no two share a
 * user, src/harness/user-pool.ts), or at most `--concurrency N`.
 */
function concurrencyFor(g: RunGlobals, target: HarnessTarget): number {
  if (g.concurrency !== undefined) return g.concurrency;
  return target.isReference ? REFERENCE_CONCURRENCY : Number.MAX_SAFE_INTEGER;
}

/**
 * The file's start gate: against the reference with the default concurrency, an AdaptiveLimit that
 * backs off when this thread's timers run late (src/harness/adaptive-limit.ts says why); a number the
 * user gave (`--concurrency`) or a SUT's user pool is kept as given.
 */
function startGate(g: RunGlobals, target: HarnessTarget): <T>(job: () => Promise<T>) => Promise<T> {
  const fixed = g.concurrency !== undefined || !target.isReference;
  const n = concurrencyFor(g, target);
  // A fixed gate is the same limit with no lag measured: min = max, nothing to adjust.
  const gate = fixed ? new AdaptiveLimit({ max: n, min: n, lag: () => () => undefined }) : new AdaptiveLimit({ max: n, min: REFERENCE_MIN_CONCURRENCY });
  return (job) => gate.run(job);
}

/**
 * Every suite against the run's target number `index`. All the file's variants start when it
 * starts (a run is bounded by its longest case, not by suite after suite); their tests then
 * report, in order.
 */
export function defineTargetRun(index: number): void {
  const g = __CPM__;
  const target = g.targets[index];
  if (!target) throw new Error(`this run has ${g.targets.length} target(s); there is no target #${index + 1} to run the suites against`);
  const limit = startGate(g, target);
  const pool = target.isReference ? undefined : new UserPool(target.users);
  const pending: PendingStart[] = [];
  beforeAll(() => {
    for (const p of longestFirst(pending, (x) => x.waitMs)) p.start();
  });
  for (const suite of SUITES) defineSuite(suite, target, g, { limit, pool, pending });
}

interface PendingStart {
  start: () => void;
  waitMs: number;
}

interface FileScope {
  limit: ReturnType<typeof startGate>;
  pool?: UserPool;
  /** Starts of the file's variants, run by its beforeAll (the longest waits first). */
  pending: PendingStart[];
}

function defineSuite(suite: Suite, target: HarnessTarget, g: RunGlobals, { limit, pool, pending }: FileScope): void {
  const resultsDir = path.dirname(g.verdictLog);
  describe(suite.feature, () => {
    for (const c of suite.cases) {
      // Against the built-in reference the PF mode is part of the variant: a default run covers both modes.
      for (const v of c.variants.map((x) => (target.isReference ? { ...x, pfMode: target.pfMode } : x))) {
        if (!selected(c, v, g)) continue;
        const na = notApplicable(c, v, target);
        if (na) {
          // n/a → Allure skipped, with the ICS reason in its name and in the verdict log.
          appendVerdict(g.verdictLog, {
            key: caseKey(c, v), id: c.id, title: c.title, feature: suite.feature, variant: v, verdict: 'n/a',
            reason: { message: `not applicable: ${na}` }, requirements: c.requirements, requirementVerdicts: {}, durationMs: 0, sutAgents: [],
          });
          test.skip(`${caseKey(c, v)} ${c.title} — n/a: ${na}`, () => undefined);
          continue;
        }
        let result: Promise<Awaited<ReturnType<typeof runCase>>> | undefined;
        let rendered: Promise<CaseArtifacts> | undefined;
        pending.push({
          start: () => {
            result = limit(() => runScheduled(c, v, target, pool, { lossRate: g.lossRate }));
            // Its evidence is rendered as soon as it ends, not when its test's turn comes (renderEarly says why).
            result.then((r) => {
              rendered = renderEarly(r, target, resultsDir);
            }, () => undefined); // awaited by the test; never an unhandled rejection meanwhile
          },
          waitMs: c.waitsOutMs?.(target) ?? 0,
        });
        test(`${caseKey(c, v)} ${c.title}`, async () => {
          // Started by its pending job: the file's beforeAll runs every one before the first test.
          if (!result) throw new Error(`${caseKey(c, v)} was never started`);
          const r = await result;
          const early = rendered;
          // The evidence (every traced message, parsed) is the file's largest live data; held until
          // the file ends it made every major GC mark it again (issue 14). Once reported, let it go.
          result = undefined;
          rendered = undefined;
          const verdict = applyStrict(r.verdict, g.strict);
          let art: CaseArtifacts | undefined;
          try {
            art = await reportCase(r, suite.feature, target, { resultsDir, rendered: early });
          } finally {
            // Recorded even if the report could not be written: the verdict is the SUT's, not the report's.
            appendVerdict(g.verdictLog, { ...toRecord(r, suite.feature), verdict, artifacts: art?.files && { ladder: art.files.ladder, exchange: art.files.exchange, pcap: art.files.pcap }, pcapMessages: art?.pcapMessages, traceMessages: r.trace.length });
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
