/** With UDP datagram loss injected in the server's tap, transaction retransmissions (RFC 3261 §17) still complete a session and its release. */
import { Dialog } from '../../../src/sip/dialog';
import { createResponse } from '../../../src/sip/request-builder';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { TestUa, TIMERS } from './test-ua';

describe.each(['proxy', 'b2bua'] as const)('%s mode under 20%% UDP loss', (mode) => {
  let server: ReferenceServer;
  let alice: TestUa;
  let bob: TestUa;

  beforeEach(async () => {
    server = await startReferenceServer({ port: 0, mode, timers: TIMERS, lossRate: 0.2 });
    alice = await TestUa.open('alice');
    bob = await TestUa.open('bob');
  });
  afterEach(async () => {
    await alice.close();
    await bob.close();
    await server.stop();
  });

  test('REGISTER, INVITE/200/ACK and BYE/200 complete', async () => {
    expect((await bob.register(server.pfA))?.status).toBe(200);
    const inv = alice.invite(bob.aor, server.pfA);
    const atBob = await bob.waitFor('INVITE', 4000);
    expect(atBob).not.toBeNull();
    await bob.answer(atBob!);
    const ok = await inv.final;
    expect(ok?.status).toBe(200);
    const uac = Dialog.fromUac(inv.request, ok!);
    // The ACK of a 2xx has no transaction: re-ACK until the callee has it (as a UAC does on 2xx retransmissions).
    for (let i = 0; i < 20 && bob.acks.length === 0; i++) {
      await alice.ack(uac);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(bob.acks.length).toBeGreaterThan(0);
    const bye = alice.bye(uac);
    const byeAtBob = await bob.waitFor('BYE', 4000);
    expect(byeAtBob).not.toBeNull();
    await byeAtBob!.respond(createResponse(byeAtBob!.request, 200));
    expect((await bye.final)?.status).toBe(200);
    expect(server.tap.entries.some((e) => e.dropped)).toBe(true);
  });
});
