/**
 * Suite: remote (pull) transfer (5.2.5.1 ¶1), PF control around a pull. Found by mutation testing of
 * the reference's transfer-pull.ts (docs/mutation.md): no case pulled a session that does not exist,
 * and none sent the invitation a pull leads to from another device, or twice. SHOULD throughout: the
 * CR's pull sentence names no PF control, and for the flows it borrows (5.2.5.1.1 ¶4, 5.2.5.1.2 ¶5)
 * it leaves what PF control decides to the CS ("If determined to continue"), as TC-TRF-MP-07 and
 * TC-TRF-NMP-07 judge it.
 */
import { randomUUID } from 'node:crypto';
import { Dialog } from '../../../src/sip/dialog';
import type { TestCase } from '../../../src/harness/test-case';
import type { TestContext } from '../../../src/harness/context';
import { finalWithin } from '../../../src/harness/session';
import { labelOf } from '../../../src/harness/template';
import {
  addressOf, inviteAsTold, inviteFollowing, replacesOf, requireAccepted, sendReferNotify, sessionToTransfer, takeRequest, targetTakesNotification,
  transferRefer, transferVariants,
} from '../transfer-flow';
import { byRefer, claimsPull, invitePulled, PULL_SPEC, pullRefer } from './pull-flow';

const spec = PULL_SPEC;

/**
 * A pull whose Target-Dialog (refer-to-psi) or Replaces (invite-replaces) names a dialog nobody has
 * (a fresh Call-ID, the session's tags): there is no session to take over. RFC 3891 §3 has the UAS
 * reject a Replaces that matches no dialog ("returns a 481 Call/Transaction Does Not Exist
 * response"); for the REFER the CR's "If determined that transferor is allowed to transfer the CPM
 * Session" (5.2.5.1.2 ¶3) has no session to decide on. Mutants: transfer-pull.ts `if (!held)` → false
 * and its block emptied (no answer at all), `call?.in` → `call.in` (the same).
 */
export const pullUnknownSession: TestCase = {
  id: 'TC-TRF-PULL-03',
  title: 'A pull naming no session is refused (SHOULD), and the session\'s devices hear nothing',
  requirements: ['TRF-PULL'],
  spec,
  variants: transferVariants([2, 1]),
  applies: claimsPull,
  async run(t: TestContext) {
    const { s, a1, a2, b1 } = await sessionToTransfer(t);
    const nowhere = { callId: `${randomUUID()}@nowhere`, localTag: s.uac.localTag, remoteTag: s.uac.remoteTag };
    await t.step('pull', `${a2.name} pulls a session that does not exist (${byRefer(t) ? 'REFER to the CS transfer URI' : 'INVITE with Replaces'})`, 'TRF-PULL', async () => {
      const req = byRefer(t)
        ? transferRefer(t, a2, nowhere, addressOf(t, a2))
        : a2.inviteRequest(s.uac.remoteTarget, { extra: [{ name: 'Replaces', value: replacesOf(nowhere) }, { name: 'Require', value: 'replaces' }] });
      const tx = a2.endpoint.request(req, a2.nextHop(req));
      const res = await finalWithin(tx, t.timeoutMs);
      if (res && res.status >= 200 && res.status < 300 && req.method === 'INVITE') await a2.ack(Dialog.fromUac(tx.request, res), tx.request);
      t.should('TRF-PULL', res !== null && res.status >= 300, {
        message: `a pull naming no session (Call-ID ${nowhere.callId}) was not refused: ${res ? labelOf(res) : 'no answer'}`,
        expected: 'a 4xx-6xx final response (481, RFC 3891 §3)', actual: res ?? 'nothing',
      });
      await t.expectQuiet([a1, b1], 'TRF-PULL', 'a pull naming no session must leave the session alone');
    });
  },
};

/**
 * refer-to-psi: the invitation the CS's REFER leads the puller to serves the puller, once. A1 (the
 * device the session is pulled from, not the one the pull named) sends it first: refused, nothing at
 * the peer; A2 joins; in the media path (B2BUA), A2's second invitation before its Replaced
 * Notification is refused too. Not in the media path the CS routes the second one, and the peer, whose
 * dialog it names is gone, refuses it (RFC 3891 §3): nothing of the CS's to judge. Mutants:
 * transfer-pull.ts `!isTargetDevice(…)` → false in `join` and `replacesInvite`, `t.joined = true` →
 * false, the 481 guard of `join` → false or emptied.
 */
export const pullLeadServesPuller: TestCase = {
  id: 'TC-TRF-PULL-04',
  title: 'The invitation a pull by REFER leads to serves the puller once: from another device, or again, it is refused (SHOULD)',
  requirements: ['TRF-PULL'],
  spec,
  variants: transferVariants([2, 1]),
  applies: (t) => {
    const claims = claimsPull(t);
    if (claims !== true) return claims;
    return t.binding.pullMode === 'refer-to-psi' || 'binding: pullMode is invite-replaces (the pull is the puller\'s own INVITE, the CS leads it nowhere)';
  },
  async run(t: TestContext) {
    const x = await sessionToTransfer(t);
    const { s, a1, a2, b1 } = x;
    const T = t.timeoutMs;
    const { response } = await t.step('pull', `${a2.name} pulls the session of ${a1.name} (REFER to the CS transfer URI)`, 'TRF-PULL', () => a2.send(pullRefer(t, a2, s)));
    requireAccepted(t, response);
    await takeRequest(a2, 'NOTIFY', T);
    const { how, dialog } = await t.step('lead', `The CS leads ${a2.name} into the session (REFER)`, 'TRF-PULL', () => targetTakesNotification(t, a2, 'REFER leading the puller into the session'));
    const refused = await t.step(`other:${a1.name}`, `${a1.name}, not the device the pull named, sends the invitation the CS's REFER describes: refused, nothing at ${b1.name}`, 'TRF-PULL', async () => {
      const answer = await inviteAsTold(t, x, a1, how);
      // Taken here so that, routed, it is judged as SHOULD below rather than as an unexpected request.
      const atB = await b1.waitForRequest({ method: 'INVITE' }, 0);
      if (atB) await b1.respond(atB, 603, 'Decline');
      const ok = answer !== null && answer.status >= 300 && atB === null;
      t.should('TRF-PULL', ok, {
        message: `${a1.name}'s invitation to take the session the pull offered ${a2.name} was ${atB ? `routed to ${b1.name}` : 'not refused'} (${answer ? labelOf(answer) : 'no answer'})`,
        expected: `a 4xx-6xx final response from the CS (e.g. 403), nothing at ${b1.name}`, actual: atB?.request ?? answer ?? 'nothing',
      });
      return ok;
    });
    // Joined by A1, the session is no longer A2's to take: the case has judged what it came for.
    if (!refused) return;
    await t.step('join', `${a2.name} follows the REFER: the session moves to it`, 'TRF-PULL', async () => {
      await invitePulled(t, a2, b1, s, inviteFollowing(t, a2, how, s.invite));
      const bye = await a1.waitForRequest({ method: 'BYE' }, T);
      if (bye) await a1.respond(bye, 200);
    });
    if (t.target.pfMode === 'b2bua') {
      await t.step('again', `Before its Replaced Notification ${a2.name} sends the invitation again: refused`, 'TRF-PULL', async () => {
        const answer = await inviteAsTold(t, x, a2, how);
        // Joined again, the CS releases A2's first dialog (BYE): taken, so the SHOULD below is the verdict.
        if (answer && answer.status < 300) {
          const bye = await a2.waitForRequest({ method: 'BYE' }, T);
          if (bye) await a2.respond(bye, 200);
        }
        t.should('TRF-PULL', answer !== null && answer.status >= 300, {
          message: `${a2.name}'s second invitation to the pull's session was ${answer ? `answered ${labelOf(answer)}` : 'not answered'}: the one-time invitation served twice`,
          expected: 'a 4xx-6xx final response (e.g. 481)', actual: answer ?? 'nothing',
        });
      });
    }
    // A2 reports its session up; the CS's final NOTIFY in the pull's subscription is taken, not judged (TC-TRF-PULL-01 does).
    await sendReferNotify(a2, dialog, 'terminated', 200, 'OK');
    await takeRequest(a2, 'NOTIFY', T);
  },
};
