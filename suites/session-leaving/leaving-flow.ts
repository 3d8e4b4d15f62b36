/**
 * The C.2.3.1 flow for one leaving request (who is "A" and "B": leaving-sides.ts). In
 * core-emulation every one of the 14 steps is on the wire and judged on its own (leaving-steps.ts);
 * in the direct topology the harness sees only the two clients, so steps 2-7 are judged from what
 * reaches Client B (its Vias, Max-Forwards, dialog) and 9-14 from the OK at Client A.
 */
import type { SipMessage, SipResponse } from '../../src/sip/message';
import { header } from '../../src/sip/message';
import { vias } from '../../src/sip/headers/via';
import { cseq } from '../../src/sip/headers/cseq';
import type { Address } from '../../src/sip/transport/address';
import { sameAddress } from '../../src/sip/transport/address';
import type { TestContext } from '../../src/harness/context';
import { uriAddress } from '../../src/harness/addressing';
import { labelOf } from '../../src/harness/template';
import { relayHops } from '../../src/harness/evidence';
import { viaList, viaNames } from './hop-checks';
import { checkPeerDialog, isByeResponse, routeSetText, step14ClientAReceivesOk } from './leaving-judges';
import type { LeavingSides } from './leaving-sides';
import type { Session } from '../../src/harness/session';
import { leaveThroughCores } from './leaving-steps';
import { STEPS } from './spec';

/** Send the leaving request (BYE in the dialog, RFC 3261 §15.1.1) and judge every hop it and its OK take. */
export async function leaveAndJudge(t: TestContext, sides: LeavingSides): Promise<{ bye: SipMessage; ok: SipResponse }> {
  // In core-emulation both users have a core, and C.2.3.1 is judged hop by hop through them.
  const { coreOrig, coreTerm } = sides;
  return coreOrig && coreTerm ? leaveThroughCores(t, sides, coreOrig, coreTerm) : leaveDirect(t, sides);
}

/** Direct topology: the SUT's hops are judged from the evidence the two clients see (docs/real-servers.md). */
async function leaveDirect(t: TestContext, x: LeavingSides): Promise<{ bye: SipMessage; ok: SipResponse }> {
  const proxy = t.target.pfMode === 'proxy';
  const T = t.timeoutMs;
  const names = (uri: string, pf: Address) => {
    const a = uriAddress(uri);
    return a !== null && sameAddress(a, pf);
  };
  const hasRoute = (pf: Address) => x.leaverDialog.routeSet.some((r) => names(r, pf)) || names(x.leaverDialog.remoteTarget, pf);

  const draft = x.leaverDialog.createRequest('BYE');
  const tx = await t.step('1', STEPS['1'], 'LEAVE-ORIG', async () => {
    t.check('LEAVE-ORIG', hasRoute(x.pfOrig), {
      message: `${x.pfOrigName} (${x.pfOrig.host}:${x.pfOrig.port}) is not on the leaving request's path: the dialog's route set at ${x.leaver.name} is ${routeSetText(x.leaverDialog)}`,
      expected: `a Record-Route entry (or the remote target) naming ${x.pfOrigName}`,
    });
    if (proxy) {
      t.check('LEAVE-TERM', hasRoute(x.pfTerm), {
        message: `${x.pfTermName} (${x.pfTerm.host}:${x.pfTerm.port}) is not on the leaving request's path: the dialog's route set at ${x.leaver.name} is ${routeSetText(x.leaverDialog)}`,
        expected: `a Record-Route entry naming ${x.pfTermName}`,
      });
    }
    return x.leaver.endpoint.request(draft, x.leaver.nextHop(draft));
  });
  const bye = tx.request; // as sent: with the Via the endpoint pushed

  const byeAtPeer = await t.step('2-7', `${STEPS['2']} … ${STEPS['7']}`, 'LEAVE-TERM', async () => {
    const got = await x.peer.waitForRequest({ method: 'BYE' }, T);
    const instead = await t.trace.waitFor({ owner: x.leaver.name, direction: 'received', test: (e) => isByeResponse(e.message) }, 0);
    t.check('LEAVE-TERM', got !== null, {
      message: `the leaving request was not delivered to ${x.peer.name} within ${T} ms` + (instead?.message ? ` (${x.leaver.name} received ${labelOf(instead.message)} instead: the SUT answered it without delivering it)` : ''),
      expected: `BYE at ${x.peer.name}`, actual: instead ?? 'nothing',
    });
    const m = got.request;
    if (proxy) {
      // Evidence, not shape: the hops are the Vias above the leaver's own (§16.6 step 8: one per relaying
      // element). One node serving as PF A and PF B may relay once or twice; both are right.
      const hops = relayHops(t.target, m, vias(bye)[0] ?? {});
      const list = hops.added.map((a) => `${a.host}:${a.port}`).join(', ') || 'none';
      t.check('LEAVE-ORIG', hops.added.some((a) => sameAddress(a, x.pfOrig)), {
        message: `the leaving request reached ${x.peer.name} without passing ${x.pfOrigName} (no Via of ${x.pfOrig.host}:${x.pfOrig.port}; Vias added on the way: ${list})`,
        expected: `a Via naming ${x.pfOrigName}`, actual: m, fields: ['Via'],
      });
      t.check('LEAVE-TERM', viaNames(m, x.pfTerm), { message: `the leaving request did not reach ${x.peer.name} from ${x.pfTermName} (top Via)`, expected: `top Via naming ${x.pfTermName}`, actual: m, fields: ['Via'] });
      t.check('RFC3261-16.6', hops.senderViaFound && hops.foreign.length === 0, {
        message: hops.senderViaFound
          ? `the Via list at ${x.peer.name} holds Vias of elements that are not the SUT's Participating Functions: ${hops.foreign.map((a) => `${a.host}:${a.port}`).join(', ')}`
          : `the Via list at ${x.peer.name} lost ${x.leaver.name}'s own Via (branch ${vias(bye)[0]?.branch ?? '?'}): a proxy pushes its Via on top and removes nothing (RFC 3261 §16.6 step 8)`,
        expected: `the Vias of ${x.pfOrigName}/${x.pfTermName} on top of ${viaList(bye)[0]}`, actual: m, fields: ['Via'],
      });
      const mfSent = Number(header(bye, 'Max-Forwards'));
      const want = mfSent - hops.added.length;
      t.check('RFC3261-16.6', Number(header(m, 'Max-Forwards')) === want, {
        message: `Max-Forwards was not decremented once per hop: ${header(m, 'Max-Forwards') ?? '(absent)'} at ${x.peer.name}`,
        expected: `${want} (${mfSent} sent by ${x.leaver.name} − 1 for each of the ${hops.added.length} Via(s) the SUT added: ${list}; RFC 3261 §16.6 step 3)`,
        actual: m, fields: ['Max-Forwards', 'Via'],
      });
    } else {
      t.check('LEAVE-TERM', viaNames(m, x.pfTerm), { message: `the leaving request did not reach ${x.peer.name} from ${x.pfTermName} (top Via)`, expected: `top Via naming ${x.pfTermName}`, actual: m });
    }
    checkPeerDialog(t, x, m);
    return got;
  });

  await t.step('8', STEPS['8'], 'LEAVE-OK', () => x.peer.respond(byeAtPeer, 200, 'OK'));
  const ok = await t.step('9-14', STEPS['9-14'], 'LEAVE-OK', () => step14ClientAReceivesOk(t, x, tx, bye));
  return { bye, ok };
}

/**
 * The session's INVITE and its ACK crossed the SUT by the same §16.6 rules as the leaving request:
 * at the callee, Max-Forwards is the caller's less one per element that relayed it (step 3: one Via
 * each, step 8; the cores of core emulation decrement too). A proxy only: a B2BUA sends requests of
 * its own. Found by mutation testing of routing.ts (docs/mutation.md): a proxy that decremented
 * only in-dialog requests, or none but the BYE (decrementMaxForwards' default `keep` → true), passed.
 */
export async function judgeInviteHops(t: TestContext, s: Session): Promise<void> {
  if (t.target.pfMode !== 'proxy') return;
  await t.step('invite-hops', 'The session\'s INVITE and ACK reached the callee with Max-Forwards decremented once per hop (RFC 3261 §16.6 step 3)', 'RFC3261-16.6', () => {
    // The ACK of the 2xx (§13.2.2.4: the INVITE's CSeq number), not the hop-by-hop ACK of a 401/407
    // an authenticating SUT answered the first INVITE with (§17.1.1.3: it ends at the SUT).
    const ofAnswer = (m: SipMessage | undefined) => m !== undefined && header(m, 'Call-ID') === header(s.invite, 'Call-ID') && cseq(m)?.seq === cseq(s.invite)?.seq;
    const ack = t.trace.find({ owner: s.caller.name, direction: 'sent', template: { method: 'ACK' } }).find((e) => ofAnswer(e.message));
    const pairs: Array<[string, SipMessage, SipMessage | undefined]> = [['INVITE', s.invite, s.inviteAtCallee], ['ACK', ack?.message ?? s.invite, ack ? s.callee.acks.find((a) => ofAnswer(a)) : undefined]];
    for (const [what, sent, got] of pairs) {
      if (!got) continue; // the ACK reaching the callee is the session precondition's business
      const hops = relayHops(t.target, got, vias(sent)[0] ?? {});
      const want = Number(header(sent, 'Max-Forwards')) - hops.added.length;
      t.check('RFC3261-16.6', Number(header(got, 'Max-Forwards')) === want, {
        message: `Max-Forwards of the ${what} was not decremented once per hop: ${header(got, 'Max-Forwards') ?? '(absent)'} at ${s.callee.name}`,
        expected: `${want} (${header(sent, 'Max-Forwards') ?? '?'} sent by ${s.caller.name} − 1 for each of the ${hops.added.length} Via(s) added on the way; RFC 3261 §16.6 step 3)`,
        actual: got, fields: ['Max-Forwards', 'Via'],
      });
    }
    return Promise.resolve();
  });
}
