/**
 * Session transfer with the CS not in the media path (OMA CPM CR 5.2.5.1.2), reference server in
 * proxy mode: out-of-dialog REFER to the CS transfer URI with Target-Dialog → PF control → 202 +
 * NOTIFY 100 → Session replacement notification (REFER to A2 with Refer-To <B1?Replaces=D&
 * Require=replaces>) → A2's INVITE with Replaces routed through PF A and PF B to B1 (SDP
 * unchanged) → A2's NOTIFY 200 and the ACK → Release Notification → A1's BYE in D routed to B1.
 */
import type { SipRequest } from '../../../src/sip/message';
import { Dialog } from '../../../src/sip/dialog';
import type { ClientTransaction } from '../../../src/sip/endpoint';
import { createRequest, createResponse } from '../../../src/sip/request-builder';
import { parseReferTo, embeddedHeader } from '../../../src/sip/headers/refer-to';
import { formatTargetDialog, parseReplaces } from '../../../src/sip/headers/dialog-id';
import { callId, parseNameAddr, toTag } from '../../../src/sip/headers/name-addr';
import { vias } from '../../../src/sip/headers/via';
import { routes } from '../../../src/sip/headers/route';
import { event, subscriptionState } from '../../../src/sip/headers/event';
import type { TransportProtocol } from '../../../src/sip/transport/address';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { TestUa, TIMERS } from './test-ua';
import { establish, hdr, inDialog, inviteFromReferTo, lr, msrpPath, notify, reply, sipfrag, unexpected, SIPFRAG, type Session } from './transfer-ua';

interface World { server: ReferenceServer; a1: TestUa; a2: TestUa; b1: TestUa; core?: TestUa; uas: TestUa[] }

async function world(protocol: TransportProtocol, faults: string[] = [], withCore = false): Promise<World> {
  const server = await startReferenceServer({ port: 0, mode: 'proxy', timers: TIMERS, faults });
  const a1 = await TestUa.open('alice', protocol);
  const a2 = await TestUa.open('alice', protocol);
  const b1 = await TestUa.open('bob', protocol);
  const core = withCore ? await TestUa.open('core', protocol) : undefined;
  const uas = core ? [a1, a2, b1, core] : [a1, a2, b1];
  for (const ua of [a1, b1]) expect((await ua.register(server.pfA))?.status).toBe(200);
  expect((await a2.register(server.pfA, 600, core ? [{ name: 'Path', value: lr(core.address, ';hop=t2') }] : []))?.status).toBe(200);
  return { server, a1, a2, b1, core, uas };
}

async function teardown(w: World): Promise<void> {
  for (const ua of w.uas) await ua.close();
  await w.server.stop();
}

function transferUri(w: World): string {
  return `sip:transfer@${w.server.pfA.host}:${w.server.pfA.port}${w.a1.protocol === 'udp' ? '' : `;transport=${w.a1.protocol}`}`;
}

/** Step 1: A1's out-of-dialog REFER to the CS transfer URI naming D by Target-Dialog. */
function transferRequest(w: World, s: Session, target: string, opts: { route?: string[]; td?: string } = {}): ClientTransaction {
  const uri = transferUri(w);
  const td = opts.td ?? formatTargetDialog({ callId: s.d1.callId, localTag: s.d1.localTag, remoteTag: s.d1.remoteTag, params: {} });
  const req = createRequest({
    method: 'REFER', uri, from: `<${w.a1.aor}>`, to: `<${uri}>`, contact: `<${w.a1.contactUri}>`,
    extra: [
      ...(opts.route ?? []).map((value) => ({ name: 'Route', value })),
      { name: 'Target-Dialog', value: td }, { name: 'Require', value: 'tdialog' },
      { name: 'Refer-To', value: `<${target}>` }, { name: 'Referred-By', value: `<${w.a1.aor}>` },
    ],
  });
  return w.a1.endpoint.request(req, { ...w.server.pfA, protocol: w.a1.protocol });
}

async function notifyAtA1(w: World): Promise<SipRequest> {
  const tx = await w.a1.waitFor('NOTIFY', 3000);
  expect(tx).not.toBeNull();
  await tx!.respond(createResponse(tx!.request, 200));
  return tx!.request;
}

describe.each(['udp', 'tcp'] as const)('transfer, CS not in the media path (proxy), %s', (protocol) => {
  let w: World;
  beforeEach(async () => { w = await world(protocol); });
  afterEach(async () => teardown(w));

  test('steps 1-9 on the wire: REFER to the transfer URI, 202, NOTIFY 100, REFER with Replaces to A2, INVITE routed to B1, NOTIFY 200s, BYE routed to B1', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    const r = transferRequest(w, s, w.a2.contactUri);
    const accepted = await r.final;
    expect(accepted?.status).toBe(202);
    expect(toTag(accepted!)).toBeTruthy();
    const referDialog = Dialog.fromUac(r.request, accepted!);
    const n1 = await notifyAtA1(w);
    expect(referDialog.matches(n1)).toBe(true);
    expect(event(n1)?.package).toBe('refer');
    expect(hdr(n1, 'Subscription-State')).toBe('active;expires=60');
    expect(hdr(n1, 'Content-Type')).toBe(SIPFRAG);
    expect(sipfrag(n1)).toBe('SIP/2.0 100 Trying');

    // Step 4: the Session replacement notification.
    const referTx = await w.a2.waitFor('REFER', 3000);
    expect(referTx).not.toBeNull();
    const rr = referTx!.request;
    expect(rr.uri).toBe(w.a2.contactUri);
    expect(parseNameAddr(hdr(rr, 'From')!)?.uri).toBe(w.a1.aor);
    expect(hdr(rr, 'Referred-By')).toBe(`<${w.a1.aor}>`);
    const rtRaw = hdr(rr, 'Refer-To')!;
    const esc = (x: string) => x.replace(/@/g, '%40');
    expect(rtRaw).toBe(`<${w.b1.contactUri}?Replaces=${esc(s.d1.callId)}%3Bto-tag%3D${s.d1.remoteTag}%3Bfrom-tag%3D${s.d1.localTag}&Require=replaces>`);
    const rt = parseReferTo(rtRaw)!;
    expect(parseReplaces(embeddedHeader(rt, 'Replaces')!)).toMatchObject({ callId: s.d1.callId, toTag: s.d1.remoteTag, fromTag: s.d1.localTag });
    const tag = await reply(referTx!, 202, w.a2.contactUri);
    const sub = Dialog.fromUas(rr, tag, w.a2.contactUri);

    // Step 5-6: A2's INVITE routed through both PFs to B1, Replaces and SDP intact.
    const inv = inviteFromReferTo(w.a2, rt.uri, rt.embeddedHeaders, w.server.pfA);
    const atB1 = await w.b1.waitFor('INVITE');
    expect(atB1).not.toBeNull();
    const req = atB1!.request;
    expect(req.uri).toBe(w.b1.contactUri);
    expect(hdr(req, 'Replaces')).toBe(hdr(inv.request, 'Replaces'));
    expect(hdr(req, 'Require')).toBe('replaces');
    expect(callId(req)).toBe(callId(inv.request));
    expect(vias(req).map((v) => v.port)).toEqual([w.server.pfB.port, w.server.pfA.port, w.a2.address.port]);
    expect(routes(req, 'Record-Route').map((x) => x.uri)).toEqual([
      `sip:127.0.0.1:${w.server.pfB.port};transport=${protocol};lr`, `sip:127.0.0.1:${w.server.pfA.port};transport=${protocol};lr`,
    ]);
    expect(req.body.toString()).toBe(inv.request.body.toString());
    const b1new = await w.b1.answer(atB1!);
    const ok = await inv.final;
    expect(ok?.status).toBe(200);
    expect(msrpPath(ok!)).toMatch(new RegExp(`^msrp://127\\.0\\.0\\.1:${w.b1.address.port + 1}/`));
    const a2d = Dialog.fromUac(inv.request, ok!);
    expect(await w.a1.waitFor('NOTIFY', 150)).toBeNull(); // nothing before the ACK and the Replaced Notification
    await w.a2.ack(a2d);
    expect(await w.b1.waitForAck()).not.toBeNull();

    // Step 7-8.
    expect((await notify(w.a2, sub, 'terminated;reason=noresource', 'SIP/2.0 200 OK').final)?.status).toBe(200);
    const n2 = await notifyAtA1(w);
    expect(referDialog.matches(n2)).toBe(true);
    expect(subscriptionState(n2)).toMatchObject({ state: 'terminated', reason: 'noresource' });
    expect(sipfrag(n2)).toBe('SIP/2.0 200 OK');

    // Step 9: A1's BYE in D reaches B1 through both PFs.
    const bye = inDialog(w.a1, s.d1, 'BYE');
    const byeAtB1 = await w.b1.waitFor('BYE');
    expect(byeAtB1 && s.b1d.matches(byeAtB1.request)).toBe(true);
    await byeAtB1!.respond(createResponse(byeAtB1!.request, 200));
    expect((await bye.final)?.status).toBe(200);
    // The new dialog is unaffected.
    const bye2 = inDialog(w.b1, b1new, 'BYE');
    const atA2 = await w.a2.waitFor('BYE');
    expect(atA2 && a2d.matches(atA2.request)).toBe(true);
    await atA2!.respond(createResponse(atA2!.request, 200));
    expect((await bye2.final)?.status).toBe(200);
  });

  test('RFC 3891: B1 BYEs D itself; A1\'s later BYE gets 481', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await transferRequest(w, s, w.a2.contactUri).final)?.status).toBe(202);
    await notifyAtA1(w);
    const referTx = await w.a2.waitFor('REFER', 3000);
    const sub = Dialog.fromUas(referTx!.request, await reply(referTx!, 202), w.a2.contactUri);
    const rt = parseReferTo(hdr(referTx!.request, 'Refer-To')!)!;
    const inv = inviteFromReferTo(w.a2, rt.uri, rt.embeddedHeaders, w.server.pfA);
    await w.b1.answer((await w.b1.waitFor('INVITE'))!);
    const ok = await inv.final;
    await w.a2.ack(Dialog.fromUac(inv.request, ok!));
    const byeD = inDialog(w.b1, s.b1d, 'BYE');
    const atA1 = await w.a1.waitFor('BYE');
    await atA1!.respond(createResponse(atA1!.request, 200));
    expect((await byeD.final)?.status).toBe(200);
    expect((await notify(w.a2, sub, 'terminated;reason=noresource', 'SIP/2.0 200 OK').final)?.status).toBe(200);
    expect(sipfrag(await notifyAtA1(w))).toBe('SIP/2.0 200 OK');
    expect((await inDialog(w.a1, s.d1, 'BYE').final)?.status).toBe(481);
  });

  test('PF control: another user 403, not registered 480, unknown Target-Dialog 481, callee side 403; nothing sent to any device', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await transferRequest(w, s, w.b1.contactUri).final)?.status).toBe(403);
    expect((await transferRequest(w, s, `sip:alice@127.0.0.1:${w.a2.address.port + 7}`).final)?.status).toBe(480);
    expect((await transferRequest(w, s, w.a2.contactUri, { td: 'nope;local-tag=a;remote-tag=b' }).final)?.status).toBe(481);
    const swapped = formatTargetDialog({ callId: s.d1.callId, localTag: s.d1.remoteTag, remoteTag: s.d1.localTag, params: {} });
    expect((await transferRequest(w, s, w.a2.contactUri, { td: swapped }).final)?.status).toBe(403);
    for (const ua of [w.a1, w.a2, w.b1]) expect((await unexpected(ua, undefined, 100)).map((m) => m.method)).toEqual([]);
  });

  test('PF control for the target: the INVITE with Replaces from another device than the one named gets 403, nothing forwarded', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await transferRequest(w, s, w.a2.contactUri).final)?.status).toBe(202);
    await notifyAtA1(w);
    const referTx = await w.a2.waitFor('REFER', 3000);
    await reply(referTx!, 202);
    const rt = parseReferTo(hdr(referTx!.request, 'Refer-To')!)!;
    const a3 = await TestUa.open('alice', protocol);
    w.uas.push(a3);
    expect((await a3.register(w.server.pfA))?.status).toBe(200);
    expect((await inviteFromReferTo(a3, rt.uri, rt.embeddedHeaders, w.server.pfA).final)?.status).toBe(403);
    expect(await unexpected(w.b1, 'INVITE')).toEqual([]);
  });
});

describe('transfer, CS not in the media path, core-emulation routing', () => {
  let w: World;
  beforeEach(async () => { w = await world('udp', [], true); });
  afterEach(async () => teardown(w));

  test('the REFER reaches PF A via its core (Route <pfA;lr;orig>, <core;lr;hop=o2>) and is not routed on; the replacement REFER follows A2\'s Path', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    const r = transferRequest(w, s, w.a2.contactUri, { route: [lr(w.server.pfA, ';orig'), lr(w.core!.address, ';hop=o2')] });
    expect((await r.final)?.status).toBe(202);
    await notifyAtA1(w);
    const referTx = await w.core!.waitFor('REFER', 3000);
    expect(referTx?.request.uri).toBe(w.a2.contactUri);
    expect(routes(referTx!.request, 'Route').map((x) => `<${x.uri}>`)).toEqual([lr(w.core!.address, ';hop=t2')]);
  });
});

describe('transfer faults, CS not in the media path', () => {
  let w: World;
  afterEach(async () => teardown(w));

  /** Up to A2's INVITE sent (returns it and B1's view of it, when it got there). */
  async function upToInvite(faults: string[]) {
    w = await world('udp', faults);
    const s = await establish(w.server, w.a1, w.b1);
    expect((await transferRequest(w, s, w.a2.contactUri).final)?.status).toBe(202);
    await notifyAtA1(w);
    const referTx = await w.a2.waitFor('REFER', 3000);
    const sub = Dialog.fromUas(referTx!.request, await reply(referTx!, 202), w.a2.contactUri);
    const rt = parseReferTo(hdr(referTx!.request, 'Refer-To')!)!;
    const inv = inviteFromReferTo(w.a2, rt.uri, rt.embeddedHeaders, w.server.pfA);
    return { s, sub, inv };
  }

  test('trf-nmp-accept-foreign-target: 202 and the REFER to B1', async () => {
    w = await world('udp', ['trf-nmp-accept-foreign-target']);
    const s = await establish(w.server, w.a1, w.b1);
    expect((await transferRequest(w, s, w.b1.contactUri).final)?.status).toBe(202);
    expect(await w.b1.waitFor('REFER', 2000)).not.toBeNull();
  });

  test('trf-nmp-no-replace-notification: no REFER reaches A2', async () => {
    w = await world('udp', ['trf-nmp-no-replace-notification']);
    const s = await establish(w.server, w.a1, w.b1);
    expect((await transferRequest(w, s, w.a2.contactUri).final)?.status).toBe(202);
    expect(await w.a2.waitFor('REFER', 500)).toBeNull();
  });

  test('trf-nmp-replaces-stripped: B1 gets the INVITE without Replaces', async () => {
    const { inv } = await upToInvite(['trf-nmp-replaces-stripped']);
    const atB1 = await w.b1.waitFor('INVITE');
    expect(hdr(atB1!.request, 'Replaces')).toBeUndefined();
    expect(hdr(atB1!.request, 'Require')).toBeUndefined();
    await atB1!.respond(createResponse(atB1!.request, 486));
    expect((await inv.final)?.status).toBe(486);
  });

  test('trf-nmp-invite-answered-by-cs: A2 gets 200 from PF A, B1 nothing', async () => {
    const { inv } = await upToInvite(['trf-nmp-invite-answered-by-cs']);
    const ok = await inv.final;
    expect(ok?.status).toBe(200);
    expect(msrpPath(ok!)).toMatch(/:2855\//);
    expect(await w.b1.waitFor('INVITE', 300)).toBeNull();
  });

  test('trf-nmp-cs-in-media-path: a=path rewritten both ways', async () => {
    const { inv } = await upToInvite(['trf-nmp-cs-in-media-path']);
    const atB1 = await w.b1.waitFor('INVITE');
    expect(msrpPath(atB1!.request)).toMatch(/:2855\//);
    await w.b1.answer(atB1!);
    expect(msrpPath((await inv.final)!)).toMatch(/:2855\//);
  });

  test('trf-nmp-release-before-confirmed: NOTIFY terminated 200 right after the 100', async () => {
    w = await world('udp', ['trf-nmp-release-before-confirmed']);
    const s = await establish(w.server, w.a1, w.b1);
    expect((await transferRequest(w, s, w.a2.contactUri).final)?.status).toBe(202);
    await notifyAtA1(w);
    expect(sipfrag(await notifyAtA1(w))).toBe('SIP/2.0 200 OK');
  });

  test('trf-nmp-bye-not-routed: A1\'s BYE in D answered by PF A after the transfer; B1 never gets it', async () => {
    const { s, sub, inv } = await upToInvite(['trf-nmp-bye-not-routed']);
    await w.b1.answer((await w.b1.waitFor('INVITE'))!);
    const ok = await inv.final;
    await w.a2.ack(Dialog.fromUac(inv.request, ok!));
    await w.b1.waitForAck();
    expect((await notify(w.a2, sub, 'terminated;reason=noresource', 'SIP/2.0 200 OK').final)?.status).toBe(200);
    await notifyAtA1(w);
    expect((await inDialog(w.a1, s.d1, 'BYE').final)?.status).toBe(200);
    expect(await w.b1.waitFor('BYE', 300)).toBeNull();
  });
});
