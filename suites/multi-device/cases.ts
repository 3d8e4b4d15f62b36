/**
 * Suite: CPM-MLD-007 invitation cancel across a user's devices, and the RFC 3261 / RFC 3326
 * rules it rests on. User A has one device; user B has several, all registered with their own
 * +sip.instance. Every case runs over UDP and TCP, in the direct and core-emulation topologies.
 */
import type { TestCase } from '../../src/harness/test-case';
import type { TestContext } from '../../src/harness/context';
import { finalWithin } from '../../src/harness/session';
import { labelOf } from '../../src/harness/template';
import { vias } from '../../src/sip/headers/via';
import { header } from '../../src/sip/message';
import {
  REASON_COMPLETED_ELSEWHERE, ackTemplate, callerAnswers, cancelAt, cancelTemplate, sutHop,
} from './forking-flow';
import { acceptOn, acceptedElsewhere, applies, callerGetsAnswer, closeFromCaller, expectCancelled, ringAll, sleep, spec, variants } from './common';
import { simultaneousAcceptance } from './simultaneous-acceptance';
import { declineHeldWhileOthersRing, redirectHeldWhileOthersRing } from './decline-elsewhere';
import { bestOfDeclines, globalDeclineCancelsOthers, lone503Becomes500, silentDeviceTimesOut } from './best-response';
import { removedDeviceNotInvited } from './registration';
import { MLD_007, RFC3261_16_10, RFC3261_17_1_1_3, RFC3261_9_1, RFC3326 } from './spec';

export const acceptanceCancelsOthers: TestCase = {
  id: 'TC-MLD-007-01',
  title: 'Acceptance on one device cancels the invitations on all the user\'s other devices, none on the accepting one; the caller gets one session',
  requirements: ['CPM-MLD-007'],
  spec: spec(MLD_007),
  variants: variants(2, 3, 5),
  applies,
  async run(t: TestContext) {
    const { call, winner, others, cancels } = await acceptedElsewhere(t);
    await t.step('order', 'Each CANCEL follows the acceptance on the merged trace', 'CPM-MLD-007', async () => {
      const accepted = t.trace.first({ owner: winner.device.name, direction: 'sent', template: { status: 200 } });
      t.precondition(accepted !== undefined, { message: `${winner.device.name}'s acceptance (200 OK) is not on the trace` });
      const bad = t.trace.violations([...cancels.values()].map((c) => [accepted, c]));
      t.check('CPM-MLD-007', bad.length === 0, { message: `a device was cancelled before any device had accepted (#${bad[0]?.[1].seq} before #${accepted.seq})`, actual: bad[0]?.[1] });
    });
    const answer = await t.step('answer', 'The caller receives exactly one acceptance', 'CPM-MLD-007', async () => {
      const res = await callerGetsAnswer(t, call);
      await sleep(t.quietMs);
      const answers = callerAnswers(t, call.caller, call.tx);
      t.check('CPM-MLD-007', answers.length === 1, { message: `the caller received ${answers.length} different 2xx answers (one session per device that answered)`, expected: 'exactly one 2xx', actual: answers[1] });
      return res;
    });
    await t.step('no-cancel-to-acceptor', `No CANCEL reaches the accepting device ${winner.device.name}`, 'CPM-MLD-007', async () => {
      const wrong = await cancelAt(t, winner, t.quietMs);
      t.check('CPM-MLD-007', wrong === null, { message: `the accepting device ${winner.device.name} received a CANCEL for the session it accepted`, expected: 'no CANCEL at the accepting device', actual: wrong ?? undefined });
    });
    await t.step('quiet', 'The cancelled devices receive nothing more for the session', 'CPM-MLD-007', () =>
      t.expectQuiet(others.map((o) => o.device), 'CPM-MLD-007', 'after cancellation'));
    await closeFromCaller(t, call, answer, winner.device);
  },
};

export const cancelMatchesInvite: TestCase = {
  id: 'TC-MLD-007-02',
  title: 'Every CANCEL matches the INVITE it cancels (Request-URI, Call-ID, From, To, CSeq number, one Via equal to its top Via, Route) and comes from where the INVITE came from',
  requirements: ['RFC3261-9.1', 'CPM-MLD-007'],
  spec: spec(RFC3261_9_1, 'RFC 3261', '9.1'),
  variants: variants(3),
  applies,
  async run(t: TestContext) {
    const { call, winner, cancels } = await acceptedElsewhere(t);
    await t.step('9.1', 'Each CANCEL is built from its own INVITE (RFC 3261 §9.1)', 'RFC3261-9.1', async () => {
      // One CANCEL per other device, in the order of the devices.
      for (const [br, cancel] of cancels) {
        t.expect('RFC3261-9.1', cancel, cancelTemplate(br.invite), `the CANCEL at ${br.device.name} does not match the INVITE it cancels`);
      }
    });
    const answer = await callerGetsAnswer(t, call);
    await closeFromCaller(t, call, answer, winner.device);
  },
};

export const cancelCarriesReason: TestCase = {
  id: 'TC-MLD-007-03',
  title: 'The CANCELs say why: Reason: SIP;cause=200;text="Call completed elsewhere"',
  requirements: ['RFC3326-REASON', 'CPM-MLD-007'],
  spec: spec(RFC3326, 'RFC 3326', '2'),
  variants: variants(3),
  applies: (t) => {
    const a = applies(t);
    if (a !== true) return a;
    return t.binding.reasonOnCancel !== 'ignore' || 'binding.reasonOnCancel = ignore: the Reason header is not judged for this SUT';
  },
  async run(t: TestContext) {
    const { call, winner, cancels } = await acceptedElsewhere(t);
    await t.step('reason', 'Each CANCEL carries the Reason of RFC 3326', 'RFC3326-REASON', async () => {
      for (const [br, c] of cancels) {
        // Required or recommended per the ICS (binding.reasonOnCancel): recommended and missing = non-strict.
        t.expect('RFC3326-REASON', c, REASON_COMPLETED_ELSEWHERE, `the CANCEL at ${br.device.name} does not say the call was completed elsewhere`,
          t.target.binding.reasonOnCancel === 'required' ? 'shall' : 'should');
      }
    });
    const answer = await callerGetsAnswer(t, call);
    await closeFromCaller(t, call, answer, winner.device);
  },
};

export const cancelTransactionCompletes: TestCase = {
  id: 'TC-MLD-007-04',
  title: 'The cancel transaction completes: each device answers 200 to the CANCEL and 487 to the INVITE, and the SUT ACKs each 487 correctly',
  requirements: ['RFC3261-17.1.1.3', 'CPM-MLD-007'],
  spec: spec(RFC3261_17_1_1_3, 'RFC 3261', '17.1.1.3'),
  variants: variants(3),
  applies,
  async run(t: TestContext) {
    const { call, winner, others } = await acceptedElsewhere(t);
    await t.step('ack-487', 'Each 487 is ACKed by the SUT (RFC 3261 §17.1.1.3)', 'RFC3261-17.1.1.3', async () => {
      for (const br of others) {
        const sent487 = await t.trace.waitFor({ owner: br.device.name, direction: 'sent', template: { status: 487 } }, t.timeoutMs);
        t.precondition(sent487 !== null, { message: `${br.device.name} could not answer its cancelled INVITE 487` });
        const ackAtDevice = t.require(await t.trace.waitFor({ owner: br.device.name, direction: 'received', after: sent487.seq, template: { method: 'ACK' } }, t.timeoutMs), 'RFC3261-17.1.1.3', { message: `the 487 of ${br.device.name} was not ACKed within ${t.timeoutMs} ms`, expected: 'ACK for the 487', actual: sent487 });
        const ack = sutHop(t, br.device, ackAtDevice);
        // The 487 as the SUT received it (in core-emulation the core popped its own Via on the way back).
        const final487 = t.trace.find({ direction: 'sent', template: { status: 487 } })
          .find((x) => x.owner !== br.device.name && vias(x.message)[0]?.branch === vias(br.invite.message)[0]?.branch) ?? sent487;
        t.expect('RFC3261-17.1.1.3', ack, ackTemplate(br.invite, final487.message), `the ACK of the 487 at ${br.device.name} is not built per §17.1.1.3`);
      }
    });
    const answer = await callerGetsAnswer(t, call);
    await closeFromCaller(t, call, answer, winner.device);
  },
};

export const silentDeviceNotCancelledEarly: TestCase = {
  id: 'TC-MLD-007-05',
  title: 'A device that has sent no provisional yet is not cancelled before it does, then it is cancelled',
  requirements: ['RFC3261-9.1', 'CPM-MLD-007'],
  spec: spec(RFC3261_9_1, 'RFC 3261', '9.1'),
  variants: variants(3),
  applies,
  async run(t: TestContext) {
    const silent = 2;
    const call = await ringAll(t, { silent });
    const { winner } = await acceptOn(t, call, 0);
    const quietBranch = call.branches[silent];
    await t.step('wait', `${quietBranch.device.name} has sent no provisional: no CANCEL may reach it yet`, 'RFC3261-9.1', async () => {
      const early = await cancelAt(t, quietBranch, t.quietMs);
      t.check('RFC3261-9.1', early === null, {
        message: `${quietBranch.device.name} was cancelled before it sent any provisional response (§9.1: the client MUST wait for a provisional)`,
        expected: 'no CANCEL before a provisional', actual: early ?? undefined,
      });
    });
    await t.step('ring-late', `${quietBranch.device.name} rings now`, 'RFC3261-9.1', () => quietBranch.device.ring(quietBranch.tx));
    await t.step('cancel', 'Then every other device is cancelled', 'CPM-MLD-007', () => expectCancelled(t, call.branches.filter((b) => b !== winner), `after ${winner.device.name} accepted`));
    const answer = await callerGetsAnswer(t, call);
    await closeFromCaller(t, call, answer, winner.device);
  },
};

export const singleDeviceNoCancel: TestCase = {
  id: 'TC-MLD-007-07',
  title: 'A user with a single registered device: no CANCEL at all',
  requirements: ['CPM-MLD-007'],
  spec: spec(MLD_007),
  variants: variants(1),
  applies,
  async run(t: TestContext) {
    const call = await ringAll(t);
    const { winner } = await acceptOn(t, call, 0);
    const answer = await callerGetsAnswer(t, call);
    await t.step('no-cancel', 'No CANCEL reaches the only device', 'CPM-MLD-007', async () => {
      const wrong = await cancelAt(t, winner, t.quietMs);
      t.check('CPM-MLD-007', wrong === null, { message: `${winner.device.name}, the user's only device, received a CANCEL after accepting`, actual: wrong ?? undefined });
    });
    await closeFromCaller(t, call, answer, winner.device);
  },
};

export const nothingAfterCancellation: TestCase = {
  id: 'TC-MLD-007-08',
  title: 'After cancellation the cancelled devices receive nothing more for that session within the quiet period',
  requirements: ['CPM-MLD-007'],
  spec: spec(MLD_007),
  variants: variants(3),
  applies,
  async run(t: TestContext) {
    const { call, winner, others } = await acceptedElsewhere(t);
    const answer = await callerGetsAnswer(t, call);
    await t.step('quiet', 'Nothing more reaches the cancelled devices', 'CPM-MLD-007', () => t.expectQuiet(others.map((o) => o.device), 'CPM-MLD-007', 'after cancellation', t.quietMs * 2));
    await closeFromCaller(t, call, answer, winner.device);
  },
};

export const callerCancelsAll: TestCase = {
  id: 'TC-MLD-007-09',
  title: 'The caller cancels before anyone accepts: every device is cancelled and the caller\'s INVITE ends with 487',
  requirements: ['RFC3261-16.10', 'RFC3261-9.1', 'RFC3261-16.7'],
  spec: spec(RFC3261_16_10, 'RFC 3261', '16.10'),
  variants: variants(3),
  applies,
  async run(t: TestContext) {
    const call = await ringAll(t);
    await t.step('ringing', `The devices' ringing reaches ${call.caller.name}`, 'RFC3261-16.7', async () => {
      // §16.7 step 5: a provisional other than 100 MUST be forwarded immediately. The caller cancels
      // on hearing it (a PF that absorbed every 180 still let the CANCEL out after its own 100; mutation, docs/mutation.md).
      const ringing = await t.trace.waitFor({ owner: call.caller.name, direction: 'received', template: { status: 180, headers: { 'Call-ID': header(call.tx.request, 'Call-ID') ?? '' } } }, t.timeoutMs);
      t.check('RFC3261-16.7', ringing !== null, {
        message: `the devices rang (180) but no ringing reached ${call.caller.name} within ${t.timeoutMs} ms: a provisional response other than 100 MUST be forwarded immediately (§16.7 step 5)`,
        expected: `180 (Ringing) at ${call.caller.name}`,
      });
    });
    await t.step('caller-cancel', `${call.caller.name} cancels its invitation`, 'RFC3261-16.10', async () => {
      await call.tx.cancel();
    });
    await t.step('cancel-all', 'Every device is cancelled', 'RFC3261-16.10', async () => {
      const got = await Promise.all(call.branches.map((b) => cancelAt(t, b, t.timeoutMs)));
      call.branches.forEach((b, i) => {
        t.check('RFC3261-16.10', got[i] !== null, { message: `${b.device.name} was not cancelled after the caller cancelled`, expected: `CANCEL at ${b.device.name}` });
        t.expect('RFC3261-9.1', got[i], cancelTemplate(b.invite), `the CANCEL at ${b.device.name} does not match its INVITE`);
      });
    });
    await t.step('487', 'The caller\'s INVITE is answered 487', 'RFC3261-16.10', async () => {
      const res = await finalWithin(call.tx, t.timeoutMs);
      t.check('RFC3261-16.10', res?.status === 487, { message: `the caller's cancelled INVITE ended with ${res ? labelOf(res) : 'nothing'}`, expected: '487 Request Terminated', actual: res ?? 'nothing' });
    });
  },
};

export { simultaneousAcceptance };

export const multiDeviceCases: TestCase[] = [
  acceptanceCancelsOthers, cancelMatchesInvite, cancelCarriesReason, cancelTransactionCompletes, silentDeviceNotCancelledEarly,
  simultaneousAcceptance, singleDeviceNoCancel, nothingAfterCancellation, callerCancelsAll, declineHeldWhileOthersRing,
  bestOfDeclines, lone503Becomes500, globalDeclineCancelsOthers, silentDeviceTimesOut, redirectHeldWhileOthersRing,
  removedDeviceNotInvited,
];
