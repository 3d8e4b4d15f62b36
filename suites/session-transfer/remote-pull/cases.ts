/**
 * Suite: remote (pull) transfer (5.2.5.1 ¶1): a device pulls the session another device of the
 * same user holds onto itself. Two bindings (docs/cpm-sip-binding.md, knob `pullMode`):
 * - `invite-replaces` (default): the puller sends an INVITE with Replaces naming the held dialog
 *   (RFC 3891 §6.1);
 * - `refer-to-psi`: the puller asks the CS, with a REFER to the CS transfer URI naming the held
 *   dialog by Target-Dialog (RFC 4538) and itself as Refer-To (RFC 3515); after 202 + NOTIFY the
 *   CS leads it into the session, by a REFER it follows (as in 5.2.5.1.1 / 5.2.5.1.2) or by an
 *   INVITE of its own, and ends the subscription with NOTIFY sipfrag 200 once the session moved.
 * Either way the device that held the session is released (BYE) and the session goes on at the puller.
 */
import { Dialog } from '../../../src/sip/dialog';
import { contributionId, conversationId } from '../../../src/sip/headers/cpm';
import type { TestCase } from '../../../src/harness/test-case';
import type { TestContext } from '../../../src/harness/context';
import type { HarnessTarget } from '../../../src/harness/target';
import type { Device } from '../../../src/harness/device';
import { finalWithin, type Session } from '../../../src/harness/session';
import {
  acceptRefer, addressOf, joinInstruction, PROGRESS, REFER_TEMPLATE, notifyTemplate, sendReferNotify, sessionToTransfer, takeRequest,
  inviteFollowing, referAccepted, replacesOf, transferRefer, transferVariants,
} from '../transfer-flow';
import { labelOf } from '../../../src/harness/template';
import { PULL, TRF_DOCUMENT } from '../spec';
import { mediaAfterPull } from '../media-after-transfer';
import type { Exchange } from '../media-delivery';

/** The puller's new dialog, and the SDP exchanges its chat runs on: the puller's, and the peer's when it answered a new one. */
interface Pulled {
  dialog: Dialog;
  a2Exchange: Exchange;
  b1Exchange: Exchange | null;
}

const variants = transferVariants;
const applies = (t: HarnessTarget) => {
  if (!t.ics.transfer.pull) return 'ICS: the SUT does not claim remote (pull) transfer (ics.transfer.pull = false)';
  if (t.binding.pullMode === 'refer-to-psi' && !t.ixit.transferUri) return 'IXIT: binding.pullMode is refer-to-psi but there is no CS transfer URI (ixit.transferUri) to send the pull to';
  return true;
};
const spec = { document: TRF_DOCUMENT, clause: PULL.clause, sentence: PULL.sentence };
const byRefer = (t: TestContext) => t.target.binding.pullMode === 'refer-to-psi';

/** The pulling INVITE: to the held session's remote target, Replaces naming it (RFC 3891 §6.1). */
function pullInvite(puller: Device, s: Session) {
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
function pullRefer(t: TestContext, puller: Device, s: Session) {
  return transferRefer(t, puller, s.uac, addressOf(t, puller));
}

/**
 * The puller's INVITE (with Replaces or as a REFER told it): not in the media path the CS routes it
 * to the peer, which accepts it and releases the replaced dialog itself (RFC 3891 §3); in the media
 * path the CS answers it. Returns the puller's new dialog and the SDP exchanges (a failed check stops the case).
 */
async function invitePulled(t: TestContext, puller: Device, peer: Device, s: Session, invite: ReturnType<Device['inviteRequest']>): Promise<Pulled> {
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
  const d = Dialog.fromUac(tx.request, answer);
  await puller.ack(d, tx.request);
  return { dialog: d, a2Exchange: { offered: tx.request, answer }, b1Exchange: atPeer ? { answered: atPeer.request } : null };
}

/** refer-to-psi: the pull request, Accepted, and the CS leading the puller into the session. */
async function pullViaCs(t: TestContext, puller: Device, peer: Device, s: Session): Promise<Pulled & { subscription: Dialog }> {
  const T = t.timeoutMs;
  const { tx, response } = await puller.send(pullRefer(t, puller, s));
  t.check('TRF-PULL', response !== null && referAccepted(t, response.status), {
    message: `the pull request of ${puller.name}, a device of the same user, was not accepted: ${response ? labelOf(response) : 'no answer'}`,
    expected: '202 Accepted', actual: response ?? 'nothing',
  });
  // RFC 3515 §2.4.4: the REFER's dialog carries the implicit subscription the NOTIFYs come in.
  const subscription = Dialog.fromUac(tx.request, response);
  const n = t.require(await takeRequest(puller, 'NOTIFY', T), 'TRF-PULL', { message: `no NOTIFY followed the Accepted response at ${puller.name} (RFC 3515 §2.4.4)`, expected: 'NOTIFY Event: refer, sipfrag SIP/2.0 100 Trying' });
  t.expect('TRF-PULL', n.request, notifyTemplate({ state: 'active', status: PROGRESS }), 'the first NOTIFY of the pull is not the refer progress notification');
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

export const pullBySameUser: TestCase = {
  id: 'TC-TRF-PULL-01',
  title: 'A device pulls the session another device of the same user holds; the device that held it is released',
  requirements: ['TRF-PULL'],
  spec,
  variants: variants([2, 1]),
  applies,
  async run(t: TestContext) {
    const { s, a1, a2, b1 } = await sessionToTransfer(t);
    const T = t.timeoutMs;
    const how = byRefer(t) ? 'REFER to the CS transfer URI' : 'INVITE with Replaces';
    const pulled = await t.step('pull', `${a2.name} pulls the session of ${a1.name} (${how})`, 'TRF-PULL', async () => {
      if (byRefer(t)) return pullViaCs(t, a2, b1, s);
      return { ...(await invitePulled(t, a2, b1, s, pullInvite(a2, s))), subscription: null };
    });
    await t.step('release', `${a1.name}, which held the session, is released`, 'TRF-PULL', async () => {
      const bye = t.require(await a1.waitForRequest({ method: 'BYE' }, T), 'TRF-PULL', { message: `${a1.name} still holds the session after it was pulled (no BYE within ${T} ms)`, expected: `BYE at ${a1.name}` });
      t.checkCrossedSut('TRF-PULL', bye, `the release BYE at ${a1.name}`);
      await a1.respond(bye, 200);
    });
    if (pulled.subscription) {
      await t.step('notify', `The CS tells ${a2.name} the pull succeeded (NOTIFY terminated, sipfrag 200)`, 'TRF-PULL', async () => {
        const n = t.require(await a2.waitForRequest({ method: 'NOTIFY', headers: { 'Call-ID': pulled.subscription.callId } }, T), 'TRF-PULL', { message: `${a2.name}'s pull subscription was never ended with the outcome (RFC 3515 §2.4.7)`, expected: 'NOTIFY terminated, sipfrag SIP/2.0 200 OK' });
        await a2.respond(n, 200);
        t.expect('TRF-PULL', n.request, notifyTemplate({ state: 'terminated', status: 200 }), 'the final NOTIFY of the pull does not report success');
      });
    }
    await t.step('continue', `The session now goes on at ${a2.name}: a message each way with ${b1.name}, none to ${a1.name}`, 'TRF-PULL', async () => {
      await mediaAfterPull(t, s, { a1, a2, a2Exchange: pulled.a2Exchange, b1Exchange: pulled.b1Exchange });
      const bye = pulled.dialog.createRequest('BYE');
      const tx = a2.endpoint.request(bye, a2.nextHop(bye));
      const at = t.require(await b1.waitForRequest({ method: 'BYE' }, T), 'TRF-PULL', { message: `the pulled session does not lead from ${a2.name} to the peer` });
      t.checkCrossedSut('TRF-PULL', at, `${a2.name}'s BYE at ${b1.name}`);
      await b1.respond(at, 200);
      await finalWithin(tx, T);
    });
  },
};

export const pullByOtherUserRefused: TestCase = {
  id: 'TC-TRF-PULL-02',
  title: 'A device of another user cannot pull the session',
  requirements: ['TRF-PULL'],
  spec,
  variants: variants([2, 1, 1]),
  applies,
  async run(t: TestContext) {
    const { s, a1, b1 } = await sessionToTransfer(t);
    const c1 = t.topology.users[2].devices[0];
    await t.step('pull', `${c1.name} (another user) tries to pull the session of ${a1.name}`, 'TRF-PULL', async () => {
      const req = byRefer(t) ? pullRefer(t, c1, s) : pullInvite(c1, s);
      const tx = c1.endpoint.request(req, c1.nextHop(req));
      const res = await finalWithin(tx, t.timeoutMs);
      t.check('TRF-PULL', res !== null && res.status >= 400, { message: `a pull by another user's device was not refused: ${res ? labelOf(res) : 'no answer'}`, expected: '403 (RFC 3891 §6: authorization)', actual: res ?? 'nothing' });
      if (res && res.status >= 200 && res.status < 300 && req.method === 'INVITE') await c1.ack(Dialog.fromUac(tx.request, res), tx.request);
      await t.expectQuiet([a1, b1], 'TRF-PULL', 'a refused pull must leave the session alone');
    });
  },
};

export const remotePullCases: TestCase[] = [pullBySameUser, pullByOtherUserRefused];
