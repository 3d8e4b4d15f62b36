/**
 * Remote (pull) transfer (OMA CPM CR 5.2.5.1 ¶1, binding pullMode invite-replaces): A2 sends an
 * INVITE with Replaces naming the dialog A1 holds. B2BUA mode: to PF A's contact of D1; PF A
 * authorizes (same AoR, registered device, RFC 3891 §6), answers with its own a=path, bridges A2
 * to B1's legs and BYEs A1. Proxy mode: routed to B1 through both PFs when the puller is the
 * caller's user (403 otherwise).
 */
import { Dialog } from '../../../src/sip/dialog';
import { createResponse } from '../../../src/sip/request-builder';
import { formatReplaces } from '../../../src/sip/headers/dialog-id';
import type { TransportProtocol } from '../../../src/sip/transport/address';
import { startReferenceServer, type PfMode, type ReferenceServer } from '../../../src/reference';
import { TestUa, TIMERS } from './test-ua';
import { establish, hdr, inDialog, inviteFromReferTo, msrpPath, unexpected, type Session } from './transfer-ua';

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
    expect(msrpPath(ok!)).toMatch(/^msrp:\/\/127\.0\.0\.1:2855\//);
    expect(await w.a1.waitFor('BYE', 150)).toBeNull(); // not before the ACK
    const a2d = Dialog.fromUac(inv.request, ok!);
    await w.a2.ack(a2d);
    const byeAtA1 = await w.a1.waitFor('BYE');
    expect(byeAtA1 && s.d1.matches(byeAtA1.request)).toBe(true);
    await byeAtA1!.respond(createResponse(byeAtA1!.request, 200));
    expect(await unexpected(w.b1)).toEqual([]);
    const bye = inDialog(w.b1, s.b1d, 'BYE');
    const atA2 = await w.a2.waitFor('BYE');
    expect(atA2 && a2d.matches(atA2.request)).toBe(true);
    await atA2!.respond(createResponse(atA2!.request, 200));
    expect((await bye.final)?.status).toBe(200);
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
