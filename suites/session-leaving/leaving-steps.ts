/**
 * C.2.3.1 in the core-emulation topology: the harness plays SIP/IP Core A and B, so every hop of
 * the leaving request and of its OK is on the wire, and each spec step is judged by a function of
 * its own, named as the spec names it ("A" is the leaver, "B" its peer, whichever side invited:
 * leaving-sides.ts). Each step returns the trace entry of its hop; the later steps judge against
 * those entries (RequestHops), the reverse route above all (RFC 3261 §16.7 step 3, §17.1.3).
 */
import type { SipMessage, SipResponse } from '../../src/sip/message';
import { header } from '../../src/sip/message';
import { topBranch } from '../../src/sip/headers/via';
import { sameAddress } from '../../src/sip/transport/address';
import type { ServerTransaction } from '../../src/sip/endpoint';
import type { TestContext } from '../../src/harness/context';
import type { SipEntry } from '../../src/harness/trace';
import type { CoreEmulator } from '../../src/harness/core-emulator';
import { labelOf } from '../../src/harness/template';
import { proxiedRequestTemplate, relayedResponseTemplate, viaList, viaNames } from './hop-checks';
import { checkPeerDialog, hopEntry, isByeRequest, isByeResponse, routeSetText, step14ClientAReceivesOk } from './leaving-judges';
import type { LeavingSides } from './leaving-sides';
import { STEPS } from './spec';

/** The leaving request's own flow: the sides, the two cores the harness plays, the PF mode and the wait bound. */
interface Flow {
  x: LeavingSides;
  coreA: CoreEmulator;
  coreB: CoreEmulator;
  proxy: boolean;
  /** IXIT response timeout. */
  T: number;
}

/** The leaving request's hops on the merged trace, steps 1-6. */
interface RequestHops {
  /** 1: the BYE as Client A sent it. */
  sent: SipEntry;
  /** 2: Core A → PF A. */
  toPfA: SipEntry;
  /** 3: PF A → Core A, after originating service control. */
  fromPfA: SipEntry;
  /** 4: Core A → Core B. */
  toCoreB: SipEntry;
  /** 5: Core B → PF B. */
  toPfB: SipEntry;
  /** 6: PF B → Core B, after terminating service control. */
  fromPfB: SipEntry;
}

/** Send the leaving request through the cores and judge all 14 steps of C.2.3.1, one Allure step each (9-14 as the spec groups them). */
export async function leaveThroughCores(t: TestContext, x: LeavingSides, coreA: CoreEmulator, coreB: CoreEmulator): Promise<{ bye: SipMessage; ok: SipResponse }> {
  const f: Flow = { x, coreA, coreB, proxy: t.target.pfMode === 'proxy', T: t.timeoutMs };
  const mark = t.trace.mark();
  const draft = x.leaverDialog.createRequest('BYE');
  const tx = x.leaver.endpoint.request(draft, x.leaver.nextHop(draft));
  const bye = tx.request; // as sent: with the Via the endpoint pushed

  const sent = await t.step('1', STEPS['1'], 'LEAVE-ORIG', () => step1ClientASends(t, f, mark));
  const toPfA = await t.step('2', STEPS['2'], 'LEAVE-ORIG', () => step2CoreARoutesToPfA(t, f, sent));
  const fromPfA = await t.step('3', STEPS['3'], 'LEAVE-ORIG', () => step3PfAOriginatingControl(t, f, toPfA));
  const toCoreB = await t.step('4', STEPS['4'], 'LEAVE-ORIG', () => step4CoreARoutesToCoreB(t, f, fromPfA));
  const toPfB = await t.step('5', STEPS['5'], 'LEAVE-TERM', () => step5CoreBRoutesToPfB(t, f, toCoreB));
  const fromPfB = await t.step('6', STEPS['6'], 'LEAVE-TERM', () => step6PfBTerminatingControl(t, f, toPfB));
  const atClientB = await t.step('7', STEPS['7'], 'LEAVE-TERM', () => step7CoreBDeliversToClientB(t, f, fromPfB));
  await t.step('8', STEPS['8'], 'LEAVE-OK', () => step8ClientBAccepts(f, atClientB));
  const hops: RequestHops = { sent, toPfA, fromPfA, toCoreB, toPfB, fromPfB };
  const ok = await t.step('9-14', STEPS['9-14'], 'LEAVE-OK', async () => {
    // 9: Core B → PF B and 11-12: Core B → Core A → PF A are the cores' own hops; the SUT's are 10 and 13.
    const okFromPfB = await step10PfBRelaysOk(t, f, hops);
    const okFromPfA = await step13PfARelaysOk(t, f, hops, okFromPfB);
    inSpecOrder(t, hops, okFromPfB, okFromPfA);
    return step14ClientAReceivesOk(t, x, tx, bye);
  });
  return { bye, ok };
}

/** Step 1: CPM Client A sends the CPM Session leaving request (its BYE, in the dialog, RFC 3261 §15.1.1). */
async function step1ClientASends(t: TestContext, { x, T }: Flow, mark: number): Promise<SipEntry> {
  const e = await hopEntry(t, x.leaver.name, 'sent', mark, (e) => isByeRequest(e.message), T);
  t.precondition(e !== null, { message: `${x.leaver.name} could not send its BYE` });
  return e;
}

/** Step 2: SIP/IP Core A routes the request to PF A, by the route set the SUT's Record-Route gave the dialog. */
async function step2CoreARoutesToPfA(t: TestContext, { x, coreA, T }: Flow, sent: SipEntry): Promise<SipEntry> {
  return t.require(await hopEntry(t, coreA.name, 'sent', sent.seq, (e) => isByeRequest(e.message) && sameAddress(e.flow.remote, x.pfOrig), Math.min(T, 500)), 'LEAVE-ORIG', {
    message: `${coreA.name} did not route the leaving request to ${x.pfOrigName}: the dialog's route set, learnt from the SUT's Record-Route, does not include ${x.pfOrigName} (${x.pfOrig.host}:${x.pfOrig.port}); route set at ${x.leaver.name}: ${routeSetText(x.leaverDialog)}`,
    expected: `BYE from ${coreA.name} to ${x.pfOrigName}`,
    actual: t.trace.first({ owner: coreA.name, direction: 'sent', after: sent.seq }) ?? 'nothing',
  });
}

/** Step 3: PF A executes originating service control and sends the request on to Core A (as a proxy: RFC 3261 §16.6). */
async function step3PfAOriginatingControl(t: TestContext, { x, coreA, proxy, T }: Flow, toPfA: SipEntry): Promise<SipEntry> {
  const e = t.require(await hopEntry(t, coreA.name, 'received', toPfA.seq, (e) => isByeRequest(e.message) && viaNames(e.message, x.pfOrig), T), 'LEAVE-ORIG', {
    message: `${x.pfOrigName} did not send the leaving request on to ${coreA.name} within ${T} ms after receiving it`,
    expected: `BYE from ${x.pfOrigName} (its Via on top)`,
    actual: t.trace.first({ owner: coreA.name, direction: 'received', after: toPfA.seq }) ?? 'nothing',
  });
  if (proxy) {
    t.expect('LEAVE-ORIG', e, proxiedRequestTemplate(toPfA.message, x.pfOrig), `${x.pfOrigName} relayed the leaving request incorrectly (RFC 3261 §16.6)`);
    // On this topology the §16.6 rules are judged per hop, under the step's requirement.
    t.evaluatedAll('RFC3261-16.6');
  } else {
    t.check('LEAVE-ORIG', header(e.message, 'Max-Forwards') !== undefined && isByeRequest(e.message), {
      message: `${x.pfOrigName} (B2BUA) sent a malformed leaving request on its outgoing leg`, actual: e,
    });
  }
  return e;
}

/** Step 4: SIP/IP Core A routes the request to the SIP/IP Core of user B's network. */
async function step4CoreARoutesToCoreB(t: TestContext, { x, coreA, coreB, T }: Flow, fromPfA: SipEntry): Promise<SipEntry> {
  return t.require(await hopEntry(t, coreA.name, 'sent', fromPfA.seq, (e) => isByeRequest(e.message) && sameAddress(e.flow.remote, coreB.address), Math.min(T, 500)), 'LEAVE-ORIG', {
    message: `the leaving request ${x.pfOrigName} emitted does not route to ${coreB.name} (its Route/Request-URI lead elsewhere)`,
    expected: `BYE from ${coreA.name} to ${coreB.name}`, actual: fromPfA,
  });
}

/** Step 5: SIP/IP Core B routes the request to PF B. */
async function step5CoreBRoutesToPfB(t: TestContext, { x, coreB, T }: Flow, toCoreB: SipEntry): Promise<SipEntry> {
  return t.require(await hopEntry(t, coreB.name, 'sent', toCoreB.seq, (e) => isByeRequest(e.message) && sameAddress(e.flow.remote, x.pfTerm), Math.min(T, 1000)), 'LEAVE-TERM', {
    message: `${coreB.name} did not route the leaving request to ${x.pfTermName}: the dialog's route set does not include ${x.pfTermName}; route set at ${x.leaver.name}: ${routeSetText(x.leaverDialog)}`,
    expected: `BYE from ${coreB.name} to ${x.pfTermName}`,
    actual: t.trace.first({ owner: coreB.name, direction: 'sent', after: toCoreB.seq }) ?? 'nothing',
  });
}

/** Step 6: PF B executes terminating service control and sends the request on to Core B, not answering it itself. */
async function step6PfBTerminatingControl(t: TestContext, { x, coreB, proxy, T }: Flow, toPfB: SipEntry): Promise<SipEntry> {
  const e = await hopEntry(t, coreB.name, 'received', toPfB.seq, (e) => isByeRequest(e.message) && viaNames(e.message, x.pfTerm), T);
  const instead = t.trace.first({ owner: coreB.name, direction: 'received', after: toPfB.seq });
  t.check('LEAVE-TERM', e !== null, {
    message: `${x.pfTermName} did not send the leaving request on to ${coreB.name} within ${T} ms` +
      (instead?.message && instead.message.kind === 'response' ? ` (it answered ${labelOf(instead.message)} itself instead of delivering it to ${x.peer.name})` : ''),
    expected: `BYE from ${x.pfTermName} (its Via on top)`,
    actual: instead ?? 'nothing',
  });
  if (proxy) {
    t.expect('LEAVE-TERM', e, proxiedRequestTemplate(toPfB.message, x.pfTerm), `${x.pfTermName} relayed the leaving request incorrectly (RFC 3261 §16.6)`);
  }
  return e;
}

/** Step 7: SIP/IP Core B sends the request to CPM Client B, in Client B's dialog. */
async function step7CoreBDeliversToClientB(t: TestContext, { x, T }: Flow, fromPfB: SipEntry): Promise<ServerTransaction> {
  const got = t.require(await x.peer.waitForRequest({ method: 'BYE' }, T), 'LEAVE-TERM', { message: `the leaving request did not reach ${x.peer.name}`, expected: 'BYE at the peer device', actual: fromPfB });
  checkPeerDialog(t, x, got.request);
  return got;
}

/** Step 8: CPM Client B accepts the leaving request with an OK (the harness's own act). */
function step8ClientBAccepts({ x }: Flow, atClientB: ServerTransaction): Promise<void> {
  return x.peer.respond(atClientB, 200, 'OK');
}

/**
 * Step 10: PF B conveys the OK back to Core B by the reverse route: a response to the BYE of step 5
 * (its top Via branch, RFC 3261 §17.1.3), with exactly that BYE's Vias (§16.7 step 3).
 */
async function step10PfBRelaysOk(t: TestContext, { x, coreB, T }: Flow, hops: RequestHops): Promise<SipEntry> {
  const { toPfB, fromPfB } = hops;
  // The OK of Client B arrives at Core B too (on the branch of step 7): that is not PF B's relay.
  const toClientB = t.trace.first({ owner: coreB.name, direction: 'sent', after: fromPfB.seq, template: { method: 'BYE' } });
  const branch7 = toClientB ? topBranch(toClientB.message) : undefined;
  const misrouted = t.trace.find({ owner: coreB.name, direction: 'received', after: fromPfB.seq }).filter((e) => isByeResponse(e.message) && topBranch(e.message) !== branch7);
  const ok = t.require(await hopEntry(t, coreB.name, 'received', fromPfB.seq, (e) => isByeResponse(e.message) && topBranch(e.message) === topBranch(toPfB.message), T), 'LEAVE-OK', {
    message: `step 10: ${x.pfTermName} did not convey the OK back to ${coreB.name} by the reverse route` +
      (misrouted[0]?.message ? ` (what arrived carries Via ${viaList(misrouted[0].message).join(' | ')})` : ''),
    expected: `a response to the BYE of step 5 (top Via branch ${topBranch(toPfB.message)}), Via ${viaList(toPfB.message).join(' | ')}`,
    actual: misrouted[0] ?? t.trace.find({ owner: coreB.name, direction: 'received', after: fromPfB.seq }).filter((e) => isByeResponse(e.message))[0] ?? 'nothing',
  });
  judgeRelayedOk(t, 10, x.pfTermName, toPfB, ok);
  return ok;
}

/** Step 13: PF A conveys the OK back to Core A by the reverse route: a response to the BYE of step 2, with exactly its Vias. */
async function step13PfARelaysOk(t: TestContext, { x, coreA, T }: Flow, hops: RequestHops, okFromPfB: SipEntry): Promise<SipEntry> {
  const { toPfA, toCoreB } = hops;
  // Core A's own hop to Core B (step 4) is answered too: that response is not PF A's relay.
  const branch4 = topBranch(toCoreB.message);
  const misrouted = t.trace.find({ owner: coreA.name, direction: 'received', after: okFromPfB.seq }).filter((e) => isByeResponse(e.message) && topBranch(e.message) !== branch4);
  const ok = t.require(await hopEntry(t, coreA.name, 'received', okFromPfB.seq, (e) => isByeResponse(e.message) && topBranch(e.message) === topBranch(toPfA.message), T), 'LEAVE-OK', {
    message: `step 13: ${x.pfOrigName} did not convey the OK back to ${coreA.name} by the reverse route` +
      (misrouted[0]?.message ? ` (what arrived carries Via ${viaList(misrouted[0].message).join(' | ')})` : ''),
    expected: `a response to the BYE of step 2 (top Via branch ${topBranch(toPfA.message)}), Via ${viaList(toPfA.message).join(' | ')}`,
    actual: misrouted[0] ?? 'nothing',
  });
  judgeRelayedOk(t, 13, x.pfOrigName, toPfA, ok);
  return ok;
}

/** What a PF relayed back is the OK, and it matches the BYE that PF received on this hop (RFC 3261 §16.7 step 3). */
function judgeRelayedOk(t: TestContext, step: number, pfName: string, byeAtPf: SipEntry, ok: SipEntry): void {
  t.check('LEAVE-OK', ok.message.kind === 'response' && ok.message.status === 200, { message: `step ${step}: ${pfName} relayed ${labelOf(ok.message)} instead of the OK`, actual: ok });
  t.expect('LEAVE-OK', ok, relayedResponseTemplate(byeAtPf.message, 200), `step ${step}: the OK relayed by ${pfName} does not match the leaving request on this hop (RFC 3261 §16.7 step 3)`);
}

/** The steps happened in the order of C.2.3.1 on the merged trace (a partial order across cores and PFs). */
function inSpecOrder(t: TestContext, hops: RequestHops, okFromPfB: SipEntry, okFromPfA: SipEntry): void {
  const { sent, toPfA, fromPfA, toCoreB, toPfB, fromPfB } = hops;
  const order = t.trace.violations([[sent, toPfA], [toPfA, fromPfA], [fromPfA, toCoreB], [toCoreB, toPfB], [toPfB, fromPfB], [fromPfB, okFromPfB], [okFromPfB, okFromPfA]]);
  t.check('LEAVE-OK', order.length === 0, {
    message: `the 14 steps are not in the order of C.2.3.1 on the merged trace: ${order.map(([a, b]) => `#${b.seq} before #${a.seq}`).join(', ')}`,
  });
}
