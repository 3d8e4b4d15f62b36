/**
 * Suite: closing a 1-1 CPM session (C.2.3.1). Each case runs over UDP and TCP, in the direct and
 * the core-emulation topology; core-emulation judges all 14 steps on the wire, direct judges from
 * end-point evidence (Vias, route set, dialog identifiers, the OK at the leaver).
 */
import type { TestCase } from '../../src/harness/test-case';
import type { TestContext } from '../../src/harness/context';
import { variantsOf } from '../../src/harness/test-case';
import { finalWithin, registeredSession } from '../../src/harness/session';
import { labelOf } from '../../src/harness/template';
import { dialogCrossesSut } from '../../src/harness/evidence';
import { CLAUSE, DOCUMENT, STEPS } from './spec';
import { judgeInviteHops, leaveAndJudge } from './leaving-flow';
import { judgeSessionAck } from './session-ack';
import { sidesFor } from './leaving-sides';
import { maxForwardsZero } from './max-forwards';

const variants = variantsOf(['udp', 'tcp'], ['direct', 'core-emulation'], [1, 1]);
const applies = (t: { ics: { sessionLeaving: boolean } }) => t.ics.sessionLeaving || 'ICS: the SUT does not claim CPM 1-1 session leaving (ics.sessionLeaving = false)';

/** A 1-1 session A → B, then one side leaves; every hop is judged, then nothing more may arrive. */
function leaving(id: string, title: string, leaver: 'caller' | 'callee', sentence: string): TestCase {
  return {
    id, title,
    requirements: ['LEAVE-ORIG', 'LEAVE-TERM', 'LEAVE-OK', 'RFC3261-16.6', 'RFC3261-13.2.2.4'],
    spec: { document: DOCUMENT, clause: CLAUSE, sentence },
    steps: STEPS,
    variants,
    applies,
    async run(t: TestContext) {
      const s = await registeredSession(t);
      await judgeInviteHops(t, s);
      await judgeSessionAck(t, s);
      await leaveAndJudge(t, sidesFor(t, s, leaver));
      await t.step('quiet', 'The session is closed: nothing more reaches either client', 'LEAVE-TERM', () =>
        t.expectQuiet([s.caller, s.callee], 'LEAVE-TERM', 'after the leaving request was answered'));
    },
  };
}

export const clientALeaves = leaving('TC-LEAVE-01',
  'Client A closes the 1-1 session: the leaving request passes PF A and PF B and the OK returns by the reverse route', 'caller',
  `${STEPS['1']} ${STEPS['3']} ${STEPS['6']} ${STEPS['9-14']}`);

export const clientBLeaves = leaving('TC-LEAVE-02',
  'Client B (the invited user) closes the 1-1 session: the same flow in the other direction', 'callee',
  `${STEPS['1']} ${STEPS['9-14']} (mirrored: the invited user leaves)`);

export const secondLeaveIs481: TestCase = {
  id: 'TC-LEAVE-03',
  title: 'A second leaving request on the closed session is answered 481 Call/Transaction Does Not Exist',
  // LEAVE-ORIG: the dialog must pass the SUT, or the 481 would be judged on what the peer device answered.
  requirements: ['RFC3261-15.1.2', 'LEAVE-ORIG'],
  spec: {
    document: 'RFC 3261',
    clause: '15.1.2',
    sentence: 'If the BYE does not match an existing dialog, the UAS core SHOULD generate a 481 (Call/Transaction Does Not Exist) response and pass that to the server transaction.',
  },
  variants,
  applies,
  async run(t: TestContext) {
    const s = await registeredSession(t);
    await t.step('path', 'The session\'s in-dialog requests pass the SUT (its Record-Route, or a B2BUA\'s own Contact)', 'LEAVE-ORIG', async () => {
      // Without it the second BYE goes device to device: a 481 would come from the harness's own Client B, not the SUT.
      t.check('LEAVE-ORIG', dialogCrossesSut(t.target, s.uac), {
        message: `the SUT is not on the session's path: ${s.caller.name}'s route set is ${s.uac.routeSet.join(', ') || '(empty)'} and its remote target ${s.uac.remoteTarget}, neither naming PF A or PF B — a leaving request would bypass the SUT (RFC 3261 §16.6 step 4: a PF that stays on the path Record-Routes), so RFC 3261 §15.1.2 cannot be judged`,
        expected: `a Record-Route entry (or a B2BUA remote target) naming ${t.target.pfA.host}:${t.target.pfA.port}`, actual: s.answer, fields: ['Record-Route', 'Contact'],
      });
    });
    // Close the session without judging (TC-LEAVE-01 does), then repeat the leaving request.
    await t.step('pre-leave', 'Precondition: Client A closes the session', async () => {
      const bye = s.uac.createRequest('BYE');
      const tx = s.caller.endpoint.request(bye, s.caller.nextHop(bye));
      const at = await s.callee.waitForRequest({ method: 'BYE' }, t.timeoutMs);
      t.precondition(at !== null, { message: 'the first leaving request did not reach Client B' });
      await s.callee.respond(at, 200, 'OK');
      const ok = await finalWithin(tx, t.timeoutMs);
      t.precondition(ok?.status === 200, { message: `the first leaving request was not answered OK (${ok ? labelOf(ok) : 'no answer'})`, actual: ok ?? undefined });
    });
    await t.step('1', 'Client A sends a second leaving request in the closed dialog', 'RFC3261-15.1.2', async () => {
      const again = s.uac.createRequest('BYE');
      const tx = s.caller.endpoint.request(again, s.caller.nextHop(again));
      // A real Client B would itself answer 481 if the SUT relayed it; answer so, and judge what reaches A.
      const relayed = s.callee.waitForRequest({ method: 'BYE' }, t.timeoutMs).then(async (x) => { if (x) await s.callee.respond(x, 481, 'Call/Transaction Does Not Exist'); return x; });
      const res = await finalWithin(tx, t.timeoutMs);
      t.check('RFC3261-15.1.2', res !== null && res.status === 481, {
        message: `the second leaving request was answered ${res ? labelOf(res) : 'with nothing'} instead of 481`,
        expected: '481 Call/Transaction Does Not Exist', actual: res ?? 'nothing',
      });
      // If the 481 is Client B's, it must have reached B through the SUT (and come back the same way).
      const atB = await Promise.race([relayed, new Promise<null>((r) => setTimeout(() => r(null), 0))]);
      t.checkCrossedSut('LEAVE-ORIG', atB, 'the second leaving request at Client B');
      if (t.target.pfMode === 'b2bua') {
        // A B2BUA is the UAS of the caller's leg and the UAC of the callee's: the first BYE's 200 (OK)
        // ended both dialogs, so the second BYE matches none and the B2BUA answers 481 itself. Relayed
        // to Client B, the 481 is B's, and the B2BUA kept a dialog that no longer exists. Found by
        // mutation testing of b2bua.ts (docs/mutation.md): a B2BUA that never ended its legs passed.
        t.should('RFC3261-15.1.2', atB === null, {
          message: `the B2BUA relayed the second leaving request to ${s.callee.name} instead of answering 481 itself: its dialogs ended with the first BYE's 200 (OK), so this BYE matches none (RFC 3261 §15.1.2)`,
          expected: `481 from the B2BUA, no BYE at ${s.callee.name}`, actual: atB?.request,
        });
      }
    });
  },
};

export const sessionLeavingCases: TestCase[] = [clientALeaves, clientBLeaves, secondLeaveIs481, maxForwardsZero];
