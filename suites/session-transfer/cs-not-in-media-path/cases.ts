/**
 * Suite: session transfer with the CPM Conversation Server NOT in the media path (5.2.5.1.2).
 * User A: A1 transferor, A2 target; user B: B1 transferee; user C (C1) as a foreign target.
 * The transfer request goes to the CS transfer URI (IXIT) with Target-Dialog (docs/cpm-sip-binding.md).
 */
import { header, type SipResponse } from '../../../src/sip/message';
import { callId, fromTag, toTag } from '../../../src/sip/headers/name-addr';
import { randomUUID } from 'node:crypto';
import { contributionId, conversationId } from '../../../src/sip/headers/cpm';
import { parseReplaces } from '../../../src/sip/headers/dialog-id';
import { Dialog } from '../../../src/sip/dialog';
import { vias } from '../../../src/sip/headers/via';
import { routes } from '../../../src/sip/headers/route';
import type { TestCase } from '../../../src/harness/test-case';
import type { TestContext } from '../../../src/harness/context';
import type { HarnessTarget } from '../../../src/harness/target';
import type { RequirementId } from '../../../src/harness/requirements';
import { finalWithin } from '../../../src/harness/session';
import { uriAddress } from '../../../src/harness/addressing';
import { msrpPath } from '../../../src/harness/sdp';
import { labelOf } from '../../../src/harness/template';
import {
  acceptRefer, joinInstruction, FAILURE, PROGRESS, REFER_TEMPLATE, notifyTemplate, replacesNames, sendReferNotify, takeRequest,
  sessionToTransfer, transferVariants, inviteAsTold, targetTakesNotification, addressOf, unregisteredAddress, contributionIdFollows, inviteFollowing, judgeThroughCore, referAccepted, requireAccepted, transferRefer, type TransferSetup,
} from '../transfer-flow';
import { NMP, NMP_STEPS, TRF_DOCUMENT } from '../spec';
import { ACCEPTED_DIALOG } from '../answer-templates';
import { mediaAfterReplace } from '../media-after-transfer';

const variants = transferVariants;
const applies = (t: HarnessTarget) => {
  if (!t.ics.transfer.csNotInMediaPath) return 'ICS: the SUT does not claim session transfer with the CS not in the media path (ics.transfer.csNotInMediaPath = false)';
  return t.ixit.transferUri ? true : 'IXIT: no CS transfer URI (ixit.transferUri) to send the transfer request to';
};
const spec = (sentence: string) => ({ document: TRF_DOCUMENT, clause: NMP.clause, sentence });

type Setup = TransferSetup;

/** T1: out-of-dialog REFER to the CS transfer URI naming the session by Target-Dialog (RFC 4538), as a step of the case's requirement. */
async function requestTransfer(t: TestContext, x: Setup, target: string, requirement: RequirementId) {
  return t.step('T1', NMP_STEPS.T1, requirement, async () => {
    return x.a1.send(transferRefer(t, x.a1, x.s.uac, target));
  });
}

export const transferNotInMediaPath: TestCase = {
  id: 'TC-TRF-NMP-01',
  title: 'Local transfer with the CS not in the media path: Accepted, replacement notification, the target\'s invitation routed to the transferee with Replaces, Release Notification, release routed to the transferee',
  requirements: ['TRF-NMP-ACCEPT', 'TRF-NMP-REPLACE', 'TRF-NMP-ROUTE', 'TRF-NMP-RELEASE'],
  spec: spec(`${NMP.accept} ${NMP.replace} ${NMP.route} ${NMP.release}`),
  steps: NMP_STEPS,
  variants: variants([2, 1]),
  applies,
  async run(t: TestContext) {
    const x = await sessionToTransfer(t);
    const T = t.timeoutMs;
    const { response: res } = await requestTransfer(t, x, addressOf(t, x.a2), 'TRF-NMP-ACCEPT');
    await t.step('T2', NMP_STEPS.T2, 'TRF-NMP-ACCEPT', async () => {
      t.check('TRF-NMP-ACCEPT', res !== null && referAccepted(t, res.status), {
        message: `the transfer to ${x.a2.name} (a registered device of the same user) was not accepted: ${res ? labelOf(res) : 'no answer'}`, expected: '202 Accepted', actual: res ?? 'nothing',
      });
      t.expect('TRF-NMP-ACCEPT', res, ACCEPTED_DIALOG, 'the Accepted response does not create the subscription dialog (RFC 3261 §12.1.1: a To tag and a Contact)');
      const n = t.require(await takeRequest(x.a1, 'NOTIFY', T), 'TRF-NMP-ACCEPT', { message: `no NOTIFY followed the Accepted response at ${x.a1.name}`, expected: 'NOTIFY Event: refer, sipfrag SIP/2.0 100 Trying' });
      t.expect('TRF-NMP-ACCEPT', n.request, notifyTemplate({ state: 'active', status: PROGRESS }), 'the first NOTIFY is not the refer progress notification');
      // RFC 3261 §12.2.1.1: the notifier's requests in that dialog carry its tag (the 202's To tag) as From tag. Found by
      // mutation testing of transfer-nmp.ts (docs/mutation.md): the 202's To tag `{ toTag }` → `{}` passed.
      t.check('TRF-NMP-ACCEPT', callId(n.request) === callId(res) && fromTag(n.request) === toTag(res), {
        message: `the NOTIFY is not in the dialog the Accepted response created: Call-ID ${callId(n.request) ?? '?'}, From tag ${fromTag(n.request) ?? '(none)'}; the 202: Call-ID ${callId(res) ?? '?'}, To tag ${toTag(res) ?? '(none)'} (RFC 3261 §12.2.1.1, RFC 3515 §2.4.4)`,
        expected: `From tag ${toTag(res) ?? '(none)'} (the 202's To tag)`, actual: n.request,
      });
    });
    const how = await t.step('T3', NMP_STEPS.T3, 'TRF-NMP-REPLACE', async () => {
      const tx = t.require(await x.a2.waitForRequest({ method: 'REFER' }, T), 'TRF-NMP-REPLACE', { message: `the target ${x.a2.name} received no Session replacement notification within ${T} ms`, expected: `REFER at ${x.a2.name}` });
      t.expect('TRF-NMP-REPLACE', tx.request, REFER_TEMPLATE, 'the replacement notification is not a well-formed REFER (RFC 3515 §2.1)');
      judgeThroughCore(t, 'TRF-NMP-REPLACE', x.a2, tx.request, 'Session replacement notification');
      const h = joinInstruction(tx.request);
      t.check('TRF-NMP-REPLACE', replacesNames(h.replaces, x.s.uac), { message: 'the replacement notification does not name the session to replace (Replaces, RFC 3891)', actual: tx.request });
      // RFC 3891 §3: a Replaces with early-only that matches a confirmed dialog is rejected (486), and the
      // session being transferred is confirmed: such a notification leads the target nowhere. Found by
      // mutation testing of transfer-notifications.ts (docs/mutation.md): `earlyOnly: true` passed.
      t.check('TRF-NMP-REPLACE', h.replaces === undefined || parseReplaces(h.replaces)?.earlyOnly !== true, {
        message: 'the replacement notification\'s Replaces carries early-only, but the session it names is confirmed: the transferee would reject the target\'s INVITE 486 (RFC 3891 §3)',
        expected: 'Replaces without early-only', actual: tx.request,
      });
      t.check('TRF-NMP-REPLACE', contributionIdFollows(t, h.contributionId, contributionId(x.s.invite) ?? undefined), { message: 'the replacement notification hands the target the wrong Contribution-ID for its session', actual: tx.request });
      const dialog = await acceptRefer(x.a2, tx);
      await sendReferNotify(x.a2, dialog, 'active', 100, 'Trying');
      return { ...h, dialog };
    });
    const next = await t.step('T4', NMP_STEPS.T4, 'TRF-NMP-ROUTE', async () => {
      const invite = inviteFollowing(t, x.a2, how, x.s.invite, x.a1.aor);
      const tx = x.a2.endpoint.request(invite, x.a2.nextHop(invite));
      const atB = await x.b1.waitForRequest({ method: 'INVITE' }, T);
      const answeredBy = await t.trace.waitFor({ owner: x.a2.name, direction: 'received', template: { status: { from: 200, to: 699 }, headers: { CSeq: /INVITE$/ } } }, 0);
      t.check('TRF-NMP-ROUTE', atB !== null, {
        message: `the target's CPM Session Invitation was not routed to the transferee ${x.b1.name}` + (answeredBy?.message ? ` (the target got ${labelOf(answeredBy.message)} instead)` : ''),
        expected: `INVITE with Replaces at ${x.b1.name}`, actual: answeredBy ?? 'nothing',
      });
      const inv = atB.request;
      t.check('TRF-NMP-ROUTE', replacesNames(header(inv, 'Replaces'), x.s.uas), { message: 'the invitation reached the transferee without a Replaces naming its session', actual: inv });
      const pfA = t.target.pfA;
      const csOnPath = vias(inv).some((v) => v.host === pfA.host && (v.port ?? 5060) === pfA.port) ||
        routes(inv, 'Record-Route').some((r) => { const a = uriAddress(r.uri); return a !== null && a.host === pfA.host && a.port === pfA.port; });
      const sent = { conv: conversationId(invite), contrib: contributionId(invite) };
      const routed = { conv: conversationId(inv), contrib: contributionId(inv) };
      t.check('TRF-NMP-ROUTE', [
        ...(routed.conv !== sent.conv ? [{ field: 'Conversation-ID', expected: sent.conv ?? '(absent)', actual: routed.conv ?? '(absent)' }] : []),
        ...(routed.contrib !== sent.contrib ? [{ field: 'Contribution-ID', expected: sent.contrib ?? '(absent)', actual: routed.contrib ?? '(absent)' }] : []),
      ], { message: 'the CS changed the CPM identifiers of the target\'s invitation on the way to the transferee (docs/cpm-sip-binding.md: same Conversation-ID; Contribution-ID per binding contributionIdOnTransfer)', actual: inv });
      t.check('TRF-NMP-ROUTE', csOnPath, { message: 'the invitation reached the transferee without passing the CS (no Via / Record-Route of PF A)', actual: inv });
      await x.b1.answer(atB, 200, { ringing: true });
      const answer = await finalWithin(tx, T);
      t.check('TRF-NMP-ROUTE', answer !== null && answer.status >= 200 && answer.status < 300, { message: `the transferee's answer did not reach the target: ${answer ? labelOf(answer) : 'none'}`, actual: answer ?? 'nothing' });
      const bPath = msrpPath(t.trace.find({ owner: x.b1.name, direction: 'sent', template: { status: 200 } }).pop()?.message?.body ?? Buffer.alloc(0));
      const got = msrpPath(answer.body);
      t.check('TRF-NMP-ROUTE', got !== null && bPath !== null && got.path === bPath.path, {
        message: `media does not flow directly between target and transferee: the target got a=path ${got?.path ?? '(none)'}, the transferee offered ${bPath?.path ?? '(none)'}`,
        expected: 'the transferee\'s own MSRP a=path', actual: answer,
      });
      const d = Dialog.fromUac(tx.request, answer);
      await x.a2.ack(d, tx.request);
      // The new session is confirmed when its ACK reaches the transferee (the Release Notification must not precede it).
      const ackAtTransferee = t.require(await t.trace.waitFor({ owner: x.b1.name, direction: 'received', template: { method: 'ACK', headers: { 'Call-ID': d.callId } } }, T), 'TRF-NMP-ROUTE', { message: 'the target\'s ACK did not reach the transferee: the new session is not confirmed end to end' });
      return { dialog: d, ackAtTransferee: ackAtTransferee, a2Exchange: { offered: tx.request, answer }, b1Exchange: { answered: inv } };
    });
    await t.step('T5', NMP_STEPS.T5, 'TRF-NMP-RELEASE', async () => {
      const { response } = await sendReferNotify(x.a2, how.dialog, 'terminated', 200, 'OK');
      t.precondition(response !== null && response.status < 300, { message: `the CS did not accept the Replaced Notification: ${response ? labelOf(response) : 'no answer'}` });
    });
    await t.step('T6', NMP_STEPS.T6, 'TRF-NMP-RELEASE', async () => {
      const n = t.require(await x.a1.waitForRequest({ method: 'NOTIFY' }, T), 'TRF-NMP-RELEASE', { message: `the transferor received no Release Notification within ${T} ms`, expected: 'NOTIFY terminated, sipfrag SIP/2.0 200 OK' });
      await x.a1.respond(n, 200);
      t.expect('TRF-NMP-RELEASE', n.request, notifyTemplate({ state: 'terminated', status: 200 }), 'the Release Notification is not a final refer NOTIFY reporting success');
      const ack = next.ackAtTransferee;
      const release = t.trace.find({ owner: x.a1.name, direction: 'received', template: { method: 'NOTIFY', headers: { 'Subscription-State': /^terminated/ } } })[0];
      if (ack && release) {
        t.check('TRF-NMP-RELEASE', t.trace.violations([[ack, release]]).length === 0, { message: 'the Release Notification came before the new session was confirmed (ACK at the transferee)', actual: release });
      }
    });
    await t.step('T7', NMP_STEPS.T7, 'TRF-NMP-RELEASE', async () => {
      const byTransferee = t.target.binding.releaseInitiator === 'transferee';
      const [from, to, dialog] = byTransferee ? [x.b1, x.a1, x.s.uas] : [x.a1, x.b1, x.s.uac];
      const bye = dialog.createRequest('BYE');
      const tx = from.endpoint.request(bye, from.nextHop(bye));
      const at = t.require(await to.waitForRequest({ method: 'BYE', headers: { 'Call-ID': x.s.uac.callId } }, T), 'TRF-NMP-RELEASE', { message: `the release of the old session was not routed to ${to.name}`, expected: `BYE at ${to.name}`, actual: t.trace.find({ owner: from.name, direction: 'received' }).pop() ?? 'nothing' });
      t.checkCrossedSut('TRF-NMP-RELEASE', at, `the release request at ${to.name}`);
      await to.respond(at, 200);
      const ok = await finalWithin(tx, T);
      t.check('TRF-NMP-RELEASE', ok?.status === 200, { message: `the release request was answered ${ok ? labelOf(ok) : 'with nothing'}`, actual: ok ?? 'nothing' });
    });
    await t.step('T8', NMP_STEPS.T8, 'TRF-NMP-ROUTE', async () => {
      // The new session carries the chat, directly between target and transferee (media-after-transfer.ts).
      await mediaAfterReplace(t, x.s, { a1: x.a1, a2: x.a2, a2Exchange: next.a2Exchange, b1Exchange: next.b1Exchange });
      const bye = next.dialog.createRequest('BYE');
      const tx = x.a2.endpoint.request(bye, x.a2.nextHop(bye));
      const at = t.require(await x.b1.waitForRequest({ method: 'BYE' }, T), 'TRF-NMP-ROUTE', { message: 'the new session between target and transferee does not work after the release' });
      t.checkCrossedSut('TRF-NMP-ROUTE', at, `the BYE of the new session at ${x.b1.name}`);
      await x.b1.respond(at, 200);
      await finalWithin(tx, T);
    });
  },
};

/** PF control refuses the transfer; `should` as in cs-in-media-path/cases.ts refusedTransfer (a self-transfer: the refusal is a reading of 5.2.5.1). */
function refused(id: string, title: string, target: (t: TestContext, x: Setup) => string, devices: number[], strength: 'shall' | 'should' = 'shall', send?: (t: TestContext, x: Setup) => Promise<{ response: SipResponse | null }>): TestCase {
  return {
    id, title, requirements: ['TRF-NMP-ACCEPT'], spec: spec(NMP.accept), steps: NMP_STEPS, variants: variants(devices), applies,
    async run(t: TestContext) {
      const x = await sessionToTransfer(t);
      const { response: res } = send ? await t.step('T1', NMP_STEPS.T1, 'TRF-NMP-ACCEPT', () => send(t, x)) : await requestTransfer(t, x, target(t, x), 'TRF-NMP-ACCEPT');
      const refusal = { expected: 'a 4xx/6xx rejection', actual: res ?? 'nothing' } as const;
      if (strength === 'should' && !(res !== null && res.status >= 400)) {
        await t.step('T2', 'PF control refuses the transfer', 'TRF-NMP-ACCEPT', () => Promise.resolve(t.should('TRF-NMP-ACCEPT', false, { ...refusal, message: `the CS accepted a transfer it should refuse: ${res ? labelOf(res) : 'no answer'}` })));
        return;
      }
      await t.step('T2', 'PF control refuses the transfer; nothing is sent to any device', 'TRF-NMP-ACCEPT', async () => {
        t.check('TRF-NMP-ACCEPT', res !== null && res.status >= 400, { ...refusal, message: `the CS accepted a transfer it must refuse: ${res ? labelOf(res) : 'no answer'}` });
        await t.expectQuiet(t.topology.devices, 'TRF-NMP-ACCEPT', 'after a refused transfer no device may be notified');
      });
    },
  };
}

export const nmpForeignTarget = refused('TC-TRF-NMP-02', 'A transfer to a device of another user is refused, and no device is notified', (t) => addressOf(t, t.topology.users[2].devices[0]), [2, 1, 1]);
export const nmpUnregisteredTarget = refused('TC-TRF-NMP-03', 'A transfer to a device that is not registered is refused, and no device is notified',
  (t, x) => unregisteredAddress(t, x.a1), [2, 1]);
// 5.2.5.1 ¶1: the session goes "to another CPM enabled device"; found by mutation testing of transfer-control.ts.
export const nmpSelfTarget = refused('TC-TRF-NMP-05', 'A transfer naming the transferor itself is refused (SHOULD), and no device is notified', (t, x) => addressOf(t, x.a1), [2, 1], 'should');

/**
 * "If determined that transferor is allowed to transfer the CPM Session": a transfer request whose
 * Target-Dialog names no session (a Call-ID nobody used) has no session to transfer. Found by
 * mutation testing of transfer-nmp.ts (docs/mutation.md): a CS that skipped the lookup (`!d` →
 * false) answered nothing and no case noticed.
 */
export const nmpUnknownSession = refused('TC-TRF-NMP-06', 'A transfer request whose Target-Dialog names no session is refused, and no device is notified', (t, x) => addressOf(t, x.a2), [2, 1], 'shall',
  (t, x) => x.a1.send(transferRefer(t, x.a1, { callId: `${randomUUID()}@nowhere`, localTag: x.s.uac.localTag, remoteTag: x.s.uac.remoteTag }, addressOf(t, x.a2))));

/**
 * 5.2.5.1.2 ¶5: PF control on behalf of the target, then the invitation routed to the transferee.
 * An invitation from a device the transfer did not name (another user's, the transferor's) should
 * be refused and not reach the transferee: `should`, as the CR leaves what PF control decides to
 * the CS ("If determined to continue"). Found by mutation testing of transfer-nmp.ts
 * (docs/mutation.md): `isTargetDevice` → false routed them and every case passed.
 */
export const nmpTargetControl: TestCase = {
  id: 'TC-TRF-NMP-07',
  title: 'PF control for the target: an invitation with Replaces from a device the transfer did not name is refused and not routed to the transferee (SHOULD)',
  requirements: ['TRF-NMP-ROUTE'],
  spec: spec(NMP.route),
  steps: NMP_STEPS,
  variants: variants([2, 1, 1]),
  applies,
  async run(t: TestContext) {
    const x = await sessionToTransfer(t);
    const T = t.timeoutMs;
    const { response: res } = await requestTransfer(t, x, addressOf(t, x.a2), 'TRF-NMP-ROUTE');
    requireAccepted(t, res);
    await takeRequest(x.a1, 'NOTIFY', T);
    const { how } = await t.step('T3', NMP_STEPS.T3, 'TRF-NMP-ROUTE', () => targetTakesNotification(t, x.a2, 'replacement notification'));
    for (const other of [t.topology.users[2].devices[0], x.a1]) {
      const ok = await t.step(`other:${other.name}`, `A device the transfer did not name (${other.name}) sends the invitation the replacement notification describes: refused, not routed to ${x.b1.name}`, 'TRF-NMP-ROUTE', async () => {
        const answer = await inviteAsTold(t, x, other, how);
        // Taken here so that, routed, it is judged as SHOULD below rather than as an unexpected request.
        const atB = await x.b1.waitForRequest({ method: 'INVITE' }, 0);
        if (atB) await x.b1.respond(atB, 603, 'Decline');
        const refused = answer !== null && answer.status >= 300 && atB === null;
        t.should('TRF-NMP-ROUTE', refused, {
          message: `${other.name}'s invitation to take over the session the transfer offered ${x.a2.name} was ${atB ? `routed to ${x.b1.name}` : 'not refused'} (${answer ? labelOf(answer) : 'no answer'})`,
          expected: `a 4xx-6xx final response from the CS (e.g. 403), nothing at ${x.b1.name}`, actual: atB?.request ?? answer ?? 'nothing',
        });
        return refused;
      });
      if (!ok) return;
    }
  },
};

export const nmpTargetDeclines: TestCase = {
  id: 'TC-TRF-NMP-04',
  title: 'The target declines the replacement notification: the transferor is told and keeps its session',
  requirements: ['TRF-NMP-RELEASE'],
  spec: spec(NMP.release),
  steps: NMP_STEPS,
  variants: variants([2, 1]),
  applies,
  async run(t: TestContext) {
    const x = await sessionToTransfer(t);
    const { response: res } = await requestTransfer(t, x, addressOf(t, x.a2), 'TRF-NMP-RELEASE');
    requireAccepted(t, res);
    await takeRequest(x.a1, 'NOTIFY', t.timeoutMs);
    await t.step('decline', 'The target declines the replacement notification (603)', 'TRF-NMP-RELEASE', async () => {
      const tx = await x.a2.waitForRequest({ method: 'REFER' }, t.timeoutMs);
      t.precondition(tx !== null, { message: 'no replacement notification reached the target' });
      await x.a2.respond(tx, 603, 'Decline');
    });
    await t.step('failure', 'The transferor is told the transfer failed', 'TRF-NMP-RELEASE', async () => {
      const n = t.require(await x.a1.waitForRequest({ method: 'NOTIFY' }, t.timeoutMs), 'TRF-NMP-RELEASE', { message: 'the transferor was never told the transfer failed' });
      await x.a1.respond(n, 200);
      t.expect('TRF-NMP-RELEASE', n.request, notifyTemplate({ state: 'terminated', status: FAILURE }), 'the final NOTIFY does not report the failure');
    });
    await t.step('keep', 'The transferor keeps its session', 'TRF-NMP-RELEASE', async () => {
      const bye = x.s.uac.createRequest('BYE');
      const tx = x.a1.endpoint.request(bye, x.a1.nextHop(bye));
      const at = t.require(await x.b1.waitForRequest({ method: 'BYE' }, t.timeoutMs), 'TRF-NMP-RELEASE', { message: 'after the failed transfer the transferor\'s session no longer reaches the transferee' });
      t.checkCrossedSut('TRF-NMP-RELEASE', at, `the transferor's BYE at ${x.b1.name}`);
      await x.b1.respond(at, 200);
      await finalWithin(tx, t.timeoutMs);
    });
  },
};

export const csNotInMediaPathCases: TestCase[] = [transferNotInMediaPath, nmpForeignTarget, nmpUnregisteredTarget, nmpTargetDeclines, nmpSelfTarget, nmpUnknownSession, nmpTargetControl];
