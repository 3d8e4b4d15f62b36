/**
 * TC-LEAVE-04: a request that reaches a proxy Participating Function with Max-Forwards 0 ends
 * there (RFC 3261 §16.3 step 3): the session's INVITE and its leaving request, each sent so that
 * it arrives at the SUT with 0. Found by mutation testing of proxy.ts (docs/mutation.md): no case
 * ever sent a low Max-Forwards, so `checkMaxForwards` → true (proxy.ts, the initial and the
 * in-dialog path) survived: a PF that forwards a request with no hops left passed every case.
 */
import type { SipRequest } from '../../src/sip/message';
import { header, setHeader } from '../../src/sip/message';
import type { TestCase } from '../../src/harness/test-case';
import type { TestContext } from '../../src/harness/context';
import type { Device } from '../../src/harness/device';
import type { UserHandle } from '../../src/harness/topology';
import { variantsOf } from '../../src/harness/test-case';
import { establishSession, finalWithin, registerAll } from '../../src/harness/session';
import { labelOf } from '../../src/harness/template';
import { crossedSut, dialogCrossesSut } from '../../src/harness/evidence';

const SPEC = {
  document: 'RFC 3261',
  clause: '16.3 step 3',
  sentence: 'If the request contains a Max-Forwards header field with a field value of zero (0), the element MUST NOT forward the request. If the request was for OPTIONS, the element MAY act as the final recipient and respond per Section 11. Otherwise, the element MUST return a 483 (Too many hops) response.',
};

/**
 * The Max-Forwards the device sends so the request reaches the SUT with 0: in core emulation the
 * harness's own core relays it first and decrements once (§16.6 step 3; it answers 483 itself to 0).
 */
const zeroAtSut = (u: UserHandle) => String(u.core ? 1 : 0);

/** Send `req` with no hops left at the SUT; the SUT answers 483 and forwards nothing (§16.3 step 3). */
async function endsAtSut(t: TestContext, from: Device, to: Device, req: SipRequest, what: string): Promise<void> {
  const mark = t.trace.mark();
  const tx = from.endpoint.request(req, from.nextHop(req));
  const res = await finalWithin(tx, t.timeoutMs);
  t.check('RFC3261-16.3', res !== null && res.status === 483, {
    message: `${what}, sent to reach the SUT with Max-Forwards 0, was answered ${res ? labelOf(res) : `with nothing within ${t.timeoutMs} ms`} instead of 483 (Too Many Hops)`,
    expected: '483 Too Many Hops', actual: res ?? 'nothing', fields: ['Max-Forwards'],
  });
  // Forwarded = it carries a Via of the SUT (§16.6 step 8) at any harness element: the peer device,
  // or a core (which answers a relayed 0 with a 483 of its own, so the 483 alone proves nothing).
  const forwarded = () => t.trace.find({ direction: 'received', after: mark, template: { method: req.method } })
    .find((e) => header(e.message, 'Call-ID') === header(req, 'Call-ID') && crossedSut(t.target, e.message));
  const notForwarded = (m: string) => t.check('RFC3261-16.3', forwarded() === undefined, {
    message: `${what} arrived at the SUT with Max-Forwards 0 and the SUT forwarded it (${m})`,
    expected: `no ${req.method} of Call-ID ${header(req, 'Call-ID') ?? '?'} past the SUT`, actual: forwarded() ?? 'nothing', fields: ['Max-Forwards', 'Via'],
  });
  notForwarded('a Via of the SUT on it');
  await t.expectQuiet([to], 'RFC3261-16.3', `${what} arrived at the SUT with Max-Forwards 0`);
  notForwarded('seen within the quiet period');
}

export const maxForwardsZero: TestCase = {
  id: 'TC-LEAVE-04',
  title: 'A request that reaches a proxy PF with Max-Forwards 0 is answered 483 (Too Many Hops) and not forwarded: the session invitation, then the leaving request',
  requirements: ['RFC3261-16.3'],
  spec: SPEC,
  variants: variantsOf(['udp', 'tcp'], ['direct', 'core-emulation'], [1, 1]),
  applies: (t) => {
    if (!t.ics.sessionLeaving) return 'ICS: the SUT does not claim CPM 1-1 session leaving (ics.sessionLeaving = false)';
    return t.pfMode === 'proxy' ? true : 'the SUT\'s Participating Functions are B2BUAs (pfMode b2bua): RFC 3261 §16.3 is a proxy\'s check';
  },
  async run(t: TestContext) {
    const [a, b] = t.topology.users;
    const [caller, callee] = [a.devices[0], b.devices[0]];
    await registerAll(t);
    await t.step('invite', `${caller.name} invites user B with a Max-Forwards that is 0 at PF A: PF A answers 483 and forwards nothing`, 'RFC3261-16.3', async () => {
      const req = caller.inviteRequest(b.aor);
      setHeader(req, 'Max-Forwards', zeroAtSut(a));
      await endsAtSut(t, caller, callee, req, 'the CPM Session Invitation');
    });
    const s = await establishSession(t, caller, callee, b.aor);
    await t.step('path', 'Precondition: the session\'s in-dialog requests pass the SUT (its Record-Route)', async () => {
      t.precondition(dialogCrossesSut(t.target, s.uac), { message: `the SUT is not on the session's path (route set ${s.uac.routeSet.join(', ') || '(empty)'}): a leaving request would bypass it` });
    });
    await t.step('bye', `${caller.name} sends its leaving request with a Max-Forwards that is 0 at PF A: PF A answers 483 and forwards nothing`, 'RFC3261-16.3', async () => {
      const bye = s.uac.createRequest('BYE');
      setHeader(bye, 'Max-Forwards', zeroAtSut(a));
      await endsAtSut(t, caller, callee, bye, 'the leaving request');
    });
    await t.step('close', 'Precondition: the session still closes with a leaving request of the usual Max-Forwards', async () => {
      const bye = s.uac.createRequest('BYE');
      const tx = caller.endpoint.request(bye, caller.nextHop(bye));
      const at = await callee.waitForRequest({ method: 'BYE' }, t.timeoutMs);
      t.precondition(at !== null, { message: 'the leaving request did not reach Client B' });
      await callee.respond(at, 200, 'OK');
      const ok = await finalWithin(tx, t.timeoutMs);
      t.precondition(ok?.status === 200, { message: `the leaving request was not answered OK (${ok ? labelOf(ok) : 'no answer'})`, actual: ok ?? undefined });
    });
  },
};
