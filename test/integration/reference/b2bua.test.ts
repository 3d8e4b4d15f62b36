/**
 * Reference server in B2BUA mode, direct topology: each PF terminates the dialog and originates a
 * new leg (new Call-ID, From tag and CSeq space, its own Contact), the CS's own MSRP a=path on
 * each leg (RFC 4975 §8.2: it terminates the media, msrp-relay.ts), and the BYE and its 200
 * relayed leg by leg.
 */
import { Dialog } from '../../../src/sip/dialog';
import { header } from '../../../src/sip/message';
import { createResponse } from '../../../src/sip/request-builder';
import { vias } from '../../../src/sip/headers/via';
import { contacts } from '../../../src/sip/headers/contact';
import { callId, fromTag } from '../../../src/sip/headers/name-addr';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { TestUa, TIMERS } from './test-ua';

describe('reference server, b2bua mode, direct topology', () => {
  let server: ReferenceServer;
  let alice: TestUa;
  let bob: TestUa;

  beforeEach(async () => {
    server = await startReferenceServer({ port: 0, mode: 'b2bua', timers: TIMERS });
    alice = await TestUa.open('alice');
    bob = await TestUa.open('bob');
  });
  afterEach(async () => {
    await alice.close();
    await bob.close();
    await server.stop();
  });

  test('INVITE/200/ACK/BYE/200 with a new leg per PF', async () => {
    expect((await bob.register(server.pfA))?.status).toBe(200);
    const inv = alice.invite(bob.aor, server.pfA);
    const atBob = await bob.waitFor('INVITE');
    expect(atBob).not.toBeNull();
    const req = atBob!.request;
    expect(callId(req)).not.toBe(callId(inv.request));
    expect(fromTag(req)).not.toBe(fromTag(inv.request));
    expect(req.uri).toBe(bob.contactUri);
    // The callee sees PF B's leg: PF B's Via only and PF B's Contact.
    expect(vias(req).map((v) => v.port)).toEqual([server.pfB.port]);
    expect(contacts(req)[0].uri).toContain(`:${server.pfB.port}`);
    // The callee's offer names the CS (PF A's MSRP listener), passive, not the caller's a=path.
    const path = (b: Buffer) => /^a=path:(.*)$/m.exec(b.toString())?.[1]?.trim();
    expect(path(req.body)).toMatch(/^msrp:\/\/127\.0\.0\.1:\d+\/[0-9a-f]+;tcp$/);
    expect(path(req.body)).not.toBe(path(inv.request.body));
    expect(req.body.toString()).toContain('a=setup:passive');
    expect(header(req, 'Conversation-ID')).toBe(header(inv.request, 'Conversation-ID'));

    const uas = await bob.answer(atBob!);
    const ok = await inv.final;
    expect(ok?.status).toBe(200);
    expect(contacts(ok!)[0].uri).toContain(`:${server.pfA.port}`);
    expect(ok!.body.length).toBeGreaterThan(0);
    // The caller's answer names the CS too, on its own URI of the caller's leg.
    expect(path(ok!.body)).not.toBe(path(atBob!.request.body));
    expect(path(ok!.body)?.split('/')[2]).toBe(path(req.body)?.split('/')[2]);
    const uac = Dialog.fromUac(inv.request, ok!);
    await alice.ack(uac);
    const ack = await bob.waitForAck();
    expect(ack).not.toBeNull();
    expect(callId(ack!)).toBe(callId(req));

    const bye = alice.bye(uac);
    const byeAtBob = await bob.waitFor('BYE');
    expect(byeAtBob).not.toBeNull();
    expect(uas.matches(byeAtBob!.request)).toBe(true);
    await byeAtBob!.respond(createResponse(byeAtBob!.request, 200));
    const byeOk = await bye.final;
    expect(byeOk?.status).toBe(200);
    expect(header(byeOk!, 'CSeq')).toBe(header(bye.request, 'CSeq'));
    expect((await alice.bye(uac).final)?.status).toBe(481);
  });

  test('the callee can leave too: its BYE crosses PF B then PF A', async () => {
    expect((await bob.register(server.pfA))?.status).toBe(200);
    const inv = alice.invite(bob.aor, server.pfA);
    const atBob = await bob.waitFor('INVITE');
    const uas = await bob.answer(atBob!);
    const ok = await inv.final;
    const uac = Dialog.fromUac(inv.request, ok!);
    await alice.ack(uac);
    expect(await bob.waitForAck()).not.toBeNull();
    const bye = bob.bye(uas);
    const byeAtAlice = await alice.waitFor('BYE');
    expect(byeAtAlice).not.toBeNull();
    expect(uac.matches(byeAtAlice!.request)).toBe(true);
    await byeAtAlice!.respond(createResponse(byeAtAlice!.request, 200));
    expect((await bye.final)?.status).toBe(200);
  });
});
