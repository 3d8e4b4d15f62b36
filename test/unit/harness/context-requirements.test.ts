import { TestContext } from '../../../src/harness/context';
import { CaseStop } from '../../../src/harness/finding';
import type { HarnessTarget } from '../../../src/harness/target';
import type { Topology } from '../../../src/harness/topology';
import type { CaseDeclaration } from '../../../src/harness/types';
import type { SipMessage } from '../../../src/sip/message';
import type { Flow } from '../../../src/sip/transport/address';
import { Tap } from '../../../src/sip/transport/tap';

/** A context for judging alone: no socket, no device (the checks below touch neither). */
function contextOf(requirements: CaseDeclaration['requirements'], tap = new Tap()): TestContext {
  const testCase: CaseDeclaration = {
    id: 'TC-UNIT-01', title: 'unit', requirements,
    spec: { document: 'RFC 3261', clause: '15.1.2', sentence: 'a sentence long enough to quote' },
    variants: [{ transport: 'udp', topology: 'direct', devices: [1, 1] }],
  };
  return new TestContext(testCase, testCase.variants[0], {} as HarnessTarget, tap, {} as Topology);
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
    const t: TestContext = contextOf(['LEAVE-ORIG', 'LEAVE-OK']);
    t.check('LEAVE-ORIG', true, { message: 'fine' });
    t.should('LEAVE-OK', false, { message: 'not quite' });
    expect([...t.evaluated]).toEqual(['LEAVE-ORIG', 'LEAVE-OK']);
    expect(t.findings.map((f) => [f.verdict, f.requirement])).toEqual([['non-strict', 'LEAVE-OK']]);
    expect(stopOf(() => t.check('LEAVE-OK', false, { message: 'wrong' })).finding).toMatchObject({ verdict: 'fail', requirement: 'LEAVE-OK' });
  });

  it('refuses a check on an undeclared requirement: verdict error naming the requirement and the case, no verdict for it', () => {
    const t: TestContext = contextOf(['LEAVE-ORIG']);
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
    const t: TestContext = contextOf(['LEAVE-ORIG']);
    await expect(t.expectQuiet([], 'LEAVE-OK', 'nothing', 10_000)).rejects.toMatchObject({ finding: { verdict: 'error' } });
  });
});

describe('an unexpected request is blamed on the step it arrived in (docs/writing-cases.md §3)', () => {
  /** A request as a device holds it: the traced object, so the context finds its trace entry. */
  function arrive(t: TestContext, tap: Tap): SipMessage {
    const message = { kind: 'request', method: 'MESSAGE', uri: 'sip:b@example.com', version: 'SIP/2.0', headers: [], body: Buffer.alloc(0) } as unknown as SipMessage;
    tap.record({ at: 0n, wallMs: 0, direction: 'received', flow: {} as Flow, raw: Buffer.alloc(0), message, owner: 'B1' });
    return message;
  }

  it('names the running step and its requirement, an enclosing step\'s, the last step\'s after the flow, or none', async () => {
    const tap = new Tap();
    const t: TestContext = contextOf(['LEAVE-ORIG', 'LEAVE-TERM', 'LEAVE-OK'], tap);
    const during: Record<string, ReturnType<TestContext['stepOfArrival']>> = {};
    const early = arrive(t, tap);
    await t.step('1', 'first', 'LEAVE-ORIG', async () => { during.one = t.stepOfArrival(arrive(t, tap)); });
    await t.step('5-7', 'outer', 'LEAVE-TERM', async () => {
      await t.step('6', 'inner', async () => { during.inner = t.stepOfArrival(arrive(t, tap)); });
    });
    await t.step('quiet', 'no requirement', async () => { during.quiet = t.stepOfArrival(arrive(t, tap)); });
    const between = arrive(t, tap);
    await t.step('9-14', 'last', 'LEAVE-OK', async () => undefined);
    const late = arrive(t, tap);
    const named = (x: ReturnType<TestContext['stepOfArrival']>) => [x.step?.id, x.requirement];
    expect(named(during.one)).toEqual(['1', 'LEAVE-ORIG']);
    expect(named(during.inner)).toEqual(['6', 'LEAVE-TERM']);
    expect(named(during.quiet)).toEqual(['quiet', undefined]);
    expect(named(t.stepOfArrival(between))).toEqual(['quiet', undefined]);
    expect(named(t.stepOfArrival(late))).toEqual(['9-14', 'LEAVE-OK']);
    expect(named(t.stepOfArrival(early))).toEqual([undefined, undefined]);
    // Naming a step's requirement judges nothing: only checks make a requirement evaluated.
    expect(t.evaluated.size).toBe(0);
  });

  it('refuses a step naming a requirement the case does not declare', async () => {
    const t: TestContext = contextOf(['LEAVE-ORIG']);
    await expect(t.step('6', 'inner', 'LEAVE-TERM', async () => undefined)).rejects.toMatchObject({ finding: { verdict: 'error' } });
  });
});

describe('t.require: the evidence a requirement needs, narrowed, or a FAIL (docs/writing-cases.md §3)', () => {
  it('returns a present value (0 and empty text are present) and stops with fail, as t.check, on null or undefined', () => {
    const t: TestContext = contextOf(['LEAVE-TERM']);
    const got: { n: number } | null = { n: 1 };
    expect(t.require(got, 'LEAVE-TERM', { message: 'no BYE' }).n).toBe(1);
    expect(t.require(0, 'LEAVE-TERM', { message: 'zero' })).toBe(0);
    expect(t.require('', 'LEAVE-TERM', { message: 'empty' })).toBe('');
    for (const absent of [null, undefined]) {
      const f = stopOf(() => t.require(absent, 'LEAVE-TERM', { message: 'the leaving request did not reach B1', expected: 'BYE at B1' })).finding;
      expect(f).toMatchObject({ verdict: 'fail', requirement: 'LEAVE-TERM', message: 'the leaving request did not reach B1', expected: 'BYE at B1' });
    }
    expect(t.findings.map((f) => f.verdict)).toEqual(['fail', 'fail']);
  });
});

describe('t.expect: one template decides and is the expected side (docs/writing-cases.md, templates first)', () => {
  const ok: SipMessage = { kind: 'response', version: 'SIP/2.0', status: 200, reason: 'OK', headers: [{ name: 'CSeq', value: '4 BYE' }], body: Buffer.alloc(0) };
  const tpl = { status: 200, headers: { CSeq: '3 BYE' } };

  it('a SHALL miss stops the case naming each field, with the rendered template as expected and its fields highlighted', () => {
    const t: TestContext = contextOf(['LEAVE-OK']);
    const f = stopOf(() => t.expect('LEAVE-OK', ok, tpl, 'the OK does not match its leaving request')).finding;
    expect(f).toMatchObject({ verdict: 'fail', requirement: 'LEAVE-OK', message: 'the OK does not match its leaving request: CSeq: expected 3 BYE, got 4 BYE', expected: 'SIP/2.0 200\nCSeq: 3 BYE', fields: ['CSeq'] });
  });

  it('a SHOULD miss is non-strict and the case goes on; a match records nothing', () => {
    const t: TestContext = contextOf(['RFC3326-REASON']);
    t.expect('RFC3326-REASON', ok, tpl, 'recommended', 'should');
    t.expect('RFC3326-REASON', ok, { status: 200, headers: { CSeq: '4 BYE' } }, 'matches');
    expect(t.findings.map((f) => [f.verdict, f.expected])).toEqual([['non-strict', 'SIP/2.0 200\nCSeq: 3 BYE']]);
    expect(t.evaluated.has('RFC3326-REASON')).toBe(true);
  });

  it('refuses an undeclared requirement like every check', () => {
    const t: TestContext = contextOf(['LEAVE-ORIG']);
    expect(stopOf(() => t.expect('LEAVE-OK', ok, tpl, 'x')).finding.verdict).toBe('error');
  });
});
