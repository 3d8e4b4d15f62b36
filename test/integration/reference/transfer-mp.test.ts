/**
 * Session transfer with the CS staying in the media path (OMA CPM CR 5.2.5.1.1), reference server
 * in B2BUA mode: REFER in D1 → PF control → 202 + NOTIFY 100 → Session Join Notification (REFER
 * to A2 with Refer-To <session URI?Target-Dialog=D1&Require=tdialog&...>) → A2's INVITE answered
 * by PF A with its own a=path, nothing towards B1 → A2's NOTIFY 200 → Release Notification to A1
 * → A1's BYE releases D1 only; B1 and A2 go on talking through the CS.
 */
import type { SipRequest } from '../../../src/sip/message';
import { headerValues } from '../../../src/sip/message';
import { Dialog } from '../../../src/sip/dialog';
import type { ServerTransaction } from '../../../src/sip/endpoint';
import { createResponse } from '../../../src/sip/request-builder';
import { parseReferTo, embeddedHeader } from '../../../src/sip/headers/refer-to';
import { parseTargetDialog } from '../../../src/sip/headers/dialog-id';
import { callId, fromTag, parseNameAddr, toTag } from '../../../src/sip/headers/name-addr';
import { cseq } from '../../../src/sip/headers/cseq';
import { contacts } from '../../../src/sip/headers/contact';
import { routes } from '../../../src/sip/headers/route';
import { event, subscriptionState } from '../../../src/sip/headers/event';
import type { TransportProtocol } from '../../../src/sip/transport/address';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { TestUa, TIMERS, sdp } from './test-ua';
import { answerReinvite, establish, hdr, inDialog, inviteFromReferTo, lr, msrpPath, notify, reply, sipfrag, sleep, unexpected, SIPFRAG, type Session } from './transfer-ua';

interface World { server: ReferenceServer; a1: TestUa; a2: TestUa; b1: TestUa; uas: TestUa[] }

async function world(protocol: TransportProtocol, faults: string[] = [], a2Path?: (core: TestUa) => string): Promise<World & { core?: TestUa }> {
  const server = await startReferenceServer({ port: 0, mode: 'b2bua', timers: TIMERS, faults });
  const a1 = await TestUa.open('alice', protocol);
  const a2 = await TestUa.open('alice', protocol);
  const b1 = await TestUa.open('bob', protocol);
  const uas = [a1, a2, b1];
  let core: TestUa | undefined;
  if (a2Path) {
    core = await TestUa.open('core', protocol);
    uas.push(core);
  }
  for (const ua of [a1, b1]) expect((await ua.register(server.pfA))?.status).toBe(200);
  const path = core && a2Path ? [{ name: 'Path', value: a2Path(core) }] : [];
  expect((await a2.register(server.pfA, 600, path))?.status).toBe(200);
  return { server, a1, a2, b1, uas, core };
}

async function teardown(w: World): Promise<void> {
  for (const ua of w.uas) await ua.close();
  await w.server.stop();
}

/** A1's REFER in D1 (step 1). */
function refer(w: World, s: Session, target: string, extra: Array<{ name: string; value: string }> = []) {
  return inDialog(w.a1, s.d1, 'REFER', [{ name: 'Refer-To', value: `<${target}>` }, { name: 'Referred-By', value: `<${w.a1.aor}>` }, ...extra]);
}

/** A1 takes the NOTIFY in D1 and answers it 200. */
async function notifyAtA1(w: World): Promise<SipRequest> {
  const tx = await w.a1.waitFor('NOTIFY', 3000);
  expect(tx).not.toBeNull();
  await tx!.respond(createResponse(tx!.request, 200));
  return tx!.request;
}

interface Joined { referTx: ServerTransaction; join: Dialog; a2d: Dialog; ok: import('../../../src/sip/message').SipResponse }

/** Steps 4-6: A2 gets the join REFER, answers 202, sends the INVITE the Refer-To asks for, ACKs the 200. */
async function joinAtA2(w: World, at: TestUa, inviteExtra: Array<{ name: string; value: string }> = []): Promise<Joined> {
  const referTx = await at.waitFor('REFER', 3000);
  expect(referTx).not.toBeNull();
  const tag = await reply(referTx!, 202, w.a2.contactUri);
  const join = Dialog.fromUas(referTx!.request, tag, w.a2.contactUri);
  const rt = parseReferTo(hdr(referTx!.request, 'Refer-To')!)!;
  const inv = inviteFromReferTo(w.a2, rt.uri, rt.embeddedHeaders, w.server.pfA, inviteExtra);
  const ok = await inv.final;
  expect(ok?.status).toBe(200);
  const a2d = Dialog.fromUac(inv.request, ok!);
  await w.a2.ack(a2d);
  return { referTx: referTx!, join, a2d, ok: ok! };
}

describe.each(['udp', 'tcp'] as const)('transfer, CS in the media path (b2bua), %s', (protocol) => {
  let w: World;
  beforeEach(async () => { w = await world(protocol); });
  afterEach(async () => teardown(w));

  test('steps 1-9 on the wire: REFER, 202, NOTIFY 100, join REFER, INVITE answered by the CS, NOTIFY 200s, BYE releases D1 only', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    const r = refer(w, s, w.a2.contactUri);
    expect((await r.final)?.status).toBe(202);
    const n1 = await notifyAtA1(w);
    expect(s.d1.matches(n1)).toBe(true);
    expect(event(n1)?.package).toBe('refer');
    expect(hdr(n1, 'Subscription-State')).toBe('active;expires=60');
    expect(hdr(n1, 'Content-Type')).toBe(SIPFRAG);
    expect(n1.body.toString()).toBe('SIP/2.0 100 Trying\r\n');

    // Step 4: the Session Join Notification.
    const referTx = await w.a2.waitFor('REFER', 3000);
    expect(referTx).not.toBeNull();
    const jr = referTx!.request;
    expect(jr.uri).toBe(w.a2.contactUri);
    expect(toTag(jr)).toBeNull();
    expect(parseNameAddr(hdr(jr, 'From')!)?.uri).toBe(w.a1.aor);
    expect(fromTag(jr)).toBeTruthy();
    expect(parseNameAddr(hdr(jr, 'To')!)?.uri).toBe(w.a2.contactUri);
    expect(hdr(jr, 'Referred-By')).toBe(`<${w.a1.aor}>`);
    const sessionUri = contacts(jr)[0].uri;
    expect(sessionUri).toMatch(new RegExp(`^sip:session-[0-9a-f]+@127\\.0\\.0\\.1:${w.server.pfA.port};transport=${protocol}$`));
    const rtRaw = hdr(jr, 'Refer-To')!;
    expect(rtRaw.startsWith(`<${sessionUri}?Target-Dialog=`)).toBe(true);
    expect(rtRaw).toContain('%3Blocal-tag%3D');
    const rt = parseReferTo(rtRaw)!;
    const td = parseTargetDialog(embeddedHeader(rt, 'Target-Dialog')!)!;
    expect(td).toMatchObject({ callId: s.d1.callId, localTag: s.d1.localTag, remoteTag: s.d1.remoteTag });
    expect(embeddedHeader(rt, 'Require')).toBe('tdialog');
    expect(embeddedHeader(rt, 'Conversation-ID')).toBe(hdr(s.invite, 'Conversation-ID'));
    expect(embeddedHeader(rt, 'Contribution-ID')).toBe(hdr(s.invite, 'Contribution-ID'));
    const tag = await reply(referTx!, 202, w.a2.contactUri);
    const join = Dialog.fromUas(jr, tag, w.a2.contactUri);

    // Step 5-6: A2's INVITE, answered by the CS itself with its own MSRP path.
    const inv = inviteFromReferTo(w.a2, rt.uri, rt.embeddedHeaders, w.server.pfA);
    expect(inv.request.uri).toBe(sessionUri);
    const ok = await inv.final;
    expect(ok?.status).toBe(200);
    // The CS's own MSRP URI on its relay's listener (msrp-relay.ts), no longer a port in SDP only.
    expect(msrpPath(ok!)).toMatch(/^msrp:\/\/127\.0\.0\.1:\d+\/[0-9a-f]+;tcp$/);
    expect(msrpPath(ok!)).not.toMatch(/:2855\//);
    expect(msrpPath(ok!)).not.toBe(msrpPath(s.atB1));
    const a2d = Dialog.fromUac(inv.request, ok!);
    await w.a2.ack(a2d);
    // No Release Notification before the Replaced Notification.
    expect(await w.a1.waitFor('NOTIFY', 200)).toBeNull();

    // Step 7-8: Replaced Notification, then the Release Notification.
    expect((await notify(w.a2, join, 'terminated;reason=noresource', 'SIP/2.0 200 OK').final)?.status).toBe(200);
    const n2 = await notifyAtA1(w);
    expect(s.d1.matches(n2)).toBe(true);
    expect(subscriptionState(n2)).toMatchObject({ state: 'terminated', reason: 'noresource' });
    expect(sipfrag(n2)).toBe('SIP/2.0 200 OK');

    // Step 9: A1 leaves; nothing reaches B1.
    expect((await inDialog(w.a1, s.d1, 'BYE').final)?.status).toBe(200);
    expect(await unexpected(w.b1)).toEqual([]);

    // The session goes on A2 <-> CS <-> B1: B1's BYE reaches A2.
    const bye = inDialog(w.b1, s.b1d, 'BYE');
    const atA2 = await w.a2.waitFor('BYE');
    expect(atA2).not.toBeNull();
    expect(a2d.matches(atA2!.request)).toBe(true);
    await atA2!.respond(createResponse(atA2!.request, 200));
    expect((await bye.final)?.status).toBe(200);
  });

  test('PF control for the transferor: another user 403, not registered 480, itself 403, two Refer-To 400; nothing sent to any device', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await refer(w, s, w.b1.contactUri).final)?.status).toBe(403);
    expect((await refer(w, s, `sip:alice@127.0.0.1:${w.a2.address.port + 7}${protocol === 'udp' ? '' : `;transport=${protocol}`}`).final)?.status).toBe(480);
    expect((await refer(w, s, w.a1.contactUri).final)?.status).toBe(403);
    expect((await refer(w, s, w.a2.contactUri, [{ name: 'Refer-To', value: `<${w.a2.contactUri}>` }]).final)?.status).toBe(400);
    await sleep(300);
    for (const ua of [w.a1, w.a2, w.b1]) expect(ua.requests.map((t) => t.request.method)).toEqual([]);
    // A1 keeps its session: its BYE still reaches B1.
    const bye = inDialog(w.a1, s.d1, 'BYE');
    const atB1 = await w.b1.waitFor('BYE');
    expect(atB1 && s.b1d.matches(atB1.request)).toBe(true);
    await atB1!.respond(createResponse(atB1!.request, 200));
    expect((await bye.final)?.status).toBe(200);
  });

  test('PF control for the target: another device 403, an unknown Target-Dialog 481', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await refer(w, s, w.a2.contactUri).final)?.status).toBe(202);
    await notifyAtA1(w);
    const referTx = await w.a2.waitFor('REFER', 3000);
    await reply(referTx!, 202);
    const rt = parseReferTo(hdr(referTx!.request, 'Refer-To')!)!;
    // B1 (another user) tries to use the session URI.
    const foreign = inviteFromReferTo(w.b1, rt.uri, rt.embeddedHeaders, w.server.pfA);
    expect((await foreign.final)?.status).toBe(403);
    const unknown = inviteFromReferTo(w.a2, rt.uri, { ...rt.embeddedHeaders, 'Target-Dialog': `nope;local-tag=x;remote-tag=y` }, w.server.pfA);
    expect((await unknown.final)?.status).toBe(481);
  });

  test('A2 declines the join REFER (603): final NOTIFY 603 to A1, who keeps D1', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await refer(w, s, w.a2.contactUri).final)?.status).toBe(202);
    await notifyAtA1(w);
    const referTx = await w.a2.waitFor('REFER', 3000);
    await reply(referTx!, 603);
    const n = await notifyAtA1(w);
    expect(subscriptionState(n)).toMatchObject({ state: 'terminated', reason: 'noresource' });
    expect(sipfrag(n)).toBe('SIP/2.0 603 Decline');
    const bye = inDialog(w.b1, s.b1d, 'BYE');
    const atA1 = await w.a1.waitFor('BYE');
    expect(atA1 && s.d1.matches(atA1.request)).toBe(true);
    await atA1!.respond(createResponse(atA1!.request, 200));
    expect((await bye.final)?.status).toBe(200);
  });

  test('A2 reports a failed invitation (NOTIFY sipfrag 486): final NOTIFY 486 to A1', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await refer(w, s, w.a2.contactUri).final)?.status).toBe(202);
    await notifyAtA1(w);
    const referTx = await w.a2.waitFor('REFER', 3000);
    const tag = await reply(referTx!, 202);
    const join = Dialog.fromUas(referTx!.request, tag, w.a2.contactUri);
    expect((await notify(w.a2, join, 'terminated;reason=noresource', 'SIP/2.0 486 Busy Here').final)?.status).toBe(200);
    expect(sipfrag(await notifyAtA1(w))).toBe('SIP/2.0 486 Busy Here');
  });

  test('A2 never answers: after 64*T1 a final NOTIFY 408 to A1', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await refer(w, s, w.a2.contactUri).final)?.status).toBe(202);
    await notifyAtA1(w);
    expect(await w.a2.waitFor('REFER', 3000)).not.toBeNull(); // left unanswered
    const tx = await w.a1.waitFor('NOTIFY', 64 * TIMERS.t1 + 2000);
    expect(tx).not.toBeNull();
    await tx!.respond(createResponse(tx!.request, 200));
    expect(sipfrag(tx!.request)).toBe('SIP/2.0 408 Request Timeout');
  });

  test('the transferor leaves early: its BYE is answered by PF A, B1 kept, the transfer completes to A2', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await refer(w, s, w.a2.contactUri).final)?.status).toBe(202);
    await notifyAtA1(w);
    expect((await inDialog(w.a1, s.d1, 'BYE').final)?.status).toBe(200);
    const j = await joinAtA2(w, w.a2);
    expect((await notify(w.a2, j.join, 'terminated;reason=noresource', 'SIP/2.0 200 OK').final)?.status).toBe(200);
    expect(await unexpected(w.b1)).toEqual([]);
    expect(await unexpected(w.a1, 'NOTIFY', 0)).toEqual([]);
    const bye = inDialog(w.b1, s.b1d, 'BYE');
    const atA2 = await w.a2.waitFor('BYE');
    expect(atA2 && j.a2d.matches(atA2.request)).toBe(true);
    await atA2!.respond(createResponse(atA2!.request, 200));
    expect((await bye.final)?.status).toBe(200);
  });

  test('re-INVITEs (RFC 3261 §14) cross both B2BUAs either way: SDP bridged, 2xx with a Contact, each ACK on its own leg; glare gets 491', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    // B1 → PF B → PF A → A1.
    const fromB1 = inDialog(w.b1, s.b1d, 'INVITE', [], { type: 'application/sdp', data: sdp(w.b1.address.host, w.b1.address.port + 1) });
    const atA1 = await w.a1.waitFor('INVITE');
    expect(atA1).not.toBeNull();
    expect(s.d1.matches(atA1!.request)).toBe(true);
    expect(s.d1.receive(atA1!.request)).toBe(true);
    expect(msrpPath(atA1!.request)).toBe(msrpPath(fromB1.request));
    // §14.2: while it is pending, A1's own re-INVITE meets glare.
    expect((await inDialog(w.a1, s.d1, 'INVITE', [], { type: 'application/sdp', data: sdp(w.a1.address.host, w.a1.address.port + 1) }).final)?.status).toBe(491);
    const answer = await answerReinvite(w.a1, atA1!);
    const ok = await fromB1.final;
    expect(ok?.status).toBe(200);
    expect(s.b1d.matches(ok!)).toBe(true);
    expect(contacts(ok!)).toHaveLength(1);
    expect(msrpPath(ok!)).toBe(msrpPath(answer));
    s.b1d.update(ok!);
    await w.b1.ack(s.b1d);
    const ackAtA1 = await w.a1.waitForAck();
    expect(ackAtA1 && s.d1.matches(ackAtA1)).toBe(true);
    expect(hdr(ackAtA1!, 'CSeq')).toBe(`${cseq(atA1!.request)!.seq} ACK`);

    // A1 → PF A → PF B → B1, once the first one is done.
    const fromA1 = inDialog(w.a1, s.d1, 'INVITE', [], { type: 'application/sdp', data: sdp(w.a1.address.host, w.a1.address.port + 1) });
    const atB1 = await w.b1.waitFor('INVITE');
    expect(atB1 && s.b1d.matches(atB1.request)).toBe(true);
    expect(s.b1d.receive(atB1!.request)).toBe(true);
    await answerReinvite(w.b1, atB1!);
    const ok2 = await fromA1.final;
    expect(ok2?.status).toBe(200);
    s.d1.update(ok2!);
    await w.a1.ack(s.d1);
    const ackAtB1 = await w.b1.waitForAck();
    expect(ackAtB1 && s.b1d.matches(ackAtB1)).toBe(true);
    expect(hdr(ackAtB1!, 'CSeq')).toBe(`${cseq(atB1!.request)!.seq} ACK`);
    expect(await unexpected(w.a1)).toEqual([]);
    expect(await unexpected(w.b1, undefined, 0)).toEqual([]);

    // The session still works: A1's BYE reaches B1.
    const bye = inDialog(w.a1, s.d1, 'BYE');
    const byeAtB1 = await w.b1.waitFor('BYE');
    expect(byeAtB1 && s.b1d.matches(byeAtB1.request)).toBe(true);
    await byeAtB1!.respond(createResponse(byeAtB1!.request, 200));
    expect((await bye.final)?.status).toBe(200);
  });
});

describe.each(['udp', 'tcp'] as const)('trf-mp-reinvite-transferee (b2bua), %s', (protocol) => {
  let w: World;
  beforeEach(async () => { w = await world(protocol, ['trf-mp-reinvite-transferee']); });
  afterEach(async () => teardown(w));

  test('once A2 joined and ACKed, B1 gets a re-INVITE in its dialog with PF A\'s a=path, answers 200, gets the ACK; the transfer still completes', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await refer(w, s, w.a2.contactUri).final)?.status).toBe(202);
    await notifyAtA1(w);
    expect(await unexpected(w.b1, 'INVITE', 100)).toEqual([]); // nothing before the target joined
    const j = await joinAtA2(w, w.a2);

    const tx = await w.b1.waitFor('INVITE', 3000);
    expect(tx).not.toBeNull();
    const re = tx!.request;
    expect(callId(re)).toBe(s.b1d.callId);
    expect(fromTag(re)).toBe(s.b1d.remoteTag);
    expect(toTag(re)).toBe(s.b1d.localTag);
    expect(cseq(re)!.seq).toBeGreaterThan(cseq(s.atB1)!.seq);
    expect(s.b1d.receive(re)).toBe(true);
    expect(hdr(re, 'Content-Type')).toBe('application/sdp');
    expect(msrpPath(re)).toMatch(/^msrp:\/\/127\.0\.0\.1:2855\/[^;]+;tcp$/);
    expect(msrpPath(re)).not.toBe(msrpPath(s.atB1)); // no longer A1's
    await answerReinvite(w.b1, tx!);
    const ack = await w.b1.waitForAck();
    expect(ack && s.b1d.matches(ack)).toBe(true);
    expect(hdr(ack!, 'CSeq')).toBe(`${cseq(re)!.seq} ACK`);
    expect(await unexpected(w.a2, 'INVITE', 0)).toEqual([]); // the 2xx ends at PF A

    expect((await notify(w.a2, j.join, 'terminated;reason=noresource', 'SIP/2.0 200 OK').final)?.status).toBe(200);
    const n = await notifyAtA1(w);
    expect(subscriptionState(n)?.state).toBe('terminated');
    expect(sipfrag(n)).toBe('SIP/2.0 200 OK');
    expect((await inDialog(w.a1, s.d1, 'BYE').final)?.status).toBe(200);

    const bye = inDialog(w.b1, s.b1d, 'BYE');
    const atA2 = await w.a2.waitFor('BYE');
    expect(atA2 && j.a2d.matches(atA2.request)).toBe(true);
    await atA2!.respond(createResponse(atA2!.request, 200));
    expect((await bye.final)?.status).toBe(200);
    expect(await unexpected(w.b1, undefined, 0)).toEqual([]);
  });
});

describe('transfer, CS in the media path, core-emulation routing (A2 behind a SIP/IP Core)', () => {
  let w: World & { core?: TestUa };
  beforeEach(async () => { w = await world('udp', [], (core) => lr(core.address, ';hop=t2')); });
  afterEach(async () => teardown(w));

  test('the join REFER goes through A2\'s Path; A2\'s INVITE arrives with Route <pfA;lr;orig>, <core;lr;hop=o2> and PF A answers it', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await refer(w, s, w.a2.contactUri).final)?.status).toBe(202);
    await notifyAtA1(w);
    const referTx = await w.core!.waitFor('REFER', 3000);
    expect(referTx).not.toBeNull();
    expect(referTx!.request.uri).toBe(w.a2.contactUri);
    expect(routes(referTx!.request, 'Route').map((r) => `<${r.uri}>`)).toEqual([lr(w.core!.address, ';hop=t2')]);
    const tag = await reply(referTx!, 202);
    const join = Dialog.fromUas(referTx!.request, tag, w.a2.contactUri);
    const rt = parseReferTo(hdr(referTx!.request, 'Refer-To')!)!;
    const inv = inviteFromReferTo(w.a2, rt.uri, rt.embeddedHeaders, w.server.pfA, [
      { name: 'Route', value: lr(w.server.pfA, ';orig') }, { name: 'Route', value: lr(w.core!.address, ';hop=o2') },
    ]);
    const ok = await inv.final;
    expect(ok?.status).toBe(200);
    // The CS's own MSRP URI on its relay's listener (msrp-relay.ts), no longer a port in SDP only.
    expect(msrpPath(ok!)).toMatch(/^msrp:\/\/127\.0\.0\.1:\d+\/[0-9a-f]+;tcp$/);
    expect(msrpPath(ok!)).not.toMatch(/:2855\//);
    expect(await unexpected(w.core!, 'INVITE', 100)).toEqual([]); // not routed on
    await w.a2.ack(Dialog.fromUac(inv.request, ok!));
    expect((await notify(w.a2, join, 'terminated;reason=noresource', 'SIP/2.0 200 OK').final)?.status).toBe(200);
    expect(sipfrag(await notifyAtA1(w))).toBe('SIP/2.0 200 OK');
    expect(headerValues(s.invite, 'Route')).toEqual([]);
  });
});

describe('transfer faults, CS in the media path', () => {
  let w: World;
  afterEach(async () => teardown(w));

  async function accepted(faults: string[]): Promise<Session> {
    w = await world('udp', faults);
    const s = await establish(w.server, w.a1, w.b1);
    expect((await refer(w, s, w.a2.contactUri).final)?.status).toBe(202);
    return s;
  }

  test('trf-mp-refer-rejected: a valid REFER gets 488', async () => {
    w = await world('udp', ['trf-mp-refer-rejected']);
    const s = await establish(w.server, w.a1, w.b1);
    expect((await refer(w, s, w.a2.contactUri).final)?.status).toBe(488);
  });

  test('trf-mp-accept-foreign-target: 202 and a join REFER to B1', async () => {
    w = await world('udp', ['trf-mp-accept-foreign-target']);
    const s = await establish(w.server, w.a1, w.b1);
    expect((await refer(w, s, w.b1.contactUri).final)?.status).toBe(202);
    expect(await w.b1.waitFor('REFER', 2000)).not.toBeNull();
  });

  test('trf-mp-accept-unregistered-target: 202 for a device with no binding', async () => {
    w = await world('udp', ['trf-mp-accept-unregistered-target']);
    const s = await establish(w.server, w.a1, w.b1);
    expect((await refer(w, s, `sip:alice@127.0.0.1:${w.a2.address.port + 7}`).final)?.status).toBe(202);
  });

  test('trf-mp-no-join: no REFER reaches A2', async () => {
    await accepted(['trf-mp-no-join']);
    await notifyAtA1(w);
    expect(await w.a2.waitFor('REFER', 500)).toBeNull();
  });

  test('trf-mp-join-wrong-device: the join REFER goes to A1', async () => {
    await accepted(['trf-mp-join-wrong-device']);
    await notifyAtA1(w);
    const tx = await w.a1.waitFor('REFER', 2000);
    expect(tx?.request.uri).toBe(w.a1.contactUri);
    expect(await w.a2.waitFor('REFER', 200)).toBeNull();
  });

  test('trf-mp-establish-rejected: A2\'s INVITE gets 403', async () => {
    await accepted(['trf-mp-establish-rejected']);
    await notifyAtA1(w);
    const referTx = await w.a2.waitFor('REFER', 3000);
    await reply(referTx!, 202);
    const rt = parseReferTo(hdr(referTx!.request, 'Refer-To')!)!;
    expect((await inviteFromReferTo(w.a2, rt.uri, rt.embeddedHeaders, w.server.pfA).final)?.status).toBe(403);
  });

  test('trf-mp-leaves-media-path: A2 gets B1\'s a=path', async () => {
    const s = await accepted(['trf-mp-leaves-media-path']);
    await notifyAtA1(w);
    const j = await joinAtA2(w, w.a2);
    expect(msrpPath(j.ok)).toBe(msrpPath(s.okFromB1));
    expect(msrpPath(j.ok)).not.toMatch(/:2855\//);
  });

  test('trf-mp-release-before-established: NOTIFY terminated 200 right after the 100', async () => {
    await accepted(['trf-mp-release-before-established']);
    await notifyAtA1(w);
    const n = await notifyAtA1(w);
    expect(sipfrag(n)).toBe('SIP/2.0 200 OK');
    expect(subscriptionState(n)?.state).toBe('terminated');
  });

  test('trf-mp-bye-propagated: the transferor\'s BYE reaches B1', async () => {
    const s = await accepted(['trf-mp-bye-propagated']);
    await notifyAtA1(w);
    const j = await joinAtA2(w, w.a2);
    expect((await notify(w.a2, j.join, 'terminated;reason=noresource', 'SIP/2.0 200 OK').final)?.status).toBe(200);
    await notifyAtA1(w);
    const bye = inDialog(w.a1, s.d1, 'BYE');
    const atB1 = await w.b1.waitFor('BYE');
    expect(atB1).not.toBeNull();
    await atB1!.respond(createResponse(atB1!.request, 200));
    expect((await bye.final)?.status).toBe(200);
  });

  test('trf-mp-notify-wrong-event: Event: presence, no Subscription-State', async () => {
    await accepted(['trf-mp-notify-wrong-event']);
    const n = await notifyAtA1(w);
    expect(event(n)?.package).toBe('presence');
    expect(hdr(n, 'Subscription-State')).toBeUndefined();
  });
});
