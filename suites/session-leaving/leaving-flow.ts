/**
 * The C.2.3.1 flow, judged hop by hop. `leaver` is the user who closes the session ("A" in the
 * spec's words); the PF serving it performs originating service control (LEAVE-ORIG), the peer's
 * PF terminating service control (LEAVE-TERM), and the OK must come back by the reverse route
 * (LEAVE-OK).
 */
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message';
import { header } from '../../src/sip/message';
import { cseq } from '../../src/sip/headers/cseq';
import { topBranch, vias } from '../../src/sip/headers/via';
import { callId, fromTag, toTag } from '../../src/sip/headers/name-addr';
import type { Address } from '../../src/sip/transport/address';
import { sameAddress } from '../../src/sip/transport/address';
import type { TraceEntry } from '../../src/sip/transport/tap';
import type { TestContext } from '../../src/harness/context';
import { hasSipMessage, type SipEntry } from '../../src/harness/trace';
import type { Device } from '../../src/harness/device';
import type { CoreEmulator } from '../../src/harness/core-emulator';
import type { Session } from '../../src/harness/session';
import { finalWithin } from '../../src/harness/session';
import { uriAddress } from '../../src/harness/addressing';
import { labelOf } from '../../src/harness/template';
import { proxiedRequestMismatches, relayedResponseMismatches, viaList, viaNames } from './hop-checks';
import { relayHops } from '../../src/harness/evidence';
import { STEPS } from './spec';

export interface LeavingSides {
  leaver: Device;
  peer: Device;
  /** Dialog state of each side. */
  leaverDialog: Session['uac'];
  peerDialog: Session['uac'];
  /** The PF serving the leaver (originating role for this request) and the peer's PF. */
  pfOrig: Address;
  pfTerm: Address;
  pfOrigName: string;
  pfTermName: string;
  coreOrig?: CoreEmulator;
  coreTerm?: CoreEmulator;
}

export function sidesFor(t: TestContext, s: Session, leaver: 'caller' | 'callee'): LeavingSides {
  const [ua, ub] = t.topology.users;
  const callerLeaves = leaver === 'caller';
  return {
    leaver: callerLeaves ? s.caller : s.callee,
    peer: callerLeaves ? s.callee : s.caller,
    leaverDialog: callerLeaves ? s.uac : s.uas,
    peerDialog: callerLeaves ? s.uas : s.uac,
    pfOrig: callerLeaves ? t.target.pfA : t.target.pfB,
    pfTerm: callerLeaves ? t.target.pfB : t.target.pfA,
    pfOrigName: callerLeaves ? 'PF A' : 'PF B',
    pfTermName: callerLeaves ? 'PF B' : 'PF A',
    coreOrig: callerLeaves ? ua.core : ub.core,
    coreTerm: callerLeaves ? ub.core : ua.core,
  };
}

const isBye = (m: SipMessage | null) => m !== null && cseq(m)?.method === 'BYE';
const isByeRequest = (m: SipMessage | null): m is SipRequest => m !== null && m.kind === 'request' && m.method === 'BYE';
const isByeResponse = (m: SipMessage | null): m is SipResponse => m !== null && m.kind === 'response' && isBye(m);

/** Entry the owner sent to / received from, with an extra test (one that wants a message), after a trace position. */
async function entry(t: TestContext, owner: string, direction: 'sent' | 'received', after: number, test: (e: TraceEntry) => boolean, timeoutMs: number): Promise<SipEntry | null> {
  const e = await t.trace.waitFor({ owner, direction, after, test }, timeoutMs);
  return e !== null && hasSipMessage(e) ? e : null;
}

/** Send the leaving request (BYE in the dialog, §15.1.1) and judge every hop it and its OK take. */
export async function leaveAndJudge(t: TestContext, sides: LeavingSides): Promise<{ bye: SipMessage; ok: SipResponse }> {
  // In core-emulation both users have a core, and C.2.3.1 is judged hop by hop through them.
  const { coreOrig, coreTerm } = sides;
  return coreOrig && coreTerm ? leaveThroughCores(t, sides, coreOrig, coreTerm) : leaveDirect(t, sides);
}

function routeSetText(d: LeavingSides['leaverDialog']): string {
  return d.routeSet.length === 0 ? '(empty)' : d.routeSet.join(', ');
}

async function leaveThroughCores(t: TestContext, x: LeavingSides, coreO: CoreEmulator, coreT: CoreEmulator): Promise<{ bye: SipMessage; ok: SipResponse }> {
  const proxy = t.target.pfMode === 'proxy';
  const T = t.timeoutMs;
  const mark = t.trace.mark();

  const draft = x.leaverDialog.createRequest('BYE');
  const tx = x.leaver.endpoint.request(draft, x.leaver.nextHop(draft));
  const bye = tx.request; // as sent: with the Via the endpoint pushed

  const s1 = await t.step('1', STEPS['1'], 'LEAVE-ORIG', async () => {
    const e = await entry(t, x.leaver.name, 'sent', mark, (e) => isByeRequest(e.message), T);
    t.precondition(e !== null, { message: `${x.leaver.name} could not send its BYE` });
    return e;
  });

  const s2 = await t.step('2', STEPS['2'], 'LEAVE-ORIG', async () => {
    const e = t.require(await entry(t, coreO.name, 'sent', s1.seq, (e) => isByeRequest(e.message) && sameAddress(e.flow.remote, x.pfOrig), Math.min(T, 500)), 'LEAVE-ORIG', {
      message: `${coreO.name} did not route the leaving request to ${x.pfOrigName}: the dialog's route set, learnt from the SUT's Record-Route, does not include ${x.pfOrigName} (${x.pfOrig.host}:${x.pfOrig.port}); route set at ${x.leaver.name}: ${routeSetText(x.leaverDialog)}`,
      expected: `BYE from ${coreO.name} to ${x.pfOrigName}`,
      actual: t.trace.first({ owner: coreO.name, direction: 'sent', after: s1.seq }) ?? 'nothing',
    });
    return e;
  });

  const s3 = await t.step('3', STEPS['3'], 'LEAVE-ORIG', async () => {
    const e = t.require(await entry(t, coreO.name, 'received', s2.seq, (e) => isByeRequest(e.message) && viaNames(e.message, x.pfOrig), T), 'LEAVE-ORIG', {
      message: `${x.pfOrigName} did not send the leaving request on to ${coreO.name} within ${T} ms after receiving it`,
      expected: `BYE from ${x.pfOrigName} (its Via on top)`,
      actual: t.trace.first({ owner: coreO.name, direction: 'received', after: s2.seq }) ?? 'nothing',
    });
    if (proxy) {
      t.check('LEAVE-ORIG', proxiedRequestMismatches(s2.message, e.message, x.pfOrig), {
        message: `${x.pfOrigName} relayed the leaving request incorrectly (RFC 3261 §16.6)`,
        expected: 'its own Via on top of the received Vias, Max-Forwards decremented by one, Call-ID/From/To/CSeq unchanged',
        actual: e,
      });
      // On this topology the §16.6 rules are judged per hop, under the step's requirement.
      t.evaluatedAll('RFC3261-16.6');
    } else {
      t.check('LEAVE-ORIG', header(e.message, 'Max-Forwards') !== undefined && isByeRequest(e.message), {
        message: `${x.pfOrigName} (B2BUA) sent a malformed leaving request on its outgoing leg`, actual: e,
      });
    }
    return e;
  });

  const s4 = await t.step('4', STEPS['4'], 'LEAVE-ORIG', async () => {
    const e = t.require(await entry(t, coreO.name, 'sent', s3.seq, (e) => isByeRequest(e.message) && sameAddress(e.flow.remote, coreT.address), Math.min(T, 500)), 'LEAVE-ORIG', {
      message: `the leaving request ${x.pfOrigName} emitted does not route to ${coreT.name} (its Route/Request-URI lead elsewhere)`,
      expected: `BYE from ${coreO.name} to ${coreT.name}`, actual: s3,
    });
    return e;
  });

  const s5 = await t.step('5', STEPS['5'], 'LEAVE-TERM', async () => {
    const e = t.require(await entry(t, coreT.name, 'sent', s4.seq, (e) => isByeRequest(e.message) && sameAddress(e.flow.remote, x.pfTerm), Math.min(T, 1000)), 'LEAVE-TERM', {
      message: `${coreT.name} did not route the leaving request to ${x.pfTermName}: the dialog's route set does not include ${x.pfTermName}; route set at ${x.leaver.name}: ${routeSetText(x.leaverDialog)}`,
      expected: `BYE from ${coreT.name} to ${x.pfTermName}`,
      actual: t.trace.first({ owner: coreT.name, direction: 'sent', after: s4.seq }) ?? 'nothing',
    });
    return e;
  });

  const s6 = await t.step('6', STEPS['6'], 'LEAVE-TERM', async () => {
    const e = await entry(t, coreT.name, 'received', s5.seq, (e) => isByeRequest(e.message) && viaNames(e.message, x.pfTerm), T);
    const instead = t.trace.first({ owner: coreT.name, direction: 'received', after: s5.seq });
    t.check('LEAVE-TERM', e !== null, {
      message: `${x.pfTermName} did not send the leaving request on to ${coreT.name} within ${T} ms` +
        (instead?.message && instead.message.kind === 'response' ? ` (it answered ${labelOf(instead.message)} itself instead of delivering it to ${x.peer.name})` : ''),
      expected: `BYE from ${x.pfTermName} (its Via on top)`,
      actual: instead ?? 'nothing',
    });
    if (proxy) {
      t.check('LEAVE-TERM', proxiedRequestMismatches(s5.message, e.message, x.pfTerm), {
        message: `${x.pfTermName} relayed the leaving request incorrectly (RFC 3261 §16.6)`,
        expected: 'its own Via on top of the received Vias, Max-Forwards decremented by one, Call-ID/From/To/CSeq unchanged',
        actual: e,
      });
    }
    return e;
  });

  const { byeAtPeer } = await t.step('7', STEPS['7'], 'LEAVE-TERM', async () => {
    const got = t.require(await x.peer.waitForRequest({ method: 'BYE' }, T), 'LEAVE-TERM', { message: `the leaving request did not reach ${x.peer.name}`, expected: 'BYE at the peer device', actual: s6 });
    checkPeerDialog(t, x, got.request);
    return { byeAtPeer: got };
  });

  await t.step('8', STEPS['8'], 'LEAVE-OK', () => x.peer.respond(byeAtPeer, 200, 'OK'));

  const ok = await t.step('9-14', STEPS['9-14'], 'LEAVE-OK', async () => {
    // 9: Core T → PF term; 10: PF term → Core T (relayed OK); 11: Core T → Core O; 12: Core O → PF orig; 13: PF orig → Core O; 14: Core O → leaver.
    // A response belongs to the hop whose request carried its top Via branch (RFC 3261 §17.1.3).
    const s7 = t.trace.first({ owner: coreT.name, direction: 'sent', after: s6.seq, template: { method: 'BYE' } });
    const b7 = s7?.message ? topBranch(s7.message) : undefined;
    const at10 = t.trace.find({ owner: coreT.name, direction: 'received', after: s6.seq }).filter((e) => isByeResponse(e.message) && topBranch(e.message) !== b7);
    const s10 = t.require(await entry(t, coreT.name, 'received', s6.seq, (e) => isByeResponse(e.message) && topBranch(e.message) === topBranch(s5.message), T), 'LEAVE-OK', {
      message: `step 10: ${x.pfTermName} did not convey the OK back to ${coreT.name} by the reverse route` +
        (at10[0]?.message ? ` (what arrived carries Via ${viaList(at10[0].message).join(' | ')})` : ''),
      expected: `a response to the BYE of step 5 (top Via branch ${topBranch(s5.message)}), Via ${viaList(s5.message).join(' | ')}`,
      actual: at10[0] ?? t.trace.find({ owner: coreT.name, direction: 'received', after: s6.seq }).filter((e) => isByeResponse(e.message))[0] ?? 'nothing',
    });
    t.check('LEAVE-OK', s10.message.kind === 'response' && s10.message.status === 200, { message: `step 10: ${x.pfTermName} relayed ${labelOf(s10.message)} instead of the OK`, actual: s10 });
    t.check('LEAVE-OK', relayedResponseMismatches(s5.message, s10.message), {
      message: `step 10: the OK relayed by ${x.pfTermName} does not match the leaving request on this hop (RFC 3261 §16.7 step 3)`,
      expected: `Via ${viaList(s5.message).join(' | ')}; CSeq ${header(s5.message, 'CSeq')}`,
      actual: s10,
    });
    const b4 = topBranch(s4.message);
    const at13 = t.trace.find({ owner: coreO.name, direction: 'received', after: s10.seq }).filter((e) => isByeResponse(e.message) && topBranch(e.message) !== b4);
    const s13 = t.require(await entry(t, coreO.name, 'received', s10.seq, (e) => isByeResponse(e.message) && topBranch(e.message) === topBranch(s2.message), T), 'LEAVE-OK', {
      message: `step 13: ${x.pfOrigName} did not convey the OK back to ${coreO.name} by the reverse route` +
        (at13[0]?.message ? ` (what arrived carries Via ${viaList(at13[0].message).join(' | ')})` : ''),
      expected: `a response to the BYE of step 2 (top Via branch ${topBranch(s2.message)}), Via ${viaList(s2.message).join(' | ')}`,
      actual: at13[0] ?? 'nothing',
    });
    t.check('LEAVE-OK', s13.message.kind === 'response' && s13.message.status === 200, { message: `step 13: ${x.pfOrigName} relayed ${labelOf(s13.message)} instead of the OK`, actual: s13 });
    t.check('LEAVE-OK', relayedResponseMismatches(s2.message, s13.message), {
      message: `step 13: the OK relayed by ${x.pfOrigName} does not match the leaving request on this hop (RFC 3261 §16.7 step 3)`,
      expected: `Via ${viaList(s2.message).join(' | ')}; CSeq ${header(s2.message, 'CSeq')}`,
      actual: s13,
    });
    const order = t.trace.violations([[s1, s2], [s2, s3], [s3, s4], [s4, s5], [s5, s6], [s6, s10], [s10, s13]]);
    t.check('LEAVE-OK', order.length === 0, {
      message: `the 14 steps are not in the order of C.2.3.1 on the merged trace: ${order.map(([a, b]) => `#${b.seq} before #${a.seq}`).join(', ')}`,
    });
    return judgeFinalAtLeaver(t, x, tx, bye);
  });
  return { bye, ok };
}

function checkPeerDialog(t: TestContext, x: LeavingSides, bye: SipMessage): void {
  const d = x.peerDialog;
  t.check('LEAVE-TERM', [
    ...(callId(bye) !== d.callId ? [{ field: 'Call-ID', expected: d.callId, actual: callId(bye) ?? '(absent)' }] : []),
    ...(toTag(bye) !== d.localTag ? [{ field: 'To tag', expected: d.localTag, actual: toTag(bye) ?? '(absent)' }] : []),
    ...(fromTag(bye) !== d.remoteTag ? [{ field: 'From tag', expected: d.remoteTag, actual: fromTag(bye) ?? '(absent)' }] : []),
  ], { message: `the leaving request delivered to ${x.peer.name} does not belong to its dialog`, actual: bye });
}

async function judgeFinalAtLeaver(t: TestContext, x: LeavingSides, tx: ReturnType<Device['endpoint']['request']>, bye: SipMessage): Promise<SipResponse> {
  const ok = await finalWithin(tx, t.timeoutMs);
  if (ok === null) {
    const last = t.trace.find({ owner: x.leaver.name, direction: 'received' }).filter((e): e is SipEntry => isByeResponse(e.message)).pop();
    t.check('LEAVE-OK', false, {
      message: `step 14: no final response matching the leaving request reached ${x.leaver.name} within ${t.timeoutMs} ms` +
        (last ? ` (a response arrived but did not match its transaction: Via ${viaList(last.message).join(' | ')})` : ''),
      expected: `200 OK with exactly ${x.leaver.name}'s Via and CSeq ${header(bye, 'CSeq')}`,
      actual: last ?? 'nothing',
    });
  }
  t.check('LEAVE-OK', ok.status === 200, { message: `step 14: the leaving request was answered ${labelOf(ok)}, not OK`, actual: ok });
  t.check('LEAVE-OK', relayedResponseMismatches(bye, ok), {
    message: `step 14: the OK at ${x.leaver.name} does not match its leaving request`,
    expected: `Via ${viaList(bye).join(' | ')}; CSeq ${header(bye, 'CSeq')}`,
    actual: ok,
  });
  return ok;
}

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
  const ok = await t.step('9-14', STEPS['9-14'], 'LEAVE-OK', () => judgeFinalAtLeaver(t, x, tx, bye));
  return { bye, ok };
}
