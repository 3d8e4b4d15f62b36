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
import type { TestCase } from '../../../src/harness/test-case';
import type { TestContext } from '../../../src/harness/context';
import { finalWithin } from '../../../src/harness/session';
import { notifyTemplate, sessionToTransfer, transferVariants } from '../transfer-flow';
import { labelOf } from '../../../src/harness/template';
import { mediaAfterPull } from '../media-after-transfer';
import { byRefer, claimsPull, invitePulled, PULL_SPEC, pullInvite, pullRefer, pullViaCs } from './pull-flow';
import { pullLeadServesPuller, pullUnknownSession } from './control-cases';

const variants = transferVariants;
const applies = claimsPull;
const spec = PULL_SPEC;

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

export const remotePullCases: TestCase[] = [pullBySameUser, pullByOtherUserRefused, pullUnknownSession, pullLeadServesPuller];
