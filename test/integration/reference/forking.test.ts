/**
 * Multi-device delivery (CPM-MLD-007): PF B forks the CPM Session Invitation to every registered
 * device of the callee (proxy: one INVITE, several branches; B2BUA: one leg per device); the first
 * 2xx wins and every other pending branch is CANCELled (RFC 3261 §9.1, §16.7 step 10) with
 * `Reason: SIP;cause=200;text="Call completed elsewhere"` (RFC 3326), only after that branch's
 * provisional; the 487s are ACKed (§17.1.1.3); the caller's CANCEL cancels every branch (§16.10).
 * A 2xx racing the CANCEL: the proxy forwards it like every 2xx (§16.7 step 5) and leaves ACK and
 * BYE to the caller, the UAC (§13.2.2.4); the B2BUA, the UAC of the device's leg and the UAS of the
 * caller's, ACKs and releases it itself so the caller gets one session (§13.3.1.4).
 * Then each mld-* fault of the catalogue, observed on the wire: it changes exactly what it names.
 */
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message';
import { addHeader, header, setHeader } from '../../../src/sip/message';
import type { ServerTransaction, ClientTransaction } from '../../../src/sip/endpoint';
import { createResponse } from '../../../src/sip/request-builder';
import { Dialog } from '../../../src/sip/dialog';
import { topVia, vias } from '../../../src/sip/headers/via';
import { cseq } from '../../../src/sip/headers/cseq';
import { callId, toTag } from '../../../src/sip/headers/name-addr';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { COMPLETED_ELSEWHERE } from '../../../src/reference/mld';
import { DOMAIN, TestUa, TIMERS, perTransaction, sdp } from './test-ua';

const QUIET = 400;
const BOB = `sip:bob@${DOMAIN}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 2500): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(10);
  return cond();
}

function onTap(ua: TestUa, direction: 'sent' | 'received'): Array<{ seq: number; message: SipMessage }> {
  return ua.tap.entries.filter((e) => e.direction === direction && e.message !== null && !e.dropped).map((e) => ({ seq: e.seq, message: e.message! }));
}
function requests(ua: TestUa, direction: 'sent' | 'received', method: string): SipRequest[] {
  return onTap(ua, direction).map((e) => e.message).filter((m): m is SipRequest => m.kind === 'request' && m.method === method);
}
function responses(ua: TestUa, direction: 'sent' | 'received', method: string, status?: number): SipResponse[] {
  return onTap(ua, direction).map((e) => e.message)
    .filter((m): m is SipResponse => m.kind === 'response' && cseq(m)?.method === method && (status === undefined || m.status === status));
}
/** ACKs for a non-2xx final: same branch as the INVITE (§17.1.1.3). */
function non2xxAcks(ua: TestUa, invite: SipRequest): SipRequest[] {
  return requests(ua, 'received', 'ACK').filter((a) => topVia(a)?.branch === topVia(invite)?.branch);
}
/** Distinct To tags of the 2xx answers to INVITE in a list of responses (one per session). */
function sessions(res: SipResponse[]): Set<string> {
  return new Set(res.filter((r) => r.status >= 200 && r.status < 300 && cseq(r)?.method === 'INVITE').map((r) => toTag(r) ?? ''));
}
/** 2xx answers to INVITE that PF A received (from PF B), per the server's tap. */
function okReceivedByPfA(server: ReferenceServer): SipResponse[] {
  return server.tap.entries
    .filter((e) => e.owner === 'PF A' && e.direction === 'received' && e.message?.kind === 'response')
    .map((e) => e.message as SipResponse)
    .filter((r) => r.status >= 200 && r.status < 300 && cseq(r)?.method === 'INVITE');
}

/** RFC 3261 §9.1: the CANCEL repeats the INVITE's Request-URI, Call-ID, To, From, CSeq number and top Via. */
function expectCancelMatches(cancel: SipRequest, invite: SipRequest): void {
  expect(cancel.uri).toBe(invite.uri);
  expect(callId(cancel)).toBe(callId(invite));
  expect(header(cancel, 'From')).toBe(header(invite, 'From'));
  expect(header(cancel, 'To')).toBe(header(invite, 'To'));
  expect(cseq(cancel)).toEqual({ seq: cseq(invite)!.seq, method: 'CANCEL' });
  expect(topVia(cancel)?.branch).toBe(topVia(invite)?.branch);
  expect(topVia(cancel)?.port).toBe(topVia(invite)?.port);
}

interface Fork {
  server: ReferenceServer;
  alice: TestUa;
  devices: TestUa[];
  inv: ClientTransaction;
  txs: ServerTransaction[];
  ring(i: number): Promise<void>;
  accept(i: number): Promise<void>;
  ok(i: number): SipResponse;
}

describe.each(['proxy', 'b2bua'] as const)('forking to several devices in %s mode', (mode) => {
  const opened: Array<{ close(): Promise<void> }> = [];
  let server: ReferenceServer | undefined;

  afterEach(async () => {
    for (const o of opened.splice(0)) await o.close();
    await server?.stop();
    server = undefined;
  });

  /** n devices of bob registered (those in `silent` send no 100 Trying by themselves), alice's INVITE at each. */
  async function fork(n: number, faults: string[] = [], silent: number[] = []): Promise<Fork> {
    const s = await startReferenceServer({ port: 0, mode, faults, timers: TIMERS });
    server = s;
    const alice = await TestUa.open('alice');
    opened.push(alice);
    const devices: TestUa[] = [];
    for (let i = 0; i < n; i++) {
      const d = await TestUa.open('bob', 'udp', { autoTrying: !silent.includes(i) });
      opened.push(d);
      devices.push(d);
      expect((await d.register(s.pfA))?.status).toBe(200);
    }
    const inv = alice.invite(BOB, s.pfA);
    const txs = (await Promise.all(devices.map((d) => d.waitFor('INVITE')))) as ServerTransaction[];
    expect(txs.every((t) => t !== null)).toBe(true);
    const tag = (i: number) => `dev${i}`;
    const ok = (i: number) => {
      const r = createResponse(txs[i].request, 200, undefined, { toTag: tag(i) });
      addHeader(r, 'Contact', `<${devices[i].contactUri}>`);
      r.body = sdp(devices[i].address.host, devices[i].address.port + 1);
      setHeader(r, 'Content-Type', 'application/sdp');
      return r;
    };
    return {
      server: s, alice, devices, inv, txs, ok,
      ring: (i) => txs[i].respond(createResponse(txs[i].request, 180, undefined, { toTag: tag(i) })),
      accept: (i) => txs[i].respond(ok(i)),
    };
  }

  /** Both devices ring; device 1 answers 200 to the CANCEL's crossing (its 2xx races it); device 0 accepts first. */
  async function race(faults: string[] = []): Promise<Fork> {
    const f = await fork(2, faults);
    await f.ring(0);
    await f.ring(1);
    f.txs[1].onCancel(() => { void f.txs[1].respond(f.ok(1)); });
    await f.accept(0);
    return f;
  }

  test.each([2, 3, 5])('%i devices: every one is invited; the first 2xx wins; the others get a §9.1 CANCEL with Reason after their provisional, and their 487 is ACKed', async (n) => {
    const f = await fork(n);
    const winner = 1;
    for (let i = 0; i < n; i++) {
      const req = f.txs[i].request;
      expect(req.uri).toBe(f.devices[i].contactUri);
      if (mode === 'proxy') expect(callId(req)).toBe(callId(f.inv.request));
      else expect(callId(req)).not.toBe(callId(f.inv.request));
    }
    if (mode === 'b2bua') expect(new Set(f.txs.map((t) => callId(t.request))).size).toBe(n);
    for (let i = 0; i < n; i++) await f.ring(i);
    expect(await until(() => f.inv.responses.some((r) => r.status === 180))).toBe(true);
    await f.accept(winner);
    const ok = await f.inv.final;
    expect(ok?.status).toBe(200);
    await f.alice.ack(Dialog.fromUac(f.inv.request, ok!));
    expect(await f.devices[winner].waitForAck()).not.toBeNull();

    const losers = f.devices.map((_, i) => i).filter((i) => i !== winner);
    expect(await until(() => losers.every((i) => non2xxAcks(f.devices[i], f.txs[i].request).length > 0))).toBe(true);
    for (const i of losers) {
      const d = f.devices[i];
      const cancels = perTransaction(requests(d, 'received', 'CANCEL'));
      expect(cancels).toHaveLength(1);
      expectCancelMatches(cancels[0], f.txs[i].request);
      expect(header(cancels[0], 'Reason')).toBe(COMPLETED_ELSEWHERE);
      expect(responses(d, 'sent', 'INVITE', 487).length).toBeGreaterThan(0);
      const ack = non2xxAcks(d, f.txs[i].request)[0];
      expect(cseq(ack)).toEqual({ seq: cseq(f.txs[i].request)!.seq, method: 'ACK' });
      expect(toTag(ack)).toBe(`dev${i}`);
    }
    await sleep(QUIET);
    // Never to the accepting device; the caller has one session.
    expect(requests(f.devices[winner], 'received', 'CANCEL')).toHaveLength(0);
    expect(sessions(f.inv.responses).size).toBe(1);
    expect(sessions(okReceivedByPfA(f.server)).size).toBe(1);
  });

  test('a branch with no provisional yet is cancelled only once it sends one (RFC 3261 §9.1)', async () => {
    const f = await fork(2, [], [1]);
    await f.ring(0);
    await f.accept(0);
    expect((await f.inv.final)?.status).toBe(200);
    await sleep(QUIET);
    expect(requests(f.devices[1], 'received', 'CANCEL')).toHaveLength(0);
    await f.ring(1);
    expect(await until(() => requests(f.devices[1], 'received', 'CANCEL').length > 0)).toBe(true);
    const tap = onTap(f.devices[1], 'sent');
    const ringing = tap.find((e) => e.message.kind === 'response' && e.message.status === 180)!;
    const cancelAt = onTap(f.devices[1], 'received').find((e) => e.message.kind === 'request' && e.message.method === 'CANCEL')!;
    expect(ringing.seq).toBeLessThan(cancelAt.seq);
    expect(await until(() => non2xxAcks(f.devices[1], f.txs[1].request).length > 0)).toBe(true);
  });

  if (mode === 'proxy') {
    test('a second 2xx racing the CANCEL is forwarded to the caller (§16.7 step 5), which ACKs both and BYEs one through both PFs; the other session stays up', async () => {
      const f = await race();
      expect((await f.inv.final)?.status).toBe(200);
      // "Any 2xx responses MUST be forwarded immediately": the late one reaches the caller as a second dialog (§12.1).
      expect(await until(() => sessions(f.inv.responses).size === 2)).toBe(true);
      await sleep(QUIET);
      // The proxy is not the UAC: it neither ACKs nor BYEs a 2xx itself (§13.2.2.4, §15).
      expect(f.devices[1].acks).toHaveLength(0);
      expect(requests(f.devices[1], 'received', 'BYE')).toHaveLength(0);
      const dialogOf = (tag: string) => Dialog.fromUac(f.inv.request, f.inv.responses.find((r) => r.status === 200 && toTag(r) === tag)!);
      const [kept, late] = [dialogOf('dev0'), dialogOf('dev1')];
      await f.alice.ack(kept);
      await f.alice.ack(late);
      for (const i of [0, 1]) expect(await f.devices[i].waitForAck()).not.toBeNull();
      // Each ACK followed its dialog's route set: alice's Via, PF A's and PF B's (both Record-Routed, §16.6 step 4).
      expect(vias(f.devices[1].acks[0])).toHaveLength(3);
      expect(toTag(f.devices[1].acks[0])).toBe('dev1');
      const bye = f.alice.bye(late);
      const at = await f.devices[1].waitFor('BYE');
      expect(toTag(at!.request)).toBe('dev1');
      await at!.respond(createResponse(at!.request, 200));
      expect((await bye.final)?.status).toBe(200);
      // That BYE ended only its own dialog (§15.1.2): the kept session still routes to device 0, and
      // once both are gone a BYE on either is 481 at PF A (§12.2.2).
      expect(requests(f.devices[0], 'received', 'BYE')).toHaveLength(0);
      const bye0 = f.alice.bye(kept);
      const at0 = await f.devices[0].waitFor('BYE');
      expect(toTag(at0!.request)).toBe('dev0');
      await at0!.respond(createResponse(at0!.request, 200));
      expect((await bye0.final)?.status).toBe(200);
      expect((await f.alice.bye(late).final)?.status).toBe(481);
    });
  } else {
    test('a second 2xx racing the CANCEL is ACKed and released with BYE by the B2BUA; the caller has exactly one session', async () => {
      const f = await race();
      expect((await f.inv.final)?.status).toBe(200);
      expect(await until(() => f.devices[1].acks.length > 0)).toBe(true);
      const ack = f.devices[1].acks[0];
      expect(toTag(ack)).toBe('dev1');
      expect(callId(ack)).toBe(callId(f.txs[1].request));
      expect(cseq(ack)).toEqual({ seq: cseq(f.txs[1].request)!.seq, method: 'ACK' });
      const bye = await f.devices[1].waitFor('BYE');
      expect(bye).not.toBeNull();
      expect(toTag(bye!.request)).toBe('dev1');
      await bye!.respond(createResponse(bye!.request, 200));
      await sleep(QUIET);
      expect(sessions(f.inv.responses).size).toBe(1);
      expect(sessions(okReceivedByPfA(f.server)).size).toBe(1);
      expect(requests(f.alice, 'received', 'BYE')).toHaveLength(0);
      // The accepting device keeps its session: no CANCEL, no BYE.
      expect(requests(f.devices[0], 'received', 'CANCEL')).toHaveLength(0);
      expect(requests(f.devices[0], 'received', 'BYE')).toHaveLength(0);
    });
  }

  test('the caller\'s CANCEL before anyone accepts cancels every pending branch, each after its provisional (§16.10); the caller gets 487', async () => {
    const f = await fork(3, [], [2]);
    await f.ring(0);
    await f.ring(1);
    expect(await until(() => f.inv.responses.some((r) => r.status === 180))).toBe(true);
    const cancel = await f.inv.cancel();
    expect((await cancel.final)?.status).toBe(200);
    expect(await until(() => [0, 1].every((i) => requests(f.devices[i], 'received', 'CANCEL').length > 0))).toBe(true);
    await sleep(QUIET);
    expect(requests(f.devices[2], 'received', 'CANCEL')).toHaveLength(0);
    await f.ring(2);
    expect((await f.inv.final)?.status).toBe(487);
    for (let i = 0; i < 3; i++) {
      const c = requests(f.devices[i], 'received', 'CANCEL');
      expect(c).toHaveLength(1);
      expectCancelMatches(c[0], f.txs[i].request);
      expect(header(c[0], 'Reason')).toBeUndefined();
    }
    expect(await until(() => [0, 1, 2].every((i) => non2xxAcks(f.devices[i], f.txs[i].request).length > 0))).toBe(true);
  });

  test('the §9.1 CANCEL faults leave the caller\'s own CANCEL correct', async () => {
    const f = await fork(2, ['mld-cancel-wrong-branch', 'mld-cancel-wrong-cseq', 'mld-cancel-wrong-request-uri', 'mld-cancel-missing-reason']);
    await f.ring(0);
    await f.ring(1);
    expect(await until(() => f.inv.responses.some((r) => r.status === 180))).toBe(true);
    await f.inv.cancel();
    expect((await f.inv.final)?.status).toBe(487);
    for (let i = 0; i < 2; i++) expectCancelMatches(requests(f.devices[i], 'received', 'CANCEL')[0], f.txs[i].request);
  });

  describe('faults', () => {
    /** Device 0 accepts, device 1 rings: the CANCEL device 1 gets (if any) within the wait. */
    async function acceptOne(faults: string[]): Promise<Fork & { cancel: SipRequest | undefined }> {
      const f = await fork(2, faults);
      await f.ring(0);
      await f.ring(1);
      await f.accept(0);
      expect((await f.inv.final)?.status).toBe(200);
      await until(() => requests(f.devices[1], 'received', 'CANCEL').length > 0, QUIET * 2);
      return { ...f, cancel: requests(f.devices[1], 'received', 'CANCEL')[0] };
    }

    test('mld-no-cancel: the other device is left ringing', async () => {
      const f = await acceptOne(['mld-no-cancel']);
      expect(f.cancel).toBeUndefined();
      expect(f.txs[1].state).toBe('proceeding');
      expect(responses(f.devices[1], 'sent', 'INVITE', 487)).toHaveLength(0);
    });

    test('mld-cancel-accepting-device: the accepting device gets a CANCEL too; the other is cancelled as usual', async () => {
      const f = await acceptOne(['mld-cancel-accepting-device']);
      expect(f.cancel).toBeDefined();
      expectCancelMatches(f.cancel!, f.txs[1].request);
      expect(await until(() => requests(f.devices[0], 'received', 'CANCEL').length > 0)).toBe(true);
      const atWinner = requests(f.devices[0], 'received', 'CANCEL')[0];
      expectCancelMatches(atWinner, f.txs[0].request);
      expect(header(atWinner, 'Reason')).toBe(COMPLETED_ELSEWHERE);
    });

    test('mld-cancel-missing-reason: a §9.1-correct CANCEL without Reason', async () => {
      const f = await acceptOne(['mld-cancel-missing-reason']);
      expectCancelMatches(f.cancel!, f.txs[1].request);
      expect(header(f.cancel!, 'Reason')).toBeUndefined();
      expect(await until(() => non2xxAcks(f.devices[1], f.txs[1].request).length > 0)).toBe(true);
    });

    test('mld-cancel-wrong-branch: only the Via branch differs, so the device answers 481 and keeps ringing', async () => {
      const f = await acceptOne(['mld-cancel-wrong-branch']);
      const inv = f.txs[1].request;
      expect(topVia(f.cancel!)?.branch).not.toBe(topVia(inv)?.branch);
      expect(f.cancel!.uri).toBe(inv.uri);
      expect(cseq(f.cancel!)?.seq).toBe(cseq(inv)!.seq);
      expect(header(f.cancel!, 'Reason')).toBe(COMPLETED_ELSEWHERE);
      expect(await until(() => responses(f.devices[1], 'sent', 'CANCEL', 481).length > 0)).toBe(true);
      expect(responses(f.devices[1], 'sent', 'INVITE', 487)).toHaveLength(0);
    });

    test('mld-cancel-wrong-cseq: only the CSeq number differs', async () => {
      const f = await acceptOne(['mld-cancel-wrong-cseq']);
      const inv = f.txs[1].request;
      expect(cseq(f.cancel!)).toEqual({ seq: cseq(inv)!.seq + 1, method: 'CANCEL' });
      expect(topVia(f.cancel!)?.branch).toBe(topVia(inv)?.branch);
      expect(f.cancel!.uri).toBe(inv.uri);
      expect(header(f.cancel!, 'Reason')).toBe(COMPLETED_ELSEWHERE);
    });

    test('mld-cancel-wrong-request-uri: the AoR instead of the branch\'s contact', async () => {
      const f = await acceptOne(['mld-cancel-wrong-request-uri']);
      const inv = f.txs[1].request;
      expect(inv.uri).toBe(f.devices[1].contactUri);
      expect(f.cancel!.uri).toBe(BOB);
      expect(topVia(f.cancel!)?.branch).toBe(topVia(inv)?.branch);
      expect(cseq(f.cancel!)?.seq).toBe(cseq(inv)!.seq);
    });

    test('mld-cancel-before-provisional: a silent branch is cancelled at once', async () => {
      const f = await fork(2, ['mld-cancel-before-provisional'], [1]);
      await f.ring(0);
      await f.accept(0);
      expect((await f.inv.final)?.status).toBe(200);
      expect(await until(() => requests(f.devices[1], 'received', 'CANCEL').length > 0)).toBe(true);
      const cancelAt = onTap(f.devices[1], 'received').find((e) => e.message.kind === 'request' && e.message.method === 'CANCEL')!;
      const provisionals = onTap(f.devices[1], 'sent').filter((e) => e.message.kind === 'response' && e.message.status < 200 && e.seq < cancelAt.seq);
      expect(provisionals).toHaveLength(0);
      expectCancelMatches(cancelAt.message as SipRequest, f.txs[1].request);
    });

    test('mld-487-not-acked: the cancelled device\'s 487 is never ACKed (retransmitted instead)', async () => {
      const f = await acceptOne(['mld-487-not-acked']);
      expectCancelMatches(f.cancel!, f.txs[1].request);
      expect(await until(() => responses(f.devices[1], 'sent', 'INVITE', 487).length > 1)).toBe(true);
      await sleep(QUIET);
      expect(non2xxAcks(f.devices[1], f.txs[1].request)).toHaveLength(0);
      // The accepting device's 2xx is still ACKed once the caller ACKs.
      await f.alice.ack(Dialog.fromUac(f.inv.request, f.inv.responses.find((r) => r.status === 200)!));
      expect(await f.devices[0].waitForAck()).not.toBeNull();
    });

    // Proxy: the late 2xx is absorbed instead of forwarded (§16.7 step 5), so the caller cannot ACK it either.
    test('mld-second-2xx-dangling: the racing 2xx is absorbed, neither forwarded, ACKed nor BYEd; the caller has one session', async () => {
      const f = await race(['mld-second-2xx-dangling']);
      expect((await f.inv.final)?.status).toBe(200);
      expect(await until(() => responses(f.devices[1], 'sent', 'INVITE', 200).length > 1)).toBe(true);
      await sleep(QUIET);
      expect(f.devices[1].acks).toHaveLength(0);
      expect(requests(f.devices[1], 'received', 'BYE')).toHaveLength(0);
      expect(sessions(f.inv.responses).size).toBe(1);
      expect(sessions(okReceivedByPfA(f.server)).size).toBe(1);
    });

    // A B2BUA fault only: in proxy mode forwarding both 2xx is the correct behaviour (§16.7 step 5).
    if (mode === 'b2bua') {
      test('mld-caller-two-sessions: PF B answers the caller\'s leg a second time, with another To tag', async () => {
        const f = await race(['mld-caller-two-sessions']);
        expect((await f.inv.final)?.status).toBe(200);
        // PF B answers the caller's side twice, with two To tags (a UAS answers once, §13.3.1.4).
        expect(await until(() => sessions(okReceivedByPfA(f.server)).size === 2)).toBe(true);
        // PF A, the UAC of that leg, ACKs the second session (relayed to the late device) and releases
        // it (§13.2.2.4): the caller device itself sees one; only the PF A-PF B hop shows the fault.
        expect(await until(() => f.devices[1].acks.length > 0)).toBe(true);
        expect(await f.devices[1].waitFor('BYE')).not.toBeNull();
        expect(sessions(f.inv.responses).size).toBe(1);
      });
    }
  });
});
