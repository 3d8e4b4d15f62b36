/**
 * TC-MLD-007-10: one of the user's devices declines (486 Busy Here) while the others still ring,
 * then another accepts. The forking PF holds the decline (RFC 3261 §16.7 step 5: only provisionals
 * and 2xx are forwarded at once; step 6: a best final only once every branch has ended), forwards
 * the acceptance at once, and cancels the device still ringing (CPM-MLD-007). A PF that forwards
 * the first decline it gets ends the caller's invitation although the user accepts it a moment
 * later on another device.
 */
import type { TestCase } from '../../src/harness/test-case';
import type { TestContext } from '../../src/harness/context';
import { addHeader, header } from '../../src/sip/message';
import { createResponse } from '../../src/sip/request-builder';
import { sameAddress } from '../../src/sip/transport/address';
import type { TraceEntry } from '../../src/sip/transport/tap';
import { labelOf } from '../../src/harness/template';
import { callerAnswers } from './forking-flow';
import { applies, callerGetsAnswer, closeFromCaller, expectCancelled, ringAll, spec, variants } from './common';
import { RFC3261_16_7 } from './spec';

/** The flow of TC-MLD-007-10 and -15: one device answers `status` (a non-2xx final), then another accepts. */
async function heldThenAccepted(t: TestContext, status: number, phrase: string, probeTrying: boolean): Promise<void> {
  const call = await ringAll(t);
  const [decliner, acceptor, ringing] = call.branches;
  // A final non-2xx to the caller's INVITE (its Call-ID, method INVITE): not a REGISTER's challenge,
  // nor the 401/407 an authenticating SUT answers the first INVITE with (RFC 3261 §22.2, §22.3).
  const callId = header(call.tx.request, 'Call-ID') ?? '';
  const declineAtCaller = {
    owner: call.caller.name, direction: 'received' as const, template: { status: { from: 300, to: 699 }, headers: { 'Call-ID': callId, CSeq: /\sINVITE$/ } },
    test: (e: TraceEntry) => e.message?.kind === 'response' && e.message.status !== 401 && e.message.status !== 407,
  };
  // §16.7 step 5: "a stateful proxy MUST NOT forward any 100 (Trying) response". The decliner sends one
  // with a Server value of its own, so the SUT's own 100 cannot be taken for it (mutation, docs/mutation.md).
  const probe = `cpm-conformance ${decliner.device.name} trying-probe ${Date.now().toString(36)}`;
  if (probeTrying) await t.step('trying', `${decliner.device.name} sends a 100 (Trying) of its own; it goes no further than the SUT`, 'RFC3261-16.7', async () => {
    const trying = createResponse(decliner.tx.request, 100);
    addHeader(trying, 'Server', probe);
    await decliner.tx.respond(trying);
  });
  await t.step('decline', `${decliner.device.name} answers ${status} (${phrase}) while ${acceptor.device.name} and ${ringing.device.name} ring`, 'RFC3261-16.7', async () => {
    await decliner.device.answer(decliner.tx, status);
    // The decline must be held: the caller's INVITE has no final over the quiet period (an absence, judged on the wire).
    const early = await t.trace.waitFor(declineAtCaller, t.quietMs);
    t.check('RFC3261-16.7', early === null, {
      message: `the caller's invitation was ended by ${early?.message ? labelOf(early.message) : 'a final response'} while ${acceptor.device.name} and ${ringing.device.name} were still ringing: a non-2xx final (a decline, a redirection) is forwarded only as the best response once every branch has ended (§16.7 steps 5-6)`,
      expected: `no final response at ${call.caller.name} while other devices ring`, actual: early ?? undefined,
    });
    if (!probeTrying) return;
    // The probe on a hop after the SUT: received by a harness element other than from the decliner itself (its core's hop).
    const sent = t.trace.find({ owner: decliner.device.name, direction: 'sent', template: { status: 100 } }).map((e) => e.flow.local);
    const forwarded = t.trace.find({ direction: 'received', template: { status: 100, headers: { Server: probe } } })
      .find((e) => e.owner !== decliner.device.name && !sent.some((a) => sameAddress(a, e.flow.remote)));
    t.check('RFC3261-16.7', forwarded === undefined, {
      message: `${decliner.device.name}'s 100 (Trying) was forwarded past the SUT to ${forwarded?.owner ?? ''}: a stateful proxy MUST NOT forward any 100 (Trying) response (§16.7 step 5)`,
      expected: `the 100 with Server: ${probe} nowhere but on ${decliner.device.name}'s own hop`, actual: forwarded,
    });
  });
  await t.step('accept', `${acceptor.device.name} accepts (200 OK)`, 'RFC3261-16.7', async () => {
    await acceptor.device.answer(acceptor.tx, 200);
  });
  await t.step('cancel', `The invitation still ringing on ${ringing.device.name} is cancelled`, 'CPM-MLD-007', () =>
    expectCancelled(t, [ringing], `after ${acceptor.device.name} accepted`));
  const answer = await t.step('answer', 'The caller receives the acceptance, and no decline', 'RFC3261-16.7', async () => {
    const res = await callerGetsAnswer(t, call);
    const finals = t.trace.find(declineAtCaller).filter(declineAtCaller.test);
    t.check('RFC3261-16.7', finals.length === 0, {
      message: `the caller received ${finals[0]?.message ? labelOf(finals[0].message) : 'a non-2xx final'} for an invitation another device accepted`,
      expected: 'only the 2xx of the accepting device', actual: finals[0],
    });
    t.check('RFC3261-16.7', callerAnswers(t, call.caller, call.tx).length === 1, { message: 'the caller received more than one acceptance', actual: res });
    return res;
  });
  await closeFromCaller(t, call, answer, acceptor.device);
}

export const declineHeldWhileOthersRing: TestCase = {
  id: 'TC-MLD-007-10',
  title: 'A device\'s decline is held while the others ring: the caller gets the acceptance of another device, never the decline, and the device still ringing is cancelled',
  requirements: ['RFC3261-16.7', 'CPM-MLD-007'],
  spec: spec(RFC3261_16_7, 'RFC 3261', '16.7 steps 5-6'),
  variants: variants(3),
  applies,
  run: (t) => heldThenAccepted(t, 486, 'Busy Here', true),
};

/**
 * TC-MLD-007-15: the same with a redirection. A 3xx is no 2xx: it is held like a decline (§16.7
 * step 5). Without a Contact there is nothing a proxy could recurse on (§16.7 step 4, a MAY), so
 * the acceptance of another device is the outcome. Mutation testing: a PF that took a 300 for an
 * acceptance (`< 300` read as `<= 300`) passed every case.
 */
export const redirectHeldWhileOthersRing: TestCase = {
  id: 'TC-MLD-007-15',
  title: 'A device answers 300 (Multiple Choices, no Contact) while the others ring: held like a decline, the caller gets another device\'s acceptance',
  requirements: ['RFC3261-16.7', 'CPM-MLD-007'],
  spec: spec(RFC3261_16_7, 'RFC 3261', '16.7 steps 5-6'),
  variants: variants(3),
  applies,
  run: (t) => heldThenAccepted(t, 300, 'Multiple Choices', false),
};
