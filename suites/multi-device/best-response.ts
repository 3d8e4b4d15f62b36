/**
 * TC-MLD-007-11..14: the CPM Session Invitation forked to a user's devices ends without any
 * acceptance, and the caller gets one final response, the "best" (RFC 3261 §16.7 step 6): a 6xx if
 * any device sent one (MUST), else one of the lowest class (SHOULD), and never a lone 503 as such
 * (SHOULD: a 500). A 6xx (e.g. 600 Busy Everywhere) also cancels the devices still ringing (§16.7
 * step 5, SHOULD). The B2BUA answers the caller's leg as a UAS, by the same rules (b2bua-fork.ts).
 * Found by mutation testing of the reference's proxy-fork.ts (docs/mutation.md): no case ended a
 * forked invitation with declines only, so the choice of the final was never judged.
 */
import type { SipResponse } from '../../src/sip/message';
import type { TestCase } from '../../src/harness/test-case';
import type { TestContext } from '../../src/harness/context';
import { finalWithin } from '../../src/harness/session';
import { labelOf } from '../../src/harness/template';
import { cancelAt, type Branch, type ForkedCall } from './forking-flow';
import type { HarnessTarget } from '../../src/harness/target';
import { applies, ringAll, sleep, spec, variants } from './common';
import { RFC3261_16_7_6XX, RFC3261_16_7_BEST } from './spec';

/** A device declines; waits for the SUT's ACK of it (§17.1.1.3), so the SUT has the decline before the next one. */
async function decline(t: TestContext, br: Branch, status: number): Promise<void> {
  await br.device.answer(br.tx, status);
  const cid = br.tx.request.headers.find((h) => /^(call-id|i)$/i.test(h.name))?.value;
  await t.trace.waitFor({ owner: br.device.name, direction: 'received', template: { method: 'ACK', headers: cid ? { 'Call-ID': cid } : {} } }, t.timeoutMs);
}

/** The caller's INVITE ends with a final non-2xx within the response timeout (§16.7 step 6: "MUST send a final response"). */
async function callerFinal(t: TestContext, call: ForkedCall, what: string): Promise<SipResponse> {
  const res = t.require(await finalWithin(call.tx, t.timeoutMs), 'RFC3261-16.7', {
    message: `the caller's invitation got no final response within ${t.timeoutMs} ms after ${what}: once every client transaction has ended, the proxy MUST send the best final (§16.7 step 6)`,
    expected: 'a final response to the caller\'s INVITE',
  });
  t.check('RFC3261-16.7', res.status >= 300, { message: `the caller got ${labelOf(res)} although no device accepted`, expected: 'a non-2xx final', actual: res });
  return res;
}

export const bestOfDeclines: TestCase = {
  id: 'TC-MLD-007-11',
  title: 'Every device declines (500, 486, 503): the caller gets one final only after the last, from the lowest class (the 486)',
  requirements: ['RFC3261-16.7'],
  spec: spec(RFC3261_16_7_BEST, 'RFC 3261', '16.7 step 6'),
  variants: variants(3),
  applies,
  async run(t: TestContext) {
    const call = await ringAll(t);
    const [first, second, last] = call.branches;
    await t.step('decline', `${first.device.name} answers 500, then ${second.device.name} 486, while ${last.device.name} rings`, 'RFC3261-16.7', async () => {
      await decline(t, first, 500);
      await decline(t, second, 486);
      // A 5xx first, a 4xx next, a 5xx last: choosing the first, the last or the highest class each shows.
      await sleep(t.quietMs);
      // Not the 401/407 an authenticating SUT answers the first INVITE with (RFC 3261 §22.2, §22.3).
      const early = call.tx.responses.find((r) => r.status >= 200 && r.status !== 401 && r.status !== 407);
      t.check('RFC3261-16.7', early === undefined, {
        message: `the caller got ${early ? labelOf(early) : ''} while ${last.device.name} was still ringing: the best final goes upstream only once every branch has ended (§16.7 step 6)`,
        expected: `no final at ${call.caller.name} yet`, actual: early,
      });
    });
    await t.step('decline-last', `${last.device.name} answers 503 (Service Unavailable)`, 'RFC3261-16.7', () => decline(t, last, 503));
    await t.step('best', 'The caller gets the best final: the 486, the only one of the lowest class', 'RFC3261-16.7', async () => {
      const res = await callerFinal(t, call, 'every device declined');
      // MUST: a response of the context (a 500 stands in for the 503, §16.7 step 6); SHOULD: the lowest class.
      t.expect('RFC3261-16.7', res, { status: 486 }, `the caller got ${labelOf(res)}, not the 486 Busy Here of ${second.device.name}: with no 6xx, the proxy SHOULD choose from the lowest response class (4xx over 5xx)`, 'should');
      t.check('RFC3261-16.7', [486, 500, 503].includes(res.status), {
        message: `the caller got ${labelOf(res)}, which no device sent: the proxy MUST forward a response from those stored in the response context`,
        expected: '486, 500 or 503 (as 500)', actual: res,
      });
    });
  },
};

export const lone503Becomes500: TestCase = {
  id: 'TC-MLD-007-12',
  title: 'The user\'s only device answers 503: the caller gets a 500, not the 503',
  requirements: ['RFC3261-16.7'],
  spec: spec(RFC3261_16_7_BEST, 'RFC 3261', '16.7 step 6'),
  variants: variants(1),
  applies,
  async run(t: TestContext) {
    const call = await ringAll(t);
    const [only] = call.branches;
    await t.step('decline', `${only.device.name} answers 503 (Service Unavailable)`, 'RFC3261-16.7', () => decline(t, only, 503));
    await t.step('best', 'The caller gets 500 (Server Internal Error)', 'RFC3261-16.7', async () => {
      const res = await callerFinal(t, call, `${only.device.name} answered 503`);
      t.expect('RFC3261-16.7', res, { status: 500 }, `the caller got ${labelOf(res)}: a proxy SHOULD NOT forward a 503 upstream, and when it is the only response it SHOULD generate a 500 (§16.7 step 6)`, 'should');
    });
  },
};

export const globalDeclineCancelsOthers: TestCase = {
  id: 'TC-MLD-007-13',
  title: 'One device declines everywhere (600 Busy Everywhere): the devices still ringing are cancelled and the caller gets the 600',
  requirements: ['RFC3261-16.7'],
  spec: spec(RFC3261_16_7_6XX, 'RFC 3261', '16.7 steps 5-6'),
  variants: variants(3),
  applies,
  async run(t: TestContext) {
    const call = await ringAll(t);
    // The middle device: a 6xx neither first nor last among the branches.
    const k = Math.floor(call.branches.length / 2);
    const decliner = call.branches[k];
    const ringing = call.branches.filter((_, i) => i !== k);
    await t.step('decline', `${decliner.device.name} answers 600 (Busy Everywhere)`, 'RFC3261-16.7', () => decline(t, decliner, 600));
    await t.step('cancel', 'The devices still ringing are cancelled', 'RFC3261-16.7', async () => {
      const got = await Promise.all(ringing.map((br) => cancelAt(t, br, t.timeoutMs)));
      for (const [i, br] of ringing.entries()) {
        t.should('RFC3261-16.7', got[i] !== null, {
          message: `${br.device.name} was not cancelled within ${t.timeoutMs} ms after ${decliner.device.name}'s 600: on a 6xx the proxy SHOULD cancel all pending client transactions (§16.7 step 5)`,
          expected: `CANCEL at ${br.device.name}`,
        });
        // Not cancelled (a SHOULD): the device declines itself, so every branch ends and the best final can be judged.
        if (got[i] === null) await decline(t, br, 486);
      }
    });
    await t.step('best', 'The caller gets the 600', 'RFC3261-16.7', async () => {
      const res = await callerFinal(t, call, `${decliner.device.name}'s 600 and the other devices' 487`);
      t.expect('RFC3261-16.7', res, { status: { from: 600, to: 699 } }, `the caller got ${labelOf(res)}: the proxy MUST choose from the 6xx class responses if any exist (§16.7 step 6)`);
    });
  },
};

/**
 * RFC 3261 §17.1.1.2: Timer B, 64·T1, ends an INVITE client transaction that got no response at
 * all; a server that configures it apart from T1 (Kamailio's tm fr_timer) states it as ixit.timers.b.
 */
const timerB = (t: HarnessTarget) => t.ixit.timers.b ?? 64 * t.ixit.timers.t1;
/** What the IXIT says Timer B is, for the findings. */
const timerBText = (t: HarnessTarget) => (t.ixit.timers.b !== undefined ? `Timer B ${t.ixit.timers.b} ms as ixit.timers.b states` : `64·T1, T1 ${t.ixit.timers.t1} ms as ixit.timers.t1 states`);
/**
 * The longest Timer B the case waits out. At the RFC's default T1 (500 ms) Timer B is 32 s, and
 * an interop run plays its cases one after another: such a target gets N/A with the reason, unless
 * its IXIT states a shorter Timer B (ixit.timers.b). The reference runs with Timer B 4 s.
 */
const MAX_TIMER_B_MS = 10_000;

export const silentDeviceTimesOut: TestCase = {
  id: 'TC-MLD-007-14',
  title: 'The user\'s only device never answers: once its INVITE times out (Timer B), the caller gets 408 (Request Timeout)',
  requirements: ['RFC3261-16.7'],
  spec: spec(RFC3261_16_7_BEST, 'RFC 3261', '16.7 step 6'),
  variants: variants(1),
  applies: (t) => {
    const a = applies(t);
    if (a !== true) return a;
    return timerB(t) <= MAX_TIMER_B_MS || `IXIT: Timer B (${timerB(t)} ms: ${timerBText(t)}) is longer than the ${MAX_TIMER_B_MS} ms this case waits (ixit.timers.b ≤ ${MAX_TIMER_B_MS}, or ixit.timers.t1 ≤ ${MAX_TIMER_B_MS / 64} ms, runs it)`;
  },
  waitsOutMs: timerB,
  async run(t: TestContext) {
    // The only device takes the INVITE and sends nothing, not even 100: the SUT's branch ends by its Timer B.
    const call = await ringAll(t, { silent: 0 });
    await t.step('timeout', `${call.branches[0].device.name} stays silent; after Timer B (${timerB(t.target)} ms) the caller gets 408`, 'RFC3261-16.7', async () => {
      const res = t.require(await finalWithin(call.tx, timerB(t.target) + t.timeoutMs), 'RFC3261-16.7', {
        // The wait is derived from the IXIT's Timer B (b, or 64·T1), so the finding says so: a SUT running a longer Timer B than its IXIT states answers later.
        message: `the caller's invitation got no final response within Timer B + ${t.timeoutMs} ms = ${timerB(t.target) + t.timeoutMs} ms (${timerBText(t.target)}): with no final response in the context once its client transaction timed out, the proxy MUST send 408 (§16.7 step 6)`,
        expected: '408 (Request Timeout)',
      });
      t.expect('RFC3261-16.7', res, { status: 408 }, `the caller got ${labelOf(res)}: with no final response in the context the proxy MUST send 408 (Request Timeout) (§16.7 step 6)`);
    });
  },
};
