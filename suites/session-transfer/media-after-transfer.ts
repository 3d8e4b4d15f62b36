/**
 * After a transfer or a pull, the session goes on where the CR says, judged by messages on the
 * wire (issue 17): the transferee sends one to the device that now holds the session and gets one
 * back (media-delivery.ts), the device that left gets nothing, and the path the message took is
 * judged per clause (media-path.ts).
 *
 * - 5.2.5.1.1 ¶4: "the CPM Conversation Server SHALL establish the CPM Session with the target CPM
 *   Client device" (TRF-MP-ESTABLISH: the messages flow between transferee and target, not to the
 *   transferor); ¶5: "The CPM Conversation Server SHOULD remains in the media path for this
 *   session." (TRF-MP-MEDIA: they flow through the CS).
 * - 5.2.5.1.2 ¶5: "the CPM Conversation Server SHALL route the CPM Session Invitation to the
 *   transferee CPM Client device" (TRF-NMP-ROUTE: the target's session is the transferee's own, so
 *   its media goes directly between them).
 * - 5.2.5.1 ¶1: "remote CPM Session refers to transfer the session currently on another CPM enabled
 *   device to the local CPM enabled device" (TRF-PULL: the messages go to the puller).
 */
import type { TestContext } from '../../src/harness/context';
import type { Device } from '../../src/harness/device';
import type { Session } from '../../src/harness/session';
import { chatEnd, deliver, type ChatEnd, type Exchange } from './media-delivery';
import { csInMsrpPath, directMsrpPath } from './media-path';

/** The transferee's end: its new SDP exchange when it answered one, else the session it had. */
function transfereeEnd(t: TestContext, s: Session, exchange: Exchange | null, how: Parameters<typeof chatEnd>[1]): ChatEnd {
  return chatEnd(t, how, s.callee, exchange ?? { answered: s.inviteAtCallee });
}

/**
 * In path (5.2.5.1.1), step T9: the transferee B1 and the target A2 exchange a message each way
 * through the CS; A1 gets nothing. `leftInSdp`: T5 found the CS's SDP to the target names no CS
 * path; then a message that does not arrive is that finding's consequence (TRF-MP-MEDIA), since a
 * CS out of the path owes the target no relay of its own.
 */
export async function mediaAfterJoin(t: TestContext, s: Session, o: { a1: Device; a2: Device; a2Exchange: Exchange; leftInSdp: boolean }): Promise<void> {
  const b1 = transfereeEnd(t, s, null, 'precondition');
  const a2 = chatEnd(t, 'TRF-MP-ESTABLISH', o.a2, o.a2Exchange);
  const undelivered = o.leftInSdp
    ? (why: string, actual: Parameters<TestContext['should']>[2]['actual']) => t.should('TRF-MP-MEDIA', false, { message: `the CS left the media path (its SDP to ${o.a2.name}, T5), and ${why}`, expected: 'the transferee\'s messages relayed to the target by the CS', actual })
    : undefined;
  const text = `to ${o.a2.name}, who holds the session now`;
  const d = undelivered
    ? await deliver(t, 'TRF-MP-ESTABLISH', b1, a2, text, { notAt: [o.a1], undelivered })
    : await deliver(t, 'TRF-MP-ESTABLISH', b1, a2, text, { notAt: [o.a1] });
  if (!d) return;
  t.should('TRF-MP-MEDIA', csInMsrpPath(t, d, a2, b1), {
    message: `the CS did not stay in the MSRP path of the transferred session (5.2.5.1.1 ¶5 "The CPM Conversation Server SHOULD remains in the media path for this session.")`,
    expected: `${o.a2.name}'s MSRP connection to the CS, the SEND From-Path naming the CS (binding csMsrpRole: ${t.target.binding.csMsrpRole})`, actual: d.entry, fields: ['From-Path'],
  });
  await deliver(t, 'TRF-MP-ESTABLISH', a2, b1, `${o.a2.name} answering`);
}

/**
 * Not in path (5.2.5.1.2), step T8: the target A2 and the transferee B1, in the session the CS
 * routed, exchange a message each way directly; A1 gets nothing.
 */
export async function mediaAfterReplace(t: TestContext, s: Session, o: { a1: Device; a2: Device; a2Exchange: Exchange; b1Exchange: Exchange }): Promise<void> {
  const b1 = transfereeEnd(t, s, o.b1Exchange, 'TRF-NMP-ROUTE');
  const a2 = chatEnd(t, 'TRF-NMP-ROUTE', o.a2, o.a2Exchange);
  const d = await deliver(t, 'TRF-NMP-ROUTE', b1, a2, `to ${o.a2.name}, directly`, { notAt: [o.a1] });
  t.check('TRF-NMP-ROUTE', directMsrpPath(d, a2, b1), {
    message: 'the media of the target\'s session does not flow directly between target and transferee (5.2.5.1.2, not in the media path)',
    expected: `From-Path ${b1.device.name}'s own MSRP URI alone, over a connection between the two devices`, actual: d.entry, fields: ['From-Path'],
  });
  await deliver(t, 'TRF-NMP-ROUTE', a2, b1, `${o.a2.name} answering`);
}

/** Pull (5.2.5.1 ¶1): the peer B1 and the puller A2 exchange a message each way; A1, which held the session, gets nothing. */
export async function mediaAfterPull(t: TestContext, s: Session, o: { a1: Device; a2: Device; a2Exchange: Exchange; b1Exchange: Exchange | null }): Promise<void> {
  const b1 = transfereeEnd(t, s, o.b1Exchange, 'TRF-PULL');
  const a2 = chatEnd(t, 'TRF-PULL', o.a2, o.a2Exchange);
  await deliver(t, 'TRF-PULL', b1, a2, `to ${o.a2.name}, which pulled the session`, { notAt: [o.a1] });
  await deliver(t, 'TRF-PULL', a2, b1, `${o.a2.name} answering`);
}
