/** CANCEL of a pending session invitation crosses both PFs (RFC 3261 §9.2, §16.10); the 487 comes back. */
import { createResponse } from '../../../src/sip/request-builder';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { TestUa, TIMERS } from './test-ua';

describe.each(['proxy', 'b2bua'] as const)('CANCEL in %s mode', (mode) => {
  let server: ReferenceServer;
  let alice: TestUa;
  let bob: TestUa;

  beforeEach(async () => {
    server = await startReferenceServer({ port: 0, mode, timers: TIMERS });
    alice = await TestUa.open('alice');
    bob = await TestUa.open('bob');
  });
  afterEach(async () => {
    await alice.close();
    await bob.close();
    await server.stop();
  });

  test('the callee sees the CANCEL and the caller gets 487', async () => {
    expect((await bob.register(server.pfA))?.status).toBe(200);
    const inv = alice.invite(bob.aor, server.pfA);
    const atBob = await bob.waitFor('INVITE');
    expect(atBob).not.toBeNull();
    let cancelled = false;
    atBob!.onCancel(() => {
      cancelled = true;
      void atBob!.respond(createResponse(atBob!.request, 487, undefined, { toTag: 'bobtag' }));
    });
    await atBob!.respond(createResponse(atBob!.request, 180, undefined, { toTag: 'bobtag' }));
    const deadline = Date.now() + 2000;
    while (!inv.responses.some((r) => r.status === 180) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const cancel = await inv.cancel();
    expect((await cancel.final)?.status).toBe(200);
    expect((await inv.final)?.status).toBe(487);
    // The CANCEL is propagated downstream (§16.10) whether or not a PF already answered 487 upstream.
    const until = Date.now() + 2000;
    while (!cancelled && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(cancelled).toBe(true);
  });
});
