/**
 * Preconditions shared by every suite: registering the devices and establishing a 1-1 CPM
 * session (INVITE / 200 / ACK through the SUT). A SUT that refuses a precondition makes the case
 * inconclusive, not failed: the requirement under test was never reached (docs/architecture.md, Verdicts).
 */
import type { SipRequest, SipResponse } from '../sip/message';
import { Dialog } from '../sip/dialog';
import type { TestContext } from './context';
import type { Device } from './device';
import { finalWithin } from './final-within';
import type { ClientTransaction } from '../sip/endpoint';
import { labelOf } from './template';
import { silenceHint, warningDetail } from './register-hints';
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

/** Register every device of every user with the SUT's registrar (core-emulation: through the device's core, which adds itself in Path, RFC 3327). */
export async function registerAll(t: TestContext, users: UserHandle[] = t.topology.users): Promise<void> {
  await t.step('pre-register', 'Precondition: every device registers with its +sip.instance', async () => {
    for (const u of users) {
      for (const d of u.devices) {
        const res = await d.register(t.target.domain, t.target.ixit.registrationExpires);
        t.precondition(res !== null && res.status >= 200 && res.status < 300, {
          message: res
            ? `the SUT refused the REGISTER of ${d.name} (${u.aor}, device ${u.devices.indexOf(d) + 1} of the ${u.devices.length} this case needs): ${labelOf(res)}${warningDetail(res)}` +
              (u.devices.length > 1 && [403, 423, 486, 503].includes(res.status) ? ' — a SUT that caps the bindings per AoR answers so; the case needs more devices than it accepts' : '')
            : `the SUT did not answer the REGISTER of ${d.name} (${u.aor}) within ${t.timeoutMs} ms${silenceHint(d, u.devices.indexOf(d) + 1)}`,
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
    const incoming = await deliveredUnlessRefused(t, tx, caller, [callee.waitForRequest({ method: 'INVITE', headers: { 'Call-ID': () => true } }, t.timeoutMs)]).then((r) => r[0]);
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

/** The opening most cases share: every device registers, then A1 establishes a 1-1 CPM session with B1 (user B's AoR). */
export async function registeredSession(t: TestContext): Promise<Session> {
  const [a, b] = t.topology.users;
  await registerAll(t);
  return establishSession(t, a.devices[0], b.devices[0], b.aor);
}

/**
 * Wait for a request to be delivered at its destinations — unless the SUT answers the sender with
 * a final non-2xx first (a 403, a challenge the device could not answer, a 404 for an unknown
 * user): then the case is inconclusive and says what the SUT answered, not that the request
 * "did not reach" the device (docs/cpm-sip-binding.md, A test case: the precondition's own evidence).
 */
export async function deliveredUnlessRefused<T>(t: TestContext, tx: ClientTransaction, sender: Device, deliveries: Array<Promise<T | null>>): Promise<Array<T | null>> {
  const all = Promise.all(deliveries);
  const refused = tx.final.then((res) => (res !== null && res.status >= 300 ? res : new Promise<never>(() => undefined)));
  const first = await Promise.race([all, refused]);
  if (!Array.isArray(first)) {
    const res = first;
    const challenged = res.status === 401 || res.status === 407;
    t.precondition(false, {
      message: `${sender.name}'s ${tx.request.method} was answered ${labelOf(res)} by the SUT, so it never reached its destination` +
        (challenged ? ' (the challenge could not be answered: check users[].password / users[].realm in the target config)' : ''),
      actual: res,
    });
  }
  return first as Array<T | null>;
}
