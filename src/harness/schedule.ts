/**
 * Runs one case variant the way a run does: with users leased from the target's pool (so cases
 * running at once never share a user, src/harness/user-pool.ts), watching for Ctrl-C
 * (src/harness/interrupt.ts), and always releasing its users after its cleanup.
 */
import { runCase, type CaseResult, type RunCaseOptions } from './runner';
import { caseEnded, caseStarted } from './interrupt';
import type { HarnessTarget } from './target';
import type { CaseVariant, TestCase } from './test-case';
import type { UserPool } from './user-pool';

export async function runScheduled(testCase: TestCase, variant: CaseVariant, target: HarnessTarget, pool: UserPool | undefined, opts: RunCaseOptions = {}): Promise<CaseResult> {
  const lease = pool && !target.isReference && pool.unfit(variant.devices) === null ? await pool.lease(variant.devices) : undefined;
  const signal = caseStarted();
  try {
    return await runCase(testCase, variant, target, { ...opts, users: lease?.users ?? opts.users, signal });
  } finally {
    caseEnded();
    lease?.release();
  }
}
