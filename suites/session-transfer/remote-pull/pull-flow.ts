/**
 * How a device pulls a session (5.2.5.1 ¶1) in each binding of `pullMode`: the pulling INVITE with
 * Replaces (RFC 3891 §6.1), or the pull request to the CS transfer URI and the CS leading the
 * puller into the session (a REFER it follows, or an INVITE it answers). The scenario steps of the
 * remote-pull cases, so cases.ts holds their declarations only.
 */
import { Dialog } from '../../../src/sip/dialog';
import { contributionId, conversationId } from '../../../src/sip/headers/cpm';
import type { TestContext } from '../../../src/harness/context';
import type { HarnessTarget } from '../../../src/harness/target';
import { PULL, TRF_DOCUMENT } from '../spec';
import type { Device } from '../../../src/harness/device';
import { finalWithin, type Session } from '../../../src/harness/session';
import {
  acceptRefer, addressOf, joinInstruction, PROGRESS, REFER_TEMPLATE, notifyTemplate, sendReferNotify, takeRequest,
  inviteFollowing, referAccepted, replacesOf, transferRefer,
} from '../transfer-flow';
import { labelOf } from '../../../src/harness/template';
import { callId, fromTag, toTag } from '../../../src/sip/headers/name-addr';
import type { Exchange } from '../media-delivery';
import { ACCEPTED_DIALOG, SDP_ANSWER } from '../answer-templates';

/** The puller's new dialog, and the SDP exchanges its chat runs on: the puller's, and the peer's when it answered a new one. */
/** The CR sentence every pull case quotes (5.2.5.1 ¶1). */
export const PULL_SPEC = { document: TRF_DOCUMENT, clause: PULL.clause, sentence: PULL.sentence };

/** A pull case applies when the SUT claims pull and, for the pull by REFER, the IXIT names where to send it. */
export function claimsPull(t: HarnessTarget): true | string {
  if (!t.ics.transfer.pull) return 'ICS: the SUT does not claim remote (pull) transfer (ics.transfer.pull = false)';
  if (t.binding.pullMode === 'refer-to-psi' && !t.ixit.transferUri) return 'IXIT: binding.pullMode is refer-to-psi but there is no CS transfer URI (ixit.transferUri) to send the pull to';
  return true;
}

/** The binding pulls by REFER to the CS transfer URI (refer-to-psi), not by INVITE with Replaces. */
export const byRefer = (t: TestContext): boolean => t.target.binding.pullMode === 'refer-to-psi';

export interface Pulled {
  dialog: Dialog;
  a2Exchange: Exchange;
  b1Exchange: Exchange | null;
}

/** The pulling INVITE: to the held session's remote target, Replaces naming it (RFC 3891 §6.1). */
export function pullInvite(puller: Device, s: Session) {
  const d = s.uac;
  return puller.inviteRequest(d.remoteTarget, {
    conversationId: conversationId(s.invite) ?? undefined,
    contributionId: contributionId(s.invite) ?? undefined,
    extra: [
      { name: 'Replaces', value: replacesOf(d) },
      { name: 'Require', value: 'replaces' },
    ],
  });
}

/** The pulling REFER: to the CS transfer URI, Target-Dialog naming the held dialog, the puller itself as Refer-To. */
export function pullRefer(t: TestContext, puller: Device, s: Session) {
  return transferRefer(t, puller, s.uac, addressOf(t, puller));
}

/**
 * The puller's INVITE (with Replaces or as a REFER told it): not in the media path the CS routes it
 * to the peer, which accepts it and releases the replaced dialog itself (RFC 3891 §3); in the media
 * path the CS answers it. Returns the puller's new dialog and the SDP exchanges (a failed check stops the case).
 */
export async function invitePulled(t: TestContext, puller: Device, peer: Device, s: Session, invite: ReturnType<Device['inviteRequest']>): Promise<Pulled> {
  const T = t.timeoutMs;
  const tx = puller.endpoint.request(invite, puller.nextHop(invite));
  const atPeer = await peer.waitForRequest({ method: 'INVITE', headers: { Replaces: () => true } }, t.target.pfMode === 'proxy' ? T : t.quietMs);
  if (atPeer) {
    await peer.answer(atPeer, 200);
    const old = s.uas.createRequest('BYE');
    peer.endpoint.request(old, peer.nextHop(old));
  }
  const answer = await finalWithin(tx, T);
  t.check('TRF-PULL', answer !== null && answer.status >= 200 && answer.status < 300, {
    message: `the pull by ${puller.name}, a device of the same user, was not accepted: ${answer ? labelOf(answer) : 'no answer'}`, actual: answer ?? 'nothing',
  });
  // The CS answered it (in the media path): RFC 3261 §20.15, "The Content-Type header field MUST be present if
  // the body is not empty". Found by mutation testing of transfer-pull.ts (docs/mutation.md): the CS's 2xx with
  // its SDP under an empty Content-Type (`'application/sdp'` → `""`) passed.
  if (!atPeer) t.expect('TRF-PULL', answer, SDP_ANSWER, `the CS's answer to ${puller.name} does not label its SDP application/sdp (RFC 3261 §20.15)`);
  const d = Dialog.fromUac(tx.request, answer);
  await puller.ack(d, tx.request);
  return { dialog: d, a2Exchange: { offered: tx.request, answer }, b1Exchange: atPeer ? { answered: atPeer.request } : null };
}

/** refer-to-psi: the pull request, Accepted, and the CS leading the puller into the session. */
export async function pullViaCs(t: TestContext, puller: Device, peer: Device, s: Session): Promise<Pulled & { subscription: Dialog }> {
  const T = t.timeoutMs;
  const { tx, response } = await puller.send(pullRefer(t, puller, s));
  t.check('TRF-PULL', response !== null && referAccepted(t, response.status), {
    message: `the pull request of ${puller.name}, a device of the same user, was not accepted: ${response ? labelOf(response) : 'no answer'}`,
    expected: '202 Accepted', actual: response ?? 'nothing',
  });
  // RFC 3515 §2.4.4: the REFER's dialog carries the implicit subscription the NOTIFYs come in; the 202 creates
  // it (RFC 3261 §12.1.1: "The UAS MUST add a Contact header field to the response"). Found by mutation testing
  // of transfer-pull.ts (docs/mutation.md): the 202 without Contact, or with a To tag the NOTIFYs do not use, passed.
  t.expect('TRF-PULL', response, ACCEPTED_DIALOG, 'the Accepted response does not create the subscription dialog (RFC 3261 §12.1.1: a To tag and a Contact)');
  const subscription = Dialog.fromUac(tx.request, response);
  const n = t.require(await takeRequest(puller, 'NOTIFY', T), 'TRF-PULL', { message: `no NOTIFY followed the Accepted response at ${puller.name} (RFC 3515 §2.4.4)`, expected: 'NOTIFY Event: refer, sipfrag SIP/2.0 100 Trying' });
  t.expect('TRF-PULL', n.request, notifyTemplate({ state: 'active', status: PROGRESS }), 'the first NOTIFY of the pull is not the refer progress notification');
  // RFC 3261 §12.2.1.1: "The tag in the From header field of the request MUST be set to the local tag of the dialog ID" (the 202's To tag).
  t.check('TRF-PULL', callId(n.request) === callId(response) && fromTag(n.request) === toTag(response), {
    message: `the NOTIFY is not in the dialog the Accepted response created: Call-ID ${callId(n.request) ?? '?'}, From tag ${fromTag(n.request) ?? '(none)'}; the 202: Call-ID ${callId(response) ?? '?'}, To tag ${toTag(response) ?? '(none)'} (RFC 3261 §12.2.1.1, RFC 3515 §2.4.4)`,
    expected: `From tag ${toTag(response) ?? '(none)'} (the 202's To tag)`, actual: n.request,
  });
  // The CS leads the puller into the session: a REFER it follows, or an INVITE it answers.
  const lead = t.require(await puller.waitForRequest({ where: [{ what: 'REFER or INVITE', test: (m) => m.kind === 'request' && (m.method === 'REFER' || m.method === 'INVITE') }] }, T), 'TRF-PULL', { message: `after accepting the pull the CS did not lead ${puller.name} into the session within ${T} ms`, expected: `REFER or INVITE at ${puller.name}` });
  if (lead.request.method === 'INVITE') {
    const dialog = await puller.answer(lead, 200);
    t.precondition(dialog !== null, { message: `${puller.name} could not answer the CS's INVITE 200 OK` });
    return { dialog, subscription, a2Exchange: { answered: lead.request }, b1Exchange: null };
  }
  t.expect('TRF-PULL', lead.request, REFER_TEMPLATE, 'the CS\'s REFER to the puller is not well formed (RFC 3515 §2.1)');
  const how = joinInstruction(lead.request);
  const referDialog = await acceptRefer(puller, lead);
  await sendReferNotify(puller, referDialog, 'active', 100, 'Trying');
  const invite = inviteFollowing(t, puller, how, s.invite);
  const pulled = await invitePulled(t, puller, peer, s, invite);
  await sendReferNotify(puller, referDialog, 'terminated', 200, 'OK');
  return { ...pulled, subscription };
}

