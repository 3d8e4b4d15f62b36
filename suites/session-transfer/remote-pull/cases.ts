/**
 * Suite: remote (pull) transfer (5.2.5.1 ¶1): a device pulls the session another device of the
 * same user holds onto itself, with an INVITE carrying Replaces (binding pullMode invite-replaces).
 */
import { Dialog } from '../../../src/sip/dialog';
import type { TestCase } from '../../../src/harness/test-case';
import type { HarnessTarget } from '../../../src/harness/target';
import type { Device } from '../../../src/harness/device';
import { finalWithin, type Session } from '../../../src/harness/session';
import { sessionToTransfer, transferVariants } from '../transfer-flow';
import { labelOf } from '../../../src/harness/template';
import { PULL, TRF_DOCUMENT } from '../spec';

const variants = transferVariants;
const applies = (t: HarnessTarget) => {
  if (!t.ics.transfer.pull) return 'ICS: the SUT does not claim remote (pull) transfer (ics.transfer.pull = false)';
  return true;
};
const spec = { document: TRF_DOCUMENT, clause: PULL.clause, sentence: PULL.sentence };

/** The pulling INVITE: to the held session's remote target, Replaces naming it (RFC 3891 §6.1). */
function pullInvite(puller: Device, s: Session) {
  const d = s.uac;
  return puller.inviteRequest(d.remoteTarget, {
    extra: [
      { name: 'Replaces', value: `${d.callId};to-tag=${d.remoteTag};from-tag=${d.localTag}` },
      { name: 'Require', value: 'replaces' },
    ],
  });
}

const setup = sessionToTransfer;

export const pullBySameUser: TestCase = {
  id: 'TC-TRF-PULL-01',
  title: 'A device pulls the session another device of the same user holds; the device that held it is released',
  requirements: ['TRF-PULL'],
  spec,
  variants: variants([2, 1]),
  applies,
  async run(t) {
    const { s, a1, a2, b1 } = await setup(t);
    const T = t.timeoutMs;
    const pulled = await t.step('pull', `${a2.name} pulls the session of ${a1.name} (INVITE with Replaces)`, async () => {
      const inv = pullInvite(a2, s);
      const tx = a2.endpoint.request(inv, a2.nextHop(inv));
      // Not in the media path, the CS routes the pull to the peer, which accepts and releases the old dialog (RFC 3891 §3).
      const atB = await b1.waitForRequest({ method: 'INVITE' }, t.target.pfMode === 'proxy' ? T : t.quietMs);
      if (atB) {
        await b1.answer(atB, 200);
        const old = s.uas.createRequest('BYE');
        b1.endpoint.request(old, b1.nextHop(old));
      }
      const answer = await finalWithin(tx, T);
      t.check('TRF-PULL', answer !== null && answer.status >= 200 && answer.status < 300, {
        message: `the pull by ${a2.name}, a device of the same user, was not accepted: ${answer ? labelOf(answer) : 'no answer'}`, actual: answer ?? 'nothing',
      });
      const d = Dialog.fromUac(tx.request, answer!);
      await a2.ack(d, tx.request);
      return d;
    });
    await t.step('release', `${a1.name}, which held the session, is released`, async () => {
      const bye = await a1.waitForRequest({ method: 'BYE' }, T);
      t.check('TRF-PULL', bye !== null, { message: `${a1.name} still holds the session after it was pulled (no BYE within ${T} ms)`, expected: `BYE at ${a1.name}` });
      await a1.respond(bye!, 200);
    });
    await t.step('continue', `The session now goes on at ${a2.name}`, async () => {
      const bye = pulled.createRequest('BYE');
      const tx = a2.endpoint.request(bye, a2.nextHop(bye));
      const at = await b1.waitForRequest({ method: 'BYE' }, T);
      t.check('TRF-PULL', at !== null, { message: `the pulled session does not lead from ${a2.name} to the peer` });
      await b1.respond(at!, 200);
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
  async run(t) {
    const { s, a1, b1 } = await setup(t);
    const c1 = t.topology.users[2].devices[0];
    await t.step('pull', `${c1.name} (another user) tries to pull the session of ${a1.name}`, async () => {
      const inv = pullInvite(c1, s);
      const tx = c1.endpoint.request(inv, c1.nextHop(inv));
      const res = await finalWithin(tx, t.timeoutMs);
      t.check('TRF-PULL', res !== null && res.status >= 400, { message: `a pull by another user's device was not refused: ${res ? labelOf(res) : 'no answer'}`, expected: '403 (RFC 3891 §6: authorization)', actual: res ?? 'nothing' });
      await t.expectQuiet([a1, b1], 'TRF-PULL', 'a refused pull must leave the session alone');
    });
  },
};

export const remotePullCases: TestCase[] = [pullBySameUser, pullByOtherUserRefused];
