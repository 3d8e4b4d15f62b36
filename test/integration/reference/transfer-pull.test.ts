/**
 * Remote (pull) transfer (OMA CPM CR 5.2.5.1 ¶1), both forms of the binding's pullMode.
 * invite-replaces: A2 sends an INVITE with Replaces naming the dialog A1 holds. B2BUA mode: to PF
 * A's contact of D1; PF A authorizes (same AoR, registered device, RFC 3891 §6), answers with its
 * own a=path, bridges A2 to B1's legs and BYEs A1. Proxy mode: routed to B1 through both PFs when
 * the puller is the caller's user (403 otherwise).
 * refer-to-psi: A2 sends REFER to the CS transfer URI (Target-Dialog = D, Refer-To = itself); PF
 * control, 202 + NOTIFY 100, then the CS's REFER to A2 (Session Join Notification in B2BUA mode,
 * Session replacement notification in proxy mode), A2 follows it, and the final NOTIFY reaches A2
 * once its session is up.
 */
import { Dialog } from '../../../src/sip/dialog';
import type { ServerTransaction } from '../../../src/sip/endpoint';
import { createResponse } from '../../../src/sip/request-builder';
import { formatReplaces, formatTargetDialog, parseReplaces, parseTargetDialog } from '../../../src/sip/headers/dialog-id';
import { embeddedHeader, parseReferTo, type ReferTo } from '../../../src/sip/headers/refer-to';
import { parseNameAddr, toTag } from '../../../src/sip/headers/name-addr';
import { contacts } from '../../../src/sip/headers/contact';
import { routes } from '../../../src/sip/headers/route';
import { event, subscriptionState } from '../../../src/sip/headers/event';
import type { TransportProtocol } from '../../../src/sip/transport/address';
import { startReferenceServer, type PfMode, type ReferenceServer } from '../../../src/reference';
import { TestUa, TIMERS } from './test-ua';
import {
  establish, hdr, inDialog, inviteFromReferTo, msrpPath, notify, referToTransferUri, reply, sipfrag, takeNotify, unexpected, SIPFRAG, type Session,
} from './transfer-ua';

interface World { server: ReferenceServer; a1: TestUa; a2: TestUa; b1: TestUa; c1: TestUa }

async function world(mode: PfMode, protocol: TransportProtocol, faults: string[] = []): Promise<World> {
  const server = await startReferenceServer({ port: 0, mode, timers: TIMERS, faults });
  const w: World = {
    server, a1: await TestUa.open('alice', protocol), a2: await TestUa.open('alice', protocol),
    b1: await TestUa.open('bob', protocol), c1: await TestUa.open('carol', protocol),
  };
  for (const ua of [w.a1, w.a2, w.b1, w.c1]) expect((await ua.register(server.pfA))?.status).toBe(200);
  return w;
}

async function teardown(w: World): Promise<void> {
  for (const ua of [w.a1, w.a2, w.b1, w.c1]) await ua.close();
  await w.server.stop();
}

/** After the pull the session goes on at the puller: B1's BYE in its own dialog reaches it there and is answered 200. */
async function sessionGoesOnAt(puller: TestUa, dialog: Dialog, b1: TestUa, s: Session): Promise<void> {
  const bye = inDialog(b1, s.b1d, 'BYE');
  const at = await puller.waitFor('BYE');
  expect(at && dialog.matches(at.request)).toBe(true);
  await at!.respond(createResponse(at!.request, 200));
  expect((await bye.final)?.status).toBe(200);
}

/**
 * The INVITE to D1's remote target replacing D1 as its peer sees it (to-tag = the peer's tag): in
 * B2BUA mode the peer is PF A (its contact, its tag), in proxy mode B1 (RFC 3891 §3).
 */
function pull(w: World, s: Session, by: TestUa, replaces?: string) {
  const value = replaces ?? formatReplaces({ callId: s.d1.callId, toTag: s.d1.remoteTag, fromTag: s.d1.localTag, earlyOnly: false, params: {} });
  return inviteFromReferTo(by, s.d1.remoteTarget, { Replaces: value, Require: 'replaces' }, w.server.pfA);
}

describe.each(['udp', 'tcp'] as const)('pull, b2bua mode, %s', (protocol) => {
  let w: World;
  beforeEach(async () => { w = await world('b2bua', protocol); });
  afterEach(async () => teardown(w));

  test('A2 pulls: 200 with the CS a=path, A1 gets a BYE in D1 after the ACK, nothing to B1; B1\'s BYE then reaches A2', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    const inv = pull(w, s, w.a2);
    const ok = await inv.final;
    expect(ok?.status).toBe(200);
    // The CS's own MSRP URI on its relay's listener (msrp-relay.ts), no longer a port in SDP only.
    expect(msrpPath(ok!)).toMatch(/^msrp:\/\/127\.0\.0\.1:\d+\/[0-9a-f]+;tcp$/);
    expect(msrpPath(ok!)).not.toMatch(/:2855\//);
    expect(await w.a1.waitFor('BYE', 150)).toBeNull(); // not before the ACK
    const a2d = Dialog.fromUac(inv.request, ok!);
    await w.a2.ack(a2d);
    const byeAtA1 = await w.a1.waitFor('BYE');
    expect(byeAtA1 && s.d1.matches(byeAtA1.request)).toBe(true);
    await byeAtA1!.respond(createResponse(byeAtA1!.request, 200));
    expect(await unexpected(w.b1)).toEqual([]);
    await sessionGoesOnAt(w.a2, a2d, w.b1, s);
  });

  test('another user\'s device 403; no matching dialog 481', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await pull(w, s, w.c1).final)?.status).toBe(403);
    expect((await pull(w, s, w.a2, 'nope;to-tag=x;from-tag=y').final)?.status).toBe(481);
    expect(await unexpected(w.a1, 'BYE', 100)).toEqual([]);
  });
});

describe.each(['udp', 'tcp'] as const)('pull, proxy mode, %s', (protocol) => {
  let w: World;
  beforeEach(async () => { w = await world('proxy', protocol); });
  afterEach(async () => teardown(w));

  test('A2\'s INVITE with Replaces is routed to B1, which BYEs A1', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    const inv = pull(w, s, w.a2);
    const atB1 = await w.b1.waitFor('INVITE');
    expect(atB1).not.toBeNull();
    expect(hdr(atB1!.request, 'Replaces')).toBe(hdr(inv.request, 'Replaces'));
    await w.b1.answer(atB1!);
    const ok = await inv.final;
    expect(ok?.status).toBe(200);
    await w.a2.ack(Dialog.fromUac(inv.request, ok!));
    const bye = inDialog(w.b1, s.b1d, 'BYE');
    const atA1 = await w.a1.waitFor('BYE');
    expect(atA1 && s.d1.matches(atA1.request)).toBe(true);
    await atA1!.respond(createResponse(atA1!.request, 200));
    expect((await bye.final)?.status).toBe(200);
  });

  test('another user\'s device gets 403 and nothing is forwarded', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await pull(w, s, w.c1).final)?.status).toBe(403);
    expect(await unexpected(w.b1, 'INVITE')).toEqual([]);
  });
});

describe('pull faults', () => {
  let w: World;
  afterEach(async () => teardown(w));

  test('trf-pull-other-user-accepted (b2bua): carol\'s device pulls alice\'s session', async () => {
    w = await world('b2bua', 'udp', ['trf-pull-other-user-accepted']);
    const s = await establish(w.server, w.a1, w.b1);
    expect((await pull(w, s, w.c1).final)?.status).toBe(200);
  });

  test('trf-pull-other-user-accepted (proxy): carol\'s INVITE reaches B1', async () => {
    w = await world('proxy', 'udp', ['trf-pull-other-user-accepted']);
    const s = await establish(w.server, w.a1, w.b1);
    pull(w, s, w.c1);
    const atB1 = await w.b1.waitFor('INVITE');
    expect(atB1).not.toBeNull();
    await atB1!.respond(createResponse(atB1!.request, 486));
  });

  test('trf-pull-old-dialog-left-up: no BYE to A1 after the pull', async () => {
    w = await world('b2bua', 'udp', ['trf-pull-old-dialog-left-up']);
    const s = await establish(w.server, w.a1, w.b1);
    const inv = pull(w, s, w.a2);
    const ok = await inv.final;
    expect(ok?.status).toBe(200);
    await w.a2.ack(Dialog.fromUac(inv.request, ok!));
    expect(await w.a1.waitFor('BYE', 400)).toBeNull();
    // A1 may still release D1 itself: answered by PF A, not relayed.
    expect((await inDialog(w.a1, s.d1, 'BYE').final)?.status).toBe(200);
    expect(await unexpected(w.b1, 'BYE')).toEqual([]);
  });
});

// ---- pullMode refer-to-psi: REFER to the CS transfer URI ----

/** D as its holder A1 sees it (local-tag A1's, remote-tag its peer's: PF A on D1 in B2BUA mode, B1 in proxy mode, RFC 4538). */
function heldDialog(s: Session): string {
  return formatTargetDialog({ callId: s.d1.callId, localTag: s.d1.localTag, remoteTag: s.d1.remoteTag, params: {} });
}

/** `by` pulls onto itself: REFER to sip:transfer@PF-A, Refer-To = its own contact (or `contact` for both). */
function pullRefer(w: World, s: Session, by: TestUa, opts: { targetDialog?: string; contact?: string } = {}) {
  const contact = opts.contact ?? by.contactUri;
  return referToTransferUri(by, w.server, { referTo: contact, contact, targetDialog: 'targetDialog' in opts ? opts.targetDialog : heldDialog(s) });
}

/** The pull accepted: 202 with a To tag, the NOTIFY 100 in its dialog at A2; returns that dialog. */
async function accepted(w: World, s: Session): Promise<Dialog> {
  const r = pullRefer(w, s, w.a2);
  const res = await r.final;
  expect(res?.status).toBe(202);
  expect(toTag(res!)).toBeTruthy();
  expect(contacts(res!)[0]?.uri).toMatch(/^sip:transfer@127\.0\.0\.1:/);
  const pull = Dialog.fromUac(r.request, res!);
  const n1 = await takeNotify(w.a2);
  expect(n1).not.toBeNull();
  expect(pull.matches(n1!)).toBe(true);
  expect(event(n1!)?.package).toBe('refer');
  expect(hdr(n1!, 'Subscription-State')).toBe('active;expires=60');
  expect(hdr(n1!, 'Content-Type')).toBe(SIPFRAG);
  expect(n1!.body.toString()).toBe('SIP/2.0 100 Trying\r\n');
  return pull;
}

/** The CS's REFER at A2 (bounded wait): from A's AoR to A2's contact; returns it with its parsed Refer-To. */
async function csRefer(w: World): Promise<{ tx: ServerTransaction; rt: ReferTo; raw: string }> {
  const tx = await w.a2.waitFor('REFER', 3000);
  expect(tx).not.toBeNull();
  expect(tx!.request.uri).toBe(w.a2.contactUri);
  expect(toTag(tx!.request)).toBeNull();
  expect(parseNameAddr(hdr(tx!.request, 'From')!)?.uri).toBe(w.a1.aor);
  expect(hdr(tx!.request, 'Referred-By')).toBe(`<${w.a1.aor}>`);
  const raw = hdr(tx!.request, 'Refer-To')!;
  return { tx: tx!, rt: parseReferTo(raw)!, raw };
}

/** A2 accepts the CS's REFER: 202 and NOTIFY 100 in that dialog; returns the dialog. */
async function acceptCsRefer(w: World, tx: ServerTransaction): Promise<Dialog> {
  const sub = Dialog.fromUas(tx.request, await reply(tx, 202, w.a2.contactUri), w.a2.contactUri);
  expect((await notify(w.a2, sub, 'active;expires=60', 'SIP/2.0 100 Trying').final)?.status).toBe(200);
  return sub;
}

/** The final NOTIFY at A2 in the pull's dialog: terminated, with that sipfrag status line. */
async function finalNotify(w: World, pull: Dialog, frag: RegExp): Promise<void> {
  const n = await takeNotify(w.a2);
  expect(n).not.toBeNull();
  expect(pull.matches(n!)).toBe(true);
  expect(event(n!)?.package).toBe('refer');
  expect(subscriptionState(n!)?.state).toBe('terminated');
  expect(hdr(n!, 'Content-Type')).toBe(SIPFRAG);
  expect(sipfrag(n!)).toMatch(frag);
}

/** B1's BYE in its first dialog reaches A1 in D1, answered 200 (A1 kept the session, or B1 releases the replaced dialog, RFC 3891 §3). */
async function b1ByesA1(w: World, s: Session): Promise<void> {
  const bye = inDialog(w.b1, s.b1d, 'BYE');
  const atA1 = await w.a1.waitFor('BYE');
  expect(atA1 && s.d1.matches(atA1.request)).toBe(true);
  await atA1!.respond(createResponse(atA1!.request, 200));
  expect((await bye.final)?.status).toBe(200);
}

describe.each(['udp', 'tcp'] as const)('pull by REFER to the transfer URI, b2bua mode, %s', (protocol) => {
  let w: World;
  beforeEach(async () => { w = await world('b2bua', protocol); });
  afterEach(async () => teardown(w));

  test('202, NOTIFY 100, Session Join Notification to A2, its INVITE answered by the CS, BYE to A1 after the ACK, final NOTIFY after the session is up, nothing at B1', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    const pull = await accepted(w, s);
    const { tx, rt, raw } = await csRefer(w);
    const sessionUri = contacts(tx.request)[0].uri;
    expect(sessionUri).toMatch(new RegExp(`^sip:session-[0-9a-f]+@127\\.0\\.0\\.1:${w.server.pfA.port};transport=${protocol}$`));
    expect(raw.startsWith(`<${sessionUri}?Target-Dialog=`)).toBe(true);
    expect(parseTargetDialog(embeddedHeader(rt, 'Target-Dialog')!)).toMatchObject({ callId: s.d1.callId, localTag: s.d1.localTag, remoteTag: s.d1.remoteTag });
    expect(embeddedHeader(rt, 'Require')).toBe('tdialog');
    expect(embeddedHeader(rt, 'Conversation-ID')).toBe(hdr(s.invite, 'Conversation-ID'));
    expect(embeddedHeader(rt, 'Contribution-ID')).toBe(hdr(s.invite, 'Contribution-ID'));
    const sub = await acceptCsRefer(w, tx);

    const inv = inviteFromReferTo(w.a2, rt.uri, rt.embeddedHeaders, w.server.pfA);
    const ok = await inv.final;
    expect(ok?.status).toBe(200);
    // The CS's own MSRP URI on its relay's listener (msrp-relay.ts), no longer a port in SDP only.
    expect(msrpPath(ok!)).toMatch(/^msrp:\/\/127\.0\.0\.1:\d+\/[0-9a-f]+;tcp$/);
    expect(msrpPath(ok!)).not.toMatch(/:2855\//);
    // A2 reports success before its ACK: neither the final NOTIFY nor A1's BYE may come yet.
    expect((await notify(w.a2, sub, 'terminated;reason=noresource', 'SIP/2.0 200 OK').final)?.status).toBe(200);
    expect(await w.a2.waitFor('NOTIFY', 150)).toBeNull();
    expect(await w.a1.waitFor('BYE', 50)).toBeNull();
    const a2d = Dialog.fromUac(inv.request, ok!);
    await w.a2.ack(a2d);
    const byeAtA1 = await w.a1.waitFor('BYE');
    expect(byeAtA1 && s.d1.matches(byeAtA1.request)).toBe(true);
    await byeAtA1!.respond(createResponse(byeAtA1!.request, 200));
    await finalNotify(w, pull, /^SIP\/2\.0 200 OK$/);
    expect(await unexpected(w.b1)).toEqual([]);

    await sessionGoesOnAt(w.a2, a2d, w.b1, s);
  });

  test('PF control: another user 403, Refer-To not registered 480, unknown Target-Dialog 481, no Target-Dialog 400, a transfer (not a pull) 481; nothing at any device', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await pullRefer(w, s, w.c1).final)?.status).toBe(403);
    expect((await pullRefer(w, s, w.a2, { contact: `sip:alice@127.0.0.1:${w.a2.address.port + 7}${protocol === 'udp' ? '' : `;transport=${protocol}`}` }).final)?.status).toBe(480);
    expect((await pullRefer(w, s, w.a2, { targetDialog: 'nope;local-tag=a;remote-tag=b' }).final)?.status).toBe(481);
    expect((await pullRefer(w, s, w.a2, { targetDialog: undefined }).final)?.status).toBe(400);
    // Not a pull (Refer-To names another device): in B2BUA mode the transfer request goes in D1, so 481 as before.
    expect((await referToTransferUri(w.a1, w.server, { referTo: w.a2.contactUri, targetDialog: heldDialog(s) }).final)?.status).toBe(481);
    for (const ua of [w.a1, w.a2, w.b1, w.c1]) expect((await unexpected(ua, undefined, 100)).map((m) => m.method)).toEqual([]);
  });

  test('A2 declines the Session Join Notification (603): final NOTIFY with the failure at A2, A1 keeps the session', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    const pull = await accepted(w, s);
    const { tx } = await csRefer(w);
    await reply(tx, 603);
    await finalNotify(w, pull, /^SIP\/2\.0 603\b/);
    expect(await unexpected(w.a1, 'BYE', 100)).toEqual([]);
    await b1ByesA1(w, s);
  });
});

describe.each(['udp', 'tcp'] as const)('pull by REFER to the transfer URI, proxy mode, %s', (protocol) => {
  let w: World;
  beforeEach(async () => { w = await world('proxy', protocol); });
  afterEach(async () => teardown(w));

  test('202, NOTIFY 100, Session replacement notification to A2, its INVITE with Replaces routed to B1, B1 releases A1, final NOTIFY after the session is up', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    const pull = await accepted(w, s);
    const { tx, rt, raw } = await csRefer(w);
    const esc = (x: string) => x.replace(/@/g, '%40');
    expect(raw).toBe(`<${w.b1.contactUri}?Replaces=${esc(s.d1.callId)}%3Bto-tag%3D${s.d1.remoteTag}%3Bfrom-tag%3D${s.d1.localTag}&Require=replaces>`);
    expect(parseReplaces(embeddedHeader(rt, 'Replaces')!)).toMatchObject({ callId: s.d1.callId, toTag: s.d1.remoteTag, fromTag: s.d1.localTag });
    const sub = await acceptCsRefer(w, tx);

    const inv = inviteFromReferTo(w.a2, rt.uri, rt.embeddedHeaders, w.server.pfA);
    const atB1 = await w.b1.waitFor('INVITE');
    expect(atB1).not.toBeNull();
    expect(hdr(atB1!.request, 'Replaces')).toBe(hdr(inv.request, 'Replaces'));
    expect(routes(atB1!.request, 'Record-Route').map((x) => x.uri)).toContain(`sip:127.0.0.1:${w.server.pfA.port};transport=${protocol};lr`);
    const b1new = await w.b1.answer(atB1!);
    const ok = await inv.final;
    expect(ok?.status).toBe(200);
    expect(msrpPath(ok!)).toMatch(new RegExp(`^msrp://127\\.0\\.0\\.1:${w.b1.address.port + 1}/`));
    expect((await notify(w.a2, sub, 'terminated;reason=noresource', 'SIP/2.0 200 OK').final)?.status).toBe(200);
    expect(await w.a2.waitFor('NOTIFY', 150)).toBeNull(); // not before the new dialog's ACK passed PF A
    const a2d = Dialog.fromUac(inv.request, ok!);
    await w.a2.ack(a2d);
    expect(await w.b1.waitForAck()).not.toBeNull();
    await finalNotify(w, pull, /^SIP\/2\.0 200 OK$/);

    // RFC 3891 §3: B1 releases the replaced dialog itself.
    await b1ByesA1(w, s);
    const bye = inDialog(w.b1, b1new, 'BYE');
    const atA2 = await w.a2.waitFor('BYE');
    expect(atA2 && a2d.matches(atA2.request)).toBe(true);
    await atA2!.respond(createResponse(atA2!.request, 200));
    expect((await bye.final)?.status).toBe(200);
  });

  test('PF control: another user 403, Refer-To not registered 480, unknown Target-Dialog 481, the holder itself 403 (a transfer to itself); nothing at any device', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    expect((await pullRefer(w, s, w.c1).final)?.status).toBe(403);
    expect((await pullRefer(w, s, w.a2, { contact: `sip:alice@127.0.0.1:${w.a2.address.port + 7}${protocol === 'udp' ? '' : `;transport=${protocol}`}` }).final)?.status).toBe(480);
    expect((await pullRefer(w, s, w.a2, { targetDialog: 'nope;local-tag=a;remote-tag=b' }).final)?.status).toBe(481);
    expect((await pullRefer(w, s, w.a1).final)?.status).toBe(403);
    for (const ua of [w.a1, w.a2, w.b1, w.c1]) expect((await unexpected(ua, undefined, 100)).map((m) => m.method)).toEqual([]);
  });

  test('A2 declines the Session replacement notification (603): final NOTIFY with the failure at A2, A1 keeps the session', async () => {
    const s = await establish(w.server, w.a1, w.b1);
    const pull = await accepted(w, s);
    const { tx } = await csRefer(w);
    await reply(tx, 603);
    await finalNotify(w, pull, /^SIP\/2\.0 603\b/);
    expect(await unexpected(w.b1, 'INVITE', 100)).toEqual([]);
    await b1ByesA1(w, s);
  });
});

describe('pull by REFER to the transfer URI, faults', () => {
  let w: World;
  afterEach(async () => teardown(w));

  test.each(['b2bua', 'proxy'] as const)('trf-pull-other-user-accepted (%s): carol\'s REFER gets 202 and the CS\'s REFER goes to her device', async (mode) => {
    w = await world(mode, 'udp', ['trf-pull-other-user-accepted']);
    const s = await establish(w.server, w.a1, w.b1);
    expect((await pullRefer(w, s, w.c1).final)?.status).toBe(202);
    expect(await takeNotify(w.c1)).not.toBeNull();
    const tx = await w.c1.waitFor('REFER', 3000);
    expect(tx?.request.uri).toBe(w.c1.contactUri);
    await reply(tx!, 603);
    expect(await takeNotify(w.c1)).not.toBeNull();
  });

  test('trf-pull-old-dialog-left-up (b2bua): the pull completes but A1 gets no BYE', async () => {
    w = await world('b2bua', 'udp', ['trf-pull-old-dialog-left-up']);
    const s = await establish(w.server, w.a1, w.b1);
    const pull = await accepted(w, s);
    const { tx, rt } = await csRefer(w);
    const sub = await acceptCsRefer(w, tx);
    const inv = inviteFromReferTo(w.a2, rt.uri, rt.embeddedHeaders, w.server.pfA);
    const ok = await inv.final;
    expect(ok?.status).toBe(200);
    await w.a2.ack(Dialog.fromUac(inv.request, ok!));
    expect((await notify(w.a2, sub, 'terminated;reason=noresource', 'SIP/2.0 200 OK').final)?.status).toBe(200);
    await finalNotify(w, pull, /^SIP\/2\.0 200 OK$/);
    expect(await w.a1.waitFor('BYE', 400)).toBeNull();
  });
});
