/**
 * The fault catalogue (docs/architecture.md, The reference server): each fault visibly changes exactly what it names, in both PF
 * modes, observed on the wire (the devices and the server's own tap). Every case sets up a 1-1
 * session through PF A and PF B (direct topology) and lets one side leave (C.2.3.1).
 */
import { isRequirementId } from '../../../src/harness/requirements';
import type { SipMessage, SipResponse } from '../../../src/sip/message';
import { header } from '../../../src/sip/message';
import { createResponse } from '../../../src/sip/request-builder';
import { Dialog } from '../../../src/sip/dialog';
import { vias } from '../../../src/sip/headers/via';
import { cseq } from '../../../src/sip/headers/cseq';
import { startReferenceServer, FAULTS, type ReferenceServer } from '../../../src/reference';
import { TestUa, TIMERS, mf, perTransaction } from './test-ua';

interface Session { uac: Dialog; uas: Dialog; inviteAtBob: SipMessage; okAtAlice: SipResponse }

async function establish(server: ReferenceServer, alice: TestUa, bob: TestUa): Promise<Session> {
  expect((await bob.register(server.pfA))?.status).toBe(200);
  const inv = alice.invite(bob.aor, server.pfA);
  const atBob = await bob.waitFor('INVITE');
  expect(atBob).not.toBeNull();
  const uas = await bob.answer(atBob!);
  const ok = await inv.final;
  expect(ok?.status).toBe(200);
  const uac = Dialog.fromUac(inv.request, ok!);
  await alice.ack(uac);
  expect(await bob.waitForAck()).not.toBeNull();
  return { uac, uas, inviteAtBob: atBob!.request, okAtAlice: ok! };
}

/** BYE transactions a PF received, per the server's tap (a retransmission is the same BYE). */
function byesReceivedBy(server: ReferenceServer, owner: string): SipMessage[] {
  return perTransaction(server.tap.entries
    .filter((e) => e.owner === owner && e.direction === 'received' && e.message?.kind === 'request' && e.message.method === 'BYE')
    .map((e) => e.message!));
}

const QUIET = 400;

test('the catalogue names each fault once, each tagged with a requirement of the catalogue (docs/cpm-sip-binding.md, Requirements)', () => {
  expect(new Set(FAULTS.map((f) => f.name)).size).toBe(FAULTS.length);
  expect(FAULTS.map((f) => f.name)).toEqual(expect.arrayContaining([
    'leave-pf-a-not-in-path', 'leave-pf-b-answers-bye', 'leave-ok-wrong-cseq', 'leave-ok-wrong-via', 'leave-bye-not-delivered', 'leave-max-forwards-not-decremented',
    'mld-no-cancel', 'mld-cancel-accepting-device', 'mld-cancel-missing-reason', 'mld-cancel-wrong-branch', 'mld-cancel-wrong-cseq',
    'mld-cancel-wrong-request-uri', 'mld-cancel-before-provisional', 'mld-487-not-acked', 'mld-second-2xx-dangling', 'mld-caller-two-sessions',
  ]));
  // Every mld-* fault is meaningful in both PF modes but these: a proxy that forwards a second device's
  // 2xx to the caller is correct (RFC 3261 §16.7 step 5), so `mld-caller-two-sessions` (the caller's
  // leg answered twice, §13.3.1.4) is a B2BUA fault and the selftest runs it in b2bua mode; only a
  // B2BUA is the UAC that re-ACKs a late 2xx's retransmission (`mld-late-2xx-not-reacked`, §13.2.2.4);
  // only a proxy forwards a device's decline (`mld-decline-forwarded`, §16.7 steps 5-6); the §16.7
  // response-context faults that mutation testing found (docs/mutation.md) sit in the proxy's fork only.
  const oneMode: Record<string, 'proxy' | 'b2bua'> = {
    'mld-caller-two-sessions': 'b2bua', 'mld-late-2xx-not-reacked': 'b2bua', 'mld-decline-forwarded': 'proxy',
    'mld-trying-forwarded': 'proxy', 'mld-ringing-not-forwarded': 'proxy', 'mld-first-final-forwarded': 'proxy',
    'mld-6xx-not-global': 'proxy', 'mld-timeout-no-final': 'proxy', 'mld-3xx-as-acceptance': 'proxy',
  };
  for (const f of FAULTS.filter((x) => x.name.startsWith('mld-'))) expect(f.mode).toBe(oneMode[f.name]);
  for (const f of FAULTS) expect(isRequirementId(f.requirement)).toBe(true);
});

test('an unknown fault is refused, naming the valid ones', async () => {
  await expect(startReferenceServer({ faults: ['no-such-fault'] })).rejects.toThrow(/leave-pf-a-not-in-path/);
});

describe.each(['proxy', 'b2bua'] as const)('faults in %s mode', (mode) => {
  let server: ReferenceServer | undefined;
  let alice: TestUa;
  let bob: TestUa;
  const start = async (faults: string[]) => {
    server = await startReferenceServer({ port: 0, mode, faults, timers: TIMERS });
    return server;
  };

  beforeEach(async () => {
    alice = await TestUa.open('alice');
    bob = await TestUa.open('bob');
  });
  afterEach(async () => {
    await alice.close();
    await bob.close();
    await server?.stop();
    server = undefined;
  });

  test('correct server: the BYE crosses PF A then PF B and the OK comes back', async () => {
    const s = await start([]);
    const { uac } = await establish(s, alice, bob);
    const bye = alice.bye(uac);
    const at = await bob.waitFor('BYE');
    await at!.respond(createResponse(at!.request, 200));
    const ok = await bye.final;
    expect(ok?.status).toBe(200);
    expect(header(ok!, 'CSeq')).toBe(header(bye.request, 'CSeq'));
    expect(byesReceivedBy(s, 'PF A')).toHaveLength(1);
    expect(byesReceivedBy(s, 'PF B')).toHaveLength(1);
  });

  test('leave-pf-a-not-in-path: PF A is not in the route set, the BYE bypasses it', async () => {
    const s = await start(['leave-pf-a-not-in-path']);
    const { uac } = await establish(s, alice, bob);
    const naming = (r: string) => r.includes(`:${s.pfA.port};`) || r.endsWith(`:${s.pfA.port}`);
    expect(uac.routeSet.some(naming) || naming(uac.remoteTarget)).toBe(false);
    const bye = alice.bye(uac);
    const at = await bob.waitFor('BYE');
    expect(at).not.toBeNull();
    await at!.respond(createResponse(at!.request, 200));
    expect((await bye.final)?.status).toBe(200);
    expect(byesReceivedBy(s, 'PF A')).toHaveLength(0);
    expect(byesReceivedBy(s, 'PF B')).toHaveLength(1);
  });

  test('leave-pf-b-answers-bye: the caller gets 200, the callee never gets the BYE', async () => {
    const s = await start(['leave-pf-b-answers-bye']);
    const { uac } = await establish(s, alice, bob);
    const bye = alice.bye(uac);
    expect((await bye.final)?.status).toBe(200);
    expect(await bob.waitFor('BYE', QUIET)).toBeNull();
    expect(byesReceivedBy(s, 'PF B')).toHaveLength(1);
  });

  test('leave-pf-b-answers-bye follows the C.2.3.1 roles: when the callee leaves, the caller\'s PF answers', async () => {
    const s = await start(['leave-pf-b-answers-bye']);
    const { uas } = await establish(s, alice, bob);
    const bye = bob.bye(uas);
    expect((await bye.final)?.status).toBe(200);
    expect(await alice.waitFor('BYE', QUIET)).toBeNull();
    expect(byesReceivedBy(s, 'PF A')).toHaveLength(1);
  });

  test('leave-bye-not-delivered: no BYE at the callee and no answer to the caller', async () => {
    const s = await start(['leave-bye-not-delivered']);
    const { uac } = await establish(s, alice, bob);
    const bye = alice.bye(uac);
    expect(await bob.waitFor('BYE', QUIET)).toBeNull();
    expect(bye.responses.filter((r) => r.status >= 200)).toHaveLength(0);
    expect(byesReceivedBy(s, 'PF B').length).toBeGreaterThanOrEqual(1);
  });

  test('leave-max-forwards-not-decremented: only the BYE keeps its Max-Forwards at PF A', async () => {
    const s = await start(['leave-max-forwards-not-decremented']);
    const { uac, inviteAtBob } = await establish(s, alice, bob);
    expect(mf(inviteAtBob as never)).toBe(68);
    const bye = alice.bye(uac);
    const at = await bob.waitFor('BYE');
    expect(mf(at!.request)).toBe(69);
    await at!.respond(createResponse(at!.request, 200));
    expect((await bye.final)?.status).toBe(200);
  });

  test('leave-ok-wrong-cseq: the BYE\'s OK reaches the caller with CSeq + 1', async () => {
    const s = await start(['leave-ok-wrong-cseq']);
    const { uac, okAtAlice } = await establish(s, alice, bob);
    expect(cseq(okAtAlice)?.method).toBe('INVITE');
    const bye = alice.bye(uac);
    const at = await bob.waitFor('BYE');
    expect(header(at!.request, 'CSeq')).toBe(mode === 'proxy' ? header(bye.request, 'CSeq') : header(at!.request, 'CSeq'));
    await at!.respond(createResponse(at!.request, 200));
    const ok = await bye.final;
    expect(ok?.status).toBe(200);
    expect(cseq(ok!)?.seq).toBe(cseq(bye.request)!.seq + 1);
  });

  test('leave-ok-wrong-via: the BYE\'s OK reaches the caller with PF A\'s Via still on top', async () => {
    const s = await start(['leave-ok-wrong-via']);
    const { uac } = await establish(s, alice, bob);
    const strays: SipMessage[] = [];
    alice.endpoint.onStray((m) => strays.push(m));
    const bye = alice.bye(uac);
    const at = await bob.waitFor('BYE');
    await at!.respond(createResponse(at!.request, 200));
    const deadline = Date.now() + 2000;
    while (strays.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(strays).toHaveLength(1);
    const v = vias(strays[0]);
    expect(v).toHaveLength(2);
    expect(v[0].port).toBe(s.pfA.port);
    expect(v[1].branch).toBe(vias(bye.request)[0].branch);
    // The caller's transaction cannot match it (§17.1.3): no final response.
    expect(bye.responses).toHaveLength(0);
  });
});
