/**
 * Suite: session transfer with the CPM Conversation Server in the media path (5.2.5.1.1).
 * User A has two devices (A1 transferor, A2 target), user B one (B1 transferee); the negative
 * cases add user C (C1, a foreign target). UDP and TCP, direct and core-emulation.
 */
import { Dialog } from '../../../src/sip/dialog';
import { setHeader, type SipResponse } from '../../../src/sip/message';
import { contributionId } from '../../../src/sip/headers/cpm';
import type { TestCase } from '../../../src/harness/test-case';
import type { TestContext } from '../../../src/harness/context';
import type { HarnessTarget } from '../../../src/harness/target';
import type { RequirementId } from '../../../src/harness/requirements';
import { finalWithin } from '../../../src/harness/session';
import { labelOf } from '../../../src/harness/template';
import {
  acceptRefer, joinInstruction, FAILURE, PROGRESS, REFER_TEMPLATE, notifyTemplate, replacesNames, sendReferNotify, takeRequest, targetDialogNames,
  sessionToTransfer, transferVariants, inviteAsTold, targetTakesNotification, addressOf, unregisteredAddress, contributionIdFollows, inviteFollowing, judgeReinvites, judgeThroughCore, referAccepted, requireAccepted, type TransferSetup,
} from '../transfer-flow';
import { MP, MP_STEPS, TRF_DOCUMENT } from '../spec';
import { SDP_ANSWER } from '../answer-templates';
import { mediaAfterJoin } from '../media-after-transfer';
import { csInSdpPath } from '../media-path';

const variants = transferVariants;

const applies = (t: HarnessTarget) => t.ics.transfer.csInMediaPath || 'ICS: the SUT does not claim session transfer with the CS in the media path (ics.transfer.csInMediaPath = false)';
const spec = (sentence: string) => ({ document: TRF_DOCUMENT, clause: MP.clause, sentence });

type Setup = TransferSetup;

/** T1: A1 sends the transfer request in its session, as a step of the requirement the case exercises; returns its final response. */
async function requestTransfer(t: TestContext, x: Setup, target: string, requirement: RequirementId) {
  return t.step('T1', MP_STEPS.T1, requirement, async () => {
    const { response } = await x.a1.inDialog(x.s.uac, 'REFER', [
      { name: 'Refer-To', value: `<${target}>` },
      { name: 'Referred-By', value: `<${x.a1.aor}>` },
    ]);
    return response;
  });
}

export const transferInMediaPath: TestCase = {
  id: 'TC-TRF-MP-01',
  title: 'Local transfer with the CS in the media path: Accepted, Join Notification, the target joins, the CS stays in the media path, Release Notification, release of the transferor only',
  requirements: ['TRF-MP-ACCEPT', 'TRF-MP-JOIN', 'TRF-MP-ESTABLISH', 'TRF-MP-MEDIA', 'TRF-MP-RELEASE'],
  spec: spec(`${MP.accept} ${MP.join} ${MP.establish} ${MP.media} ${MP.release}`),
  steps: MP_STEPS,
  variants: variants([2, 1]),
  applies,
  async run(t: TestContext) {
    const x = await sessionToTransfer(t);
    const T = t.timeoutMs;
    const res = await requestTransfer(t, x, addressOf(t, x.a2), 'TRF-MP-ACCEPT');
    await t.step('T2', MP_STEPS.T2, 'TRF-MP-ACCEPT', async () => {
      t.check('TRF-MP-ACCEPT', res !== null && referAccepted(t, res.status), {
        message: `the transfer to ${x.a2.name} (a registered device of the same user) was not accepted: ${res ? labelOf(res) : 'no answer'}`,
        expected: t.target.binding.referSuccessCode === '202' ? '202 Accepted' : '200 or 202', actual: res ?? 'nothing',
      });
      const n = t.require(await takeRequest(x.a1, 'NOTIFY', T), 'TRF-MP-ACCEPT', { message: `no NOTIFY followed the Accepted response at ${x.a1.name} (RFC 3515 §2.4.4)`, expected: 'NOTIFY Event: refer, sipfrag SIP/2.0 100 Trying' });
      t.expect('TRF-MP-ACCEPT', n.request, notifyTemplate({ state: 'active', status: PROGRESS }), 'the first NOTIFY of the transfer is not the refer progress notification');
    });
    const join = await t.step('T3', MP_STEPS.T3, 'TRF-MP-JOIN', async () => {
      const tx = t.require(await x.a2.waitForRequest({ method: 'REFER' }, T), 'TRF-MP-JOIN', { message: `the target device ${x.a2.name} received no CPM Session Join Notification within ${T} ms`, expected: `REFER at ${x.a2.name}` });
      t.expect('TRF-MP-JOIN', tx.request, REFER_TEMPLATE, 'the Join Notification is not a well-formed REFER (RFC 3515 §2.1)');
      judgeThroughCore(t, 'TRF-MP-JOIN', x.a2, tx.request, 'CPM Session Join Notification');
      const how = joinInstruction(tx.request);
      // The binding knob says how the Refer-To names the existing session (docs/cpm-sip-binding.md): Target-Dialog
      // (RFC 4538, default), Replaces (RFC 3891), or an opaque one-time CS URI with nothing to check here.
      const correlation = t.target.binding.joinCorrelation;
      if (correlation !== 'opaque-uri') {
        t.check('TRF-MP-JOIN', correlation === 'replaces' ? replacesNames(how.replaces, x.s.uac) : targetDialogNames(how.targetDialog, x.s.uac), {
          message: `the Join Notification does not lead the target into the existing session (${correlation === 'replaces' ? 'Replaces, RFC 3891' : 'Target-Dialog, RFC 4538'})`, actual: tx.request,
        });
      }
      t.check('TRF-MP-JOIN', contributionIdFollows(t, how.contributionId, contributionId(x.s.invite) ?? undefined), {
        message: 'the Join Notification hands the target the wrong Contribution-ID for its session', actual: tx.request,
      });
      const dialog = await acceptRefer(x.a2, tx);
      await sendReferNotify(x.a2, dialog, 'active', 100, 'Trying');
      return { how, dialog };
    });
    const joined = await t.step('T4', MP_STEPS.T4, 'TRF-MP-ESTABLISH', async () => {
      const invite = inviteFollowing(t, x.a2, join.how, x.s.invite, x.a1.aor);
      const tx = x.a2.endpoint.request(invite, x.a2.nextHop(invite));
      const answer = await finalWithin(tx, T);
      t.check('TRF-MP-ESTABLISH', answer !== null && answer.status >= 200 && answer.status < 300, {
        message: `the CS did not establish the session with the target: ${answer ? labelOf(answer) : 'no answer'}`, expected: '2xx to the target\'s INVITE', actual: answer ?? 'nothing',
      });
      // Found by mutation testing of transfer-mp.ts (docs/mutation.md): an empty Content-Type on the answer passed.
      t.expect('TRF-MP-ESTABLISH', answer, SDP_ANSWER, 'the CS\'s answer to the target does not label its SDP application/sdp (RFC 3261 §20.15, RFC 3264)');
      const d = Dialog.fromUac(tx.request, answer);
      await x.a2.ack(d, tx.request);
      return { dialog: d, answer: answer, invite: tx.request };
    });
    const inPathBySdp = await t.step('T5', MP_STEPS.T5, 'TRF-MP-MEDIA', async () => {
      await judgeReinvites(t, x, 'TRF-MP-MEDIA', t.quietMs);
      const transferee = t.trace.first({ owner: x.b1.name, direction: 'sent', template: { status: 200 } })?.message?.body;
      // The a=path names the CS as csMsrpRole says: its own URI (b2bua), or its URI then the transferee's (relay) (media-path.ts).
      const ok = csInSdpPath(t, joined.answer.body, transferee);
      t.should('TRF-MP-MEDIA', ok, {
        message: 'the CS\'s SDP answer to the target does not keep the CS in the media path (5.2.5.1.1 ¶5)',
        expected: `the CS's own MSRP a=path (binding csMsrpRole: ${t.target.binding.csMsrpRole})`, actual: joined.answer,
      });
      return ok === true;
    });
    await t.step('T6', MP_STEPS.T6, 'TRF-MP-RELEASE', async () => {
      const { response } = await sendReferNotify(x.a2, join.dialog, 'terminated', 200, 'OK');
      t.precondition(response !== null && response.status < 300, { message: `the CS did not accept the Replaced Notification: ${response ? labelOf(response) : 'no answer'}` });
    });
    await t.step('T7', MP_STEPS.T7, 'TRF-MP-RELEASE', async () => {
      const n = t.require(await x.a1.waitForRequest({ method: 'NOTIFY' }, T), 'TRF-MP-RELEASE', { message: `the transferor ${x.a1.name} received no Release Notification within ${T} ms`, expected: 'NOTIFY terminated, sipfrag SIP/2.0 200 OK' });
      await x.a1.respond(n, 200);
      t.expect('TRF-MP-RELEASE', n.request, notifyTemplate({ state: 'terminated', status: 200 }), 'the Release Notification is not a final refer NOTIFY reporting success');
      const replaced = t.trace.first({ owner: x.a2.name, direction: 'sent', template: { method: 'NOTIFY', headers: { 'Subscription-State': /^terminated/ } } });
      const release = t.trace.entryOf(n.request) ?? t.trace.first({ owner: x.a1.name, direction: 'received', template: { method: 'NOTIFY', headers: { 'Subscription-State': /^terminated/ } } });
      if (replaced && release) {
        t.check('TRF-MP-RELEASE', t.trace.violations([[replaced, release]]).length === 0, {
          message: 'the Release Notification reached the transferor before the target\'s session was established and replaced', actual: release,
        });
      }
    });
    await t.step('T8', MP_STEPS.T8, 'TRF-MP-RELEASE', async () => {
      const { response } = await x.a1.inDialog(x.s.uac, 'BYE');
      t.check('TRF-MP-RELEASE', response?.status === 200, { message: `the CS did not release the transferor's session: ${response ? labelOf(response) : 'no answer'}`, actual: response ?? 'nothing' });
      await t.expectQuiet([x.b1], 'TRF-MP-RELEASE', 'the transferor\'s release must not reach the transferee');
    });
    await t.step('T9', MP_STEPS.T9, 'TRF-MP-ESTABLISH', async () => {
      // The session goes on: a message each way between transferee and target, judged on the wire (media-after-transfer.ts).
      await mediaAfterJoin(t, x.s, { a1: x.a1, a2: x.a2, a2Exchange: { offered: joined.invite, answer: joined.answer }, leftInSdp: !inPathBySdp });
      const bye = x.s.uas.createRequest('BYE');
      const tx = x.b1.endpoint.request(bye, x.b1.nextHop(bye));
      const at = t.require(await x.a2.waitForRequest({ method: 'BYE' }, T), 'TRF-MP-ESTABLISH', { message: `the transferee's session does not lead to the target ${x.a2.name} after the transfer`, expected: `B1's BYE at ${x.a2.name}` });
      t.checkCrossedSut('TRF-MP-ESTABLISH', at, `B1's BYE at ${x.a2.name}`);
      await x.a2.respond(at, 200);
      await finalWithin(tx, T);
      await judgeReinvites(t, x, 'TRF-MP-MEDIA', 0);
    });
  },
};

/** Transfer requests the CS must refuse (PF control), with nothing sent to any device. */
/**
 * PF control refuses the transfer. `should`: the refusal is this project's reading of the CR, not its
 * words (a self-transfer: 5.2.5.1 defines a local transfer as one "to another CPM enabled device",
 * and says nothing of a CS asked for one to the same device), so accepting it is non-strict and ends
 * the case; a refusal is judged in full.
 */
/** A malformed transfer request and the status its RFC prescribes: `send` replaces T1's REFER. */
interface Malformed { send: (t: TestContext, x: Setup) => Promise<SipResponse | null>; status: number; rule: string }

function refusedTransfer(id: string, title: string, target: (t: TestContext, x: Setup) => string, devices: number[], strength: 'shall' | 'should' = 'shall', malformed?: Malformed): TestCase {
  return {
    id, title,
    requirements: ['TRF-MP-ACCEPT'],
    spec: spec(MP.accept),
    steps: MP_STEPS,
    variants: variants(devices),
    applies,
    async run(t: TestContext) {
      const x = await sessionToTransfer(t);
      const res = malformed ? await t.step('T1', MP_STEPS.T1, 'TRF-MP-ACCEPT', () => malformed.send(t, x)) : await requestTransfer(t, x, target(t, x), 'TRF-MP-ACCEPT');
      const refused = res !== null && res.status >= 400;
      if (strength === 'should' && !refused) {
        await t.step('T2', 'PF control refuses the transfer', 'TRF-MP-ACCEPT', () => Promise.resolve(t.should('TRF-MP-ACCEPT', false, {
          message: `the CS accepted a transfer it should refuse: ${res ? labelOf(res) : 'no answer'}`, expected: 'a 4xx/6xx rejection (e.g. 403 or 480)', actual: res ?? 'nothing',
        })));
        return;
      }
      await t.step('T2', 'PF control refuses the transfer; no Accepted, nothing sent to any device', 'TRF-MP-ACCEPT', async () => {
        t.check('TRF-MP-ACCEPT', refused, {
          message: `the CS accepted a transfer it must refuse: ${res ? labelOf(res) : 'no answer'}`, expected: 'a 4xx/6xx rejection (e.g. 403 or 480)', actual: res ?? 'nothing',
        });
        if (malformed) t.check('TRF-MP-ACCEPT', res.status === malformed.status, { message: `${malformed.rule}; the CS answered ${labelOf(res)}`, expected: String(malformed.status), actual: res });
        await t.expectQuiet(t.topology.devices.filter((d) => d !== x.a1), 'TRF-MP-ACCEPT', 'after a refused transfer no device may be notified');
        await t.expectQuiet([x.a1], 'TRF-MP-ACCEPT', 'a refused transfer has no subscription to NOTIFY');
      });
      await t.step('keep', 'The transferor keeps its session', 'TRF-MP-ACCEPT', async () => {
        // Send, let the transferee answer, then collect the final (awaiting the final first would deadlock).
        const bye = x.s.uac.createRequest('BYE');
        const tx = x.a1.endpoint.request(bye, x.a1.nextHop(bye));
        const at = await x.b1.waitForRequest({ method: 'BYE' }, t.timeoutMs);
        if (at) await x.b1.respond(at, 200);
        const response = await finalWithin(tx, t.timeoutMs);
        t.check('TRF-MP-ACCEPT', at !== null && response?.status === 200, { message: 'after the refused transfer the transferor\'s session no longer reaches the transferee' });
        t.checkCrossedSut('TRF-MP-ACCEPT', at, `the transferor's BYE at ${x.b1.name}`);
      });
    },
  };
}

export const foreignTargetRefused = refusedTransfer('TC-TRF-MP-02', 'A transfer to a device of another user is refused by PF control, and no device is notified',
  (t) => addressOf(t, t.topology.users[2].devices[0]), [2, 1, 1]);

export const unregisteredTargetRefused = refusedTransfer('TC-TRF-MP-03', 'A transfer to a device that is not registered is refused, and no device is notified',
  (t, x) => unregisteredAddress(t, x.a1), [2, 1]);

// 5.2.5.1 ¶1: a local transfer moves the session "to another CPM enabled device"; the transferor is
// no target of its own transfer. Found by mutation testing of transfer-control.ts (docs/mutation.md).
export const selfTargetRefused = refusedTransfer('TC-TRF-MP-06', 'A transfer naming the transferor itself is refused (SHOULD), and no device is notified',
  (t, x) => addressOf(t, x.a1), [2, 1], 'should');

/**
 * RFC 3261 §12.2.2: a request in the dialog with a CSeq lower than the last one is out of order and
 * "MUST be rejected with a 500". Found by mutation testing of transfer-mp.ts (docs/mutation.md):
 * a CS that skipped the dialog's CSeq check (`d1.receive` → false) accepted it.
 */
export const outOfOrderRefused = refusedTransfer('TC-TRF-MP-08', 'A transfer request out of order in the session (a CSeq below the transferor\'s last) is rejected 500, and no device is notified',
  (t, x) => addressOf(t, x.a2), [2, 1], 'shall', {
    status: 500, rule: 'RFC 3261 §12.2.2: a request in the dialog with a lower CSeq than the last is out of order and MUST be rejected with a 500',
    async send(t, x) {
      const req = x.s.uac.createRequest('REFER', [{ name: 'Refer-To', value: `<${addressOf(t, x.a2)}>` }, { name: 'Referred-By', value: `<${x.a1.aor}>` }]);
      setHeader(req, 'CSeq', '0 REFER'); // below the session's INVITE (CSeq ≥ 1), RFC 3261 §8.1.1.5 allows 0
      return finalWithin(x.a1.endpoint.request(req, x.a1.nextHop(req)), t.timeoutMs);
    },
  });

/**
 * RFC 3515 §2.4.1: "An agent responding to a REFER method MUST return a 400 (Bad Request) if the
 * request contained zero or more than one Refer-To header field values." The two name the target.
 */
export const twoReferToRefused = refusedTransfer('TC-TRF-MP-09', 'A transfer request with two Refer-To values is rejected 400, and no device is notified',
  (t, x) => addressOf(t, x.a2), [2, 1], 'shall', {
    status: 400, rule: 'RFC 3515 §2.4.1: a REFER with more than one Refer-To value MUST be answered 400',
    async send(t, x) {
      const target = `<${addressOf(t, x.a2)}>`;
      const { response } = await x.a1.inDialog(x.s.uac, 'REFER', [{ name: 'Refer-To', value: target }, { name: 'Refer-To', value: target }, { name: 'Referred-By', value: `<${x.a1.aor}>` }]);
      return response;
    },
  });

const ESTABLISH = 'TRF-MP-ESTABLISH';

/**
 * The target refuses (the join REFER or the INVITE): the transferor is told with a failure sipfrag and keeps its session.
 * Where the target declines the Join Notification, the transferor then transfers the session again, to A3 (step `again`).
 */
function targetDeclines(id: string, title: string, where: 'refer' | 'invite'): TestCase {
  const again = where === 'refer';
  return {
    id, title,
    requirements: again ? ['TRF-MP-RELEASE', 'TRF-MP-ACCEPT'] : ['TRF-MP-RELEASE', 'TRF-MP-ESTABLISH'],
    spec: spec(again ? `${MP.release} ${MP.accept}` : MP.release),
    steps: MP_STEPS,
    variants: variants(again ? [3, 1] : [2, 1]),
    applies,
    async run(t: TestContext) {
      const x = await sessionToTransfer(t);
      const T = t.timeoutMs;
      const res = await requestTransfer(t, x, addressOf(t, x.a2), 'TRF-MP-RELEASE');
      requireAccepted(t, res);
      await takeRequest(x.a1, 'NOTIFY', T);
      const how = await t.step('decline', `The target ${where === 'refer' ? 'declines the Join Notification (603)' : 'accepts the Join Notification, then reports its invitation failed (486)'}`, 'TRF-MP-RELEASE', async () => {
        const tx = await x.a2.waitForRequest({ method: 'REFER' }, T);
        t.precondition(tx !== null, { message: 'no Join Notification reached the target' });
        if (where === 'refer') {
          await x.a2.respond(tx, 603, 'Decline');
          return;
        }
        // The target accepted the Join Notification, but its CPM Session Invitation failed: it says so (RFC 3515 §2.4.5).
        const dialog = await acceptRefer(x.a2, tx);
        await sendReferNotify(x.a2, dialog, 'active', 100, 'Trying');
        await sendReferNotify(x.a2, dialog, 'terminated', 486, 'Busy Here');
        return joinInstruction(tx.request);
      });
      await t.step('failure', 'The transferor is told the transfer failed (final NOTIFY with a failure sipfrag)', 'TRF-MP-RELEASE', async () => {
        const n = t.require(await x.a1.waitForRequest({ method: 'NOTIFY' }, T), 'TRF-MP-RELEASE', { message: 'the transferor was never told the transfer failed', expected: 'NOTIFY terminated with a failure sipfrag' });
        await x.a1.respond(n, 200);
        t.expect('TRF-MP-RELEASE', n.request, notifyTemplate({ state: 'terminated', status: FAILURE }), 'the final NOTIFY does not report the failure (a transfer that failed must not read as success)');
      });
      if (again) await transferAgain(t, x);
      if (how) {
        // Found by mutation testing of transfer-mp.ts (docs/mutation.md): `t.state !== 'pending'` → false in find() let
        // the target join the failed transfer, moving the session away from the transferor it was just left with.
        const refused = await t.step('late', `${x.a2.name} sends the invitation after all: the transfer failed, refused (SHOULD)`, 'TRF-MP-ESTABLISH', async () =>
          judgeRefusedJoin(t, await inviteAsTold(t, x, x.a2, how), 'an invitation for a transfer that failed'));
        if (!refused) return;
      }
      await t.step('keep', 'The transferor keeps its session with the transferee', 'TRF-MP-RELEASE', async () => {
        const bye = x.s.uas.createRequest('BYE');
        const tx = x.b1.endpoint.request(bye, x.b1.nextHop(bye));
        const at = t.require(await x.a1.waitForRequest({ method: 'BYE' }, T), 'TRF-MP-RELEASE', { message: 'after the failed transfer the transferee\'s session no longer reaches the transferor' });
        t.checkCrossedSut('TRF-MP-RELEASE', at, `the transferee's BYE at ${x.a1.name}`);
        await x.a1.respond(at, 200);
        await finalWithin(tx, T);
      });
    },
  };
}

/**
 * Step `again`: the failed transfer is over (its final NOTIFY went out), so a new transfer request of
 * the transferor, to another registered device of its user, is one PF control SHALL accept
 * (5.2.5.1.1 ¶2). Found by mutation testing of transfer-registry.ts (docs/mutation.md): a CS that
 * still counted the failed transfer as pending (`transferPending` kept true) answered 491, and no
 * case transferred a session twice. A3 then declines too; the transferor's NOTIFYs are taken.
 */
async function transferAgain(t: TestContext, x: Setup): Promise<void> {
  const T = t.timeoutMs;
  const a3 = t.topology.users[0].devices[2];
  await t.step('again', `The transferor transfers the session again, to ${a3.name}: accepted (the failed transfer is over)`, 'TRF-MP-ACCEPT', async () => {
    const { response: res } = await x.a1.inDialog(x.s.uac, 'REFER', [{ name: 'Refer-To', value: `<${addressOf(t, a3)}>` }, { name: 'Referred-By', value: `<${x.a1.aor}>` }]);
    t.check('TRF-MP-ACCEPT', res !== null && referAccepted(t, res.status), {
      message: `after the failed transfer, a new transfer to ${a3.name} (a registered device of the same user) was not accepted: ${res ? labelOf(res) : 'no answer'}`,
      expected: t.target.binding.referSuccessCode === '202' ? '202 Accepted' : '200 or 202', actual: res ?? 'nothing',
    });
    await takeRequest(x.a1, 'NOTIFY', T);
    const tx = await a3.waitForRequest({ method: 'REFER' }, T);
    if (tx) await a3.respond(tx, 603, 'Decline');
    await takeRequest(x.a1, 'NOTIFY', T);
  });
}

export const targetDeclinesJoin = targetDeclines('TC-TRF-MP-04', 'The target declines the Join Notification: the transferor is told and keeps its session', 'refer');
export const targetRejectsInvitation = targetDeclines('TC-TRF-MP-05', 'The target\'s invitation fails (it reports 486 in its NOTIFY): the transferor is told and keeps its session', 'invite');

/**
 * PF control for the target refuses an invitation that continues no transfer: `should`, as the CR
 * leaves what PF control decides to the CS ("If determined to continue the CPM Session
 * establishment"); true when refused.
 */
function judgeRefusedJoin(t: TestContext, answer: SipResponse | null, what: string): boolean {
  const refused = answer !== null && answer.status >= 300;
  t.should(ESTABLISH, refused, {
    message: `${what}: the CS did not refuse it (${answer ? labelOf(answer) : 'no answer'})`, expected: 'a 4xx-6xx final response (e.g. 403, 481)', actual: answer ?? 'nothing',
  });
  return refused;
}

/**
 * 5.2.5.1.1 ¶4: PF control on behalf of the target, then the session established with *the target*
 * device. Found by mutation testing of transfer-mp.ts (docs/mutation.md): a CS that let the
 * transferor or another user's device join through the session URI (`isTargetDevice` → false), let
 * the target join a second time (`t.joined` not tested), or answered nothing to an invitation for a
 * finished transfer (`t?.call` → `t.call`) passed every case.
 */
export const targetControl: TestCase = {
  id: 'TC-TRF-MP-07',
  title: 'PF control for the target: only the device the transfer named joins, once; the transferor, another user\'s device, a second or a late invitation are refused (SHOULD)',
  requirements: ['TRF-MP-ESTABLISH'],
  spec: spec(MP.establish),
  steps: MP_STEPS,
  variants: variants([2, 1, 1]),
  applies,
  async run(t: TestContext) {
    const x = await sessionToTransfer(t);
    const T = t.timeoutMs;
    requireAccepted(t, await requestTransfer(t, x, addressOf(t, x.a2), 'TRF-MP-ESTABLISH'));
    await takeRequest(x.a1, 'NOTIFY', T);
    const join = await t.step('T3', MP_STEPS.T3, 'TRF-MP-ESTABLISH', () => targetTakesNotification(t, x.a2, 'Join Notification'));
    for (const other of [t.topology.users[2].devices[0], x.a1]) {
      const refused = await t.step(`other:${other.name}`, `A device the transfer did not name (${other.name}) sends the invitation the Join Notification describes: refused`, 'TRF-MP-ESTABLISH', async () =>
        judgeRefusedJoin(t, await inviteAsTold(t, x, other, join.how), `${other.name}'s invitation to join the session the transfer offered ${x.a2.name}`));
      if (!refused) return;
    }
    await t.step('T4', MP_STEPS.T4, 'TRF-MP-ESTABLISH', async () => {
      const answer = await inviteAsTold(t, x, x.a2, join.how);
      t.check('TRF-MP-ESTABLISH', answer !== null && answer.status >= 200 && answer.status < 300, {
        message: `after refusing the others the CS did not establish the session with the target: ${answer ? labelOf(answer) : 'no answer'}`, expected: '2xx to the target\'s INVITE', actual: answer ?? 'nothing',
      });
    });
    const again = await t.step('again', `${x.a2.name} sends the same invitation a second time: the transfer is joined already, refused`, 'TRF-MP-ESTABLISH', async () =>
      judgeRefusedJoin(t, await inviteAsTold(t, x, x.a2, join.how), `a second invitation after ${x.a2.name} joined`));
    if (!again) return;
    await t.step('T6', MP_STEPS.T6, 'TRF-MP-ESTABLISH', async () => {
      const { response } = await sendReferNotify(x.a2, join.dialog, 'terminated', 200, 'OK');
      t.precondition(response !== null && response.status < 300, { message: `the CS did not accept the Replaced Notification: ${response ? labelOf(response) : 'no answer'}` });
      t.precondition(await takeRequest(x.a1, 'NOTIFY', T) !== null, { message: `no Release Notification reached ${x.a1.name}` });
    });
    await t.step('late', `${x.a2.name} sends the invitation once more after the transfer ended: refused`, 'TRF-MP-ESTABLISH', async () => {
      judgeRefusedJoin(t, await inviteAsTold(t, x, x.a2, join.how), 'an invitation for a transfer that has ended');
    });
  },
};

export const csInMediaPathCases: TestCase[] = [transferInMediaPath, foreignTargetRefused, unregisteredTargetRefused, targetDeclinesJoin, targetRejectsInvitation, selfTargetRefused, targetControl, outOfOrderRefused, twoReferToRefused];
