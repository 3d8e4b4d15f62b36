/**
 * Preconditions shared by every suite: registering the devices and establishing a 1-1 CPM
 * session (INVITE / 200 / ACK through the SUT). A SUT that refuses a precondition makes the case
 * inconclusive, not failed: the requirement under test was never reached (design §4).
 */
import type { SipRequest, SipResponse } from '../sip/message';
import { Dialog } from '../sip/dialog';
import type { TestContext } from './context';
import { finalWithin, type Device } from './device';
import { labelOf } from './template';
import type { UserHandle } from './topology';

export interface Session {
  caller: Device;
  callee: Device;
  /** Dialog as seen by the caller (UAC) and the callee (UAS). */
  uac: Dialog;
  uas: Dialog;
  /** The INVITE as the caller sent it and as the callee received it. */
  invite: SipRequest;
  inviteAtCallee: SipRequest;
  answer: SipResponse;
}

export { finalWithin };

/** Register every device of every user (direct: with the SUT; core-emulation: with its core). */
export async function registerAll(t: TestContext, users: UserHandle[] = t.topology.users): Promise<void> {
  await t.step('pre-register', 'Precondition: every device registers with its +sip.instance', async () => {
    for (const u of users) {
      for (const d of u.devices) {
        const res = await d.register(t.target.domain, t.target.ixit.registrationExpires);
        t.precondition(res !== null && res.status >= 200 && res.status < 300, {
          message: res ? `REGISTER of ${d.name} (${u.aor}) was refused: ${labelOf(res)}` : `the SUT did not answer the REGISTER of ${d.name} (${u.aor}) within ${t.timeoutMs} ms`,
          actual: res ?? undefined,
        });
      }
    }
  });
}

/** Establish a 1-1 CPM session from caller to callee through the SUT. */
export async function establishSession(t: TestContext, caller: Device, callee: Device, calleeAor: string): Promise<Session> {
  return t.step('pre-session', `Precondition: ${caller.name} establishes a 1-1 CPM session with ${callee.name}`, async () => {
    const req = caller.inviteRequest(calleeAor);
    const tx = caller.endpoint.request(req, caller.nextHop(req));
    const incoming = await callee.waitForRequest({ method: 'INVITE', headers: { 'Call-ID': () => true } }, t.timeoutMs);
    t.precondition(incoming !== null, { message: `the CPM Session Invitation from ${caller.name} did not reach ${callee.name} within ${t.timeoutMs} ms` });
    const uas = await callee.answer(incoming!, 200, { ringing: true });
    const answer = await finalWithin(tx, t.timeoutMs);
    t.precondition(answer !== null && answer.status >= 200 && answer.status < 300, {
      message: `the caller did not receive a 2xx to its INVITE (${answer ? labelOf(answer) : 'none within the timeout'})`,
      actual: answer ?? undefined,
    });
    const uac = Dialog.fromUac(tx.request, answer!);
    await caller.ack(uac, tx.request);
    // The ACK reaches the callee's UAS core (it stops 2xx retransmissions); wait for it briefly.
    const deadline = Date.now() + t.timeoutMs;
    while (callee.acks.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    t.precondition(callee.acks.length > 0, { message: `the ACK for the 2xx did not reach ${callee.name} within ${t.timeoutMs} ms` });
    return { caller, callee, uac, uas: uas!, invite: tx.request, inviteAtCallee: incoming!.request, answer: answer! };
  });
}
