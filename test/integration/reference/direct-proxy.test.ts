/**
 * Reference server, direct topology: REGISTER, then a 1-1 CPM session INVITE/180/200/ACK/BYE/200
 * through PF A and PF B over real loopback sockets, in proxy mode (RFC 3261 §16: Via and
 * Record-Route per PF, Max-Forwards decremented per PF) and 481 for a BYE of no dialog (§15.1.2).
 */
import { Dialog } from '../../../src/sip/dialog';
import { header } from '../../../src/sip/message';
import { createResponse } from '../../../src/sip/request-builder';
import { vias } from '../../../src/sip/headers/via';
import { routes } from '../../../src/sip/headers/route';
import { contacts, contactInstance } from '../../../src/sip/headers/contact';
import { callId } from '../../../src/sip/headers/name-addr';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { TestUa, TIMERS, mf } from './test-ua';

describe.each(['udp', 'tcp'] as const)('reference server, proxy mode, direct topology over %s', (protocol) => {
  let server: ReferenceServer;
  let alice: TestUa;
  let bob: TestUa;

  beforeEach(async () => {
    server = await startReferenceServer({ port: 0, mode: 'proxy', timers: TIMERS });
    alice = await TestUa.open('alice', protocol);
    bob = await TestUa.open('bob', protocol);
  });
  afterEach(async () => {
    await alice.close();
    await bob.close();
    await server.stop();
  });

  test('REGISTER is answered 200 with the binding and its +sip.instance', async () => {
    const res = await bob.register(server.pfA);
    expect(res?.status).toBe(200);
    const c = contacts(res!);
    expect(c.map((x) => x.uri)).toEqual([bob.contactUri]);
    expect(contactInstance(c[0])).toBe(bob.instanceId);
    expect(Number(c[0].params['expires'])).toBeGreaterThan(590);
  });

  test('INVITE/180/200/ACK/BYE/200 pass PF A then PF B; a second BYE gets 481', async () => {
    expect((await bob.register(server.pfA))?.status).toBe(200);
    const inv = alice.invite(bob.aor, server.pfA);
    const atBob = await bob.waitFor('INVITE');
    expect(atBob).not.toBeNull();
    const req = atBob!.request;
    // R-URI = the registered contact (terminating service control, location service).
    expect(req.uri).toBe(bob.contactUri);
    // One Via per PF on top of Alice's (§16.6 step 8), PF B's on top.
    const v = vias(req);
    expect(v.map((x) => x.port)).toEqual([server.pfB.port, server.pfA.port, alice.address.port]);
    // Record-Route: PF B above PF A (§16.6 step 4), loose routers.
    const rr = routes(req, 'Record-Route').map((r) => r.uri);
    expect(rr).toHaveLength(2);
    expect(rr[0]).toContain(`:${server.pfB.port};transport=${protocol}`);
    expect(rr[1]).toContain(`:${server.pfA.port};transport=${protocol}`);
    expect(rr.every((r) => /;lr/.test(r))).toBe(true);
    expect(mf(req)).toBe(68);
    expect(header(req, 'Route')).toBeUndefined();

    const uas = await bob.answer(atBob!);
    const ok = await inv.final;
    expect(ok?.status).toBe(200);
    expect(inv.responses.some((r) => r.status === 180)).toBe(true);
    expect(vias(ok!)).toHaveLength(1);
    expect(callId(ok!)).toBe(callId(inv.request));
    const uac = Dialog.fromUac(inv.request, ok!);
    expect(uac.routeSet).toHaveLength(2);
    await alice.ack(uac);
    const ack = await bob.waitForAck();
    expect(ack).not.toBeNull();
    expect(mf(ack!)).toBe(68);

    const bye = alice.bye(uac);
    const byeAtBob = await bob.waitFor('BYE');
    expect(byeAtBob).not.toBeNull();
    expect(header(byeAtBob!.request, 'Route')).toBeUndefined();
    expect(byeAtBob!.request.uri).toBe(bob.contactUri);
    expect(vias(byeAtBob!.request).map((x) => x.port)).toEqual([server.pfB.port, server.pfA.port, alice.address.port]);
    expect(mf(byeAtBob!.request)).toBe(68);
    expect(header(byeAtBob!.request, 'CSeq')).toBe(header(bye.request, 'CSeq'));
    expect(uas.matches(byeAtBob!.request)).toBe(true);
    await byeAtBob!.respond(createResponse(byeAtBob!.request, 200));
    const byeOk = await bye.final;
    expect(byeOk?.status).toBe(200);
    expect(vias(byeOk!)).toHaveLength(1);
    expect(header(byeOk!, 'CSeq')).toBe(header(bye.request, 'CSeq'));

    // §15.1.2: the dialog is gone; the PF answers a further BYE 481 itself.
    const again = await alice.bye(uac).final;
    expect(again?.status).toBe(481);
  });

  test('INVITE to an AoR never registered is answered 404; BYE of no dialog 481', async () => {
    const res = await alice.invite(`sip:nobody@cpm.example.com`, server.pfA).final;
    expect(res?.status).toBe(404);
    const fake = new Dialog({
      callId: 'nope', localTag: 'a', remoteTag: 'b', local: { uri: alice.aor, params: {}, raw: '' }, remote: { uri: bob.aor, params: {}, raw: '' },
      localSeq: 1, remoteSeq: undefined, remoteTarget: `sip:${server.pfA.host}:${server.pfA.port}`, routeSet: [], secure: false, state: 'confirmed',
    });
    expect((await alice.bye(fake).final)?.status).toBe(481);
  });
});
