import { TestContext } from '../../../src/harness/context';
import { CaseStop } from '../../../src/harness/finding';
import type { HarnessTarget } from '../../../src/harness/target';
import type { Topology } from '../../../src/harness/topology';
import type { CaseDeclaration } from '../../../src/harness/types';
import { Tap } from '../../../src/sip/transport/tap';

/** A context for judging alone: no socket, no device (the checks below touch neither). */
function contextOf(requirements: CaseDeclaration['requirements']): TestContext {
  const testCase: CaseDeclaration = {
    id: 'TC-UNIT-01', title: 'unit', requirements,
    spec: { document: 'RFC 3261', clause: '15.1.2', sentence: 'a sentence long enough to quote' },
    variants: [{ transport: 'udp', topology: 'direct', devices: [1, 1] }],
  };
  return new TestContext(testCase, testCase.variants[0], {} as HarnessTarget, new Tap(), {} as Topology);
}

function stopOf(body: () => void): CaseStop {
  try {
    body();
  } catch (err) {
    if (err instanceof CaseStop) return err;
    throw err;
  }
  throw new Error('the check did not stop the case');
}

describe('a check names a requirement the case declares (docs/writing-cases.md §3)', () => {
  it('judges a declared requirement as before', () => {
    const t = contextOf(['LEAVE-ORIG', 'LEAVE-OK']);
    t.check('LEAVE-ORIG', true, { message: 'fine' });
    t.should('LEAVE-OK', false, { message: 'not quite' });
    expect([...t.evaluated]).toEqual(['LEAVE-ORIG', 'LEAVE-OK']);
    expect(t.findings.map((f) => [f.verdict, f.requirement])).toEqual([['non-strict', 'LEAVE-OK']]);
    expect(stopOf(() => t.check('LEAVE-OK', false, { message: 'wrong' })).finding).toMatchObject({ verdict: 'fail', requirement: 'LEAVE-OK' });
  });

  it('refuses a check on an undeclared requirement: verdict error naming the requirement and the case, no verdict for it', () => {
    const t = contextOf(['LEAVE-ORIG']);
    for (const judge of [
      () => t.check('LEAVE-TERM', true, { message: 'passes' }),
      () => t.should('LEAVE-TERM', true, { message: 'passes' }),
      () => t.fail('LEAVE-TERM', { message: 'fails' }),
      () => t.evaluatedAll('LEAVE-TERM'),
    ]) {
      const f = stopOf(judge).finding;
      expect(f.verdict).toBe('error');
      expect(f.requirement).toBeUndefined();
      expect(f.message).toMatch(/TC-UNIT-01 checks LEAVE-TERM, which it does not declare in its requirements \(LEAVE-ORIG\)/);
    }
    expect(t.evaluated.has('LEAVE-TERM')).toBe(false);
  });

  it('refuses an absence check on an undeclared requirement before waiting', async () => {
    const t = contextOf(['LEAVE-ORIG']);
    await expect(t.expectQuiet([], 'LEAVE-OK', 'nothing', 10_000)).rejects.toMatchObject({ finding: { verdict: 'error' } });
  });
});
