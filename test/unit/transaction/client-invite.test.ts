import { header } from '../../../src/sip/message';
import { topVia } from '../../../src/sip/headers/via';
import { PEER, request, respond, setup, times } from './fixtures';

describe('INVITE client transaction (RFC 3261 §17.1.1)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('Timer A retransmits at 0, T1, 3T1, 7T1 … over UDP and Timer B (64*T1) resolves final with null', async () => {
    const { ep, t } = setup();
    const tx = ep.request(request('INVITE'), PEER);
    expect(tx.state).toBe('calling');
    expect(tx.id).toMatch(/^z9hG4bK/);
    await jest.advanceTimersByTimeAsync(32_000);
    expect(times(t, 0, (s) => s.message?.kind === 'request')).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    await expect(tx.final).resolves.toBeNull();
    expect(tx.state).toBe('terminated');
    await ep.close();
  });

  it('Timer B set apart from 64*T1 (a configured server, Kamailio fr_timer) ends Calling then, Timer A unchanged until it', async () => {
    const { ep, t } = setup('udp', { timerB: 4000 });
    const tx = ep.request(request('INVITE'), PEER);
    await jest.advanceTimersByTimeAsync(3999);
    expect(tx.state).toBe('calling');
    await jest.advanceTimersByTimeAsync(1);
    expect(tx.state).toBe('terminated');
    await expect(tx.final).resolves.toBeNull();
    await jest.advanceTimersByTimeAsync(30_000);
    expect(times(t, 0, (s) => s.message?.kind === 'request')).toEqual([0, 500, 1500, 3500]);
    // Timer F of a non-INVITE stays 64*T1: only B is set apart.
    const opt = ep.request(request('OPTIONS'), PEER);
    await jest.advanceTimersByTimeAsync(31_999);
    expect(opt.state).not.toBe('terminated');
    await jest.advanceTimersByTimeAsync(1);
    expect(opt.state).toBe('terminated');
    await ep.close();
  });

  it('pushes a Via with sent-by, transport, a fresh branch and rport (§8.1.1.7, RFC 3581)', async () => {
    const { ep, t } = setup();
    const tx = ep.request(request('INVITE'), PEER);
    const via = topVia(tx.request)!;
    expect(via).toMatchObject({ transport: 'UDP', host: '127.0.0.1', port: 5060 });
    expect(via.params).toHaveProperty('rport', null);
    expect(header(t.sent[0].message!, 'Via')).toBe(header(tx.request, 'Via'));
    await ep.close();
  });

  it('does not retransmit over a reliable transport; a provisional stops Timer A', async () => {
    const { ep, t } = setup('tcp');
    const tx = ep.request(request('INVITE'), PEER);
    await jest.advanceTimersByTimeAsync(5000);
    expect(t.sent).toHaveLength(1);
    await ep.close();
    await expect(tx.final).resolves.toBeNull();

    const u = setup();
    const tx2 = u.ep.request(request('INVITE'), PEER);
    await jest.advanceTimersByTimeAsync(600);
    u.t.inject(respond(tx2.request, 180), PEER);
    expect(tx2.state).toBe('proceeding');
    await jest.advanceTimersByTimeAsync(60_000);
    expect(u.t.sent).toHaveLength(2); // 0 and T1, nothing after the 180 (Timer B ignored in Proceeding)
    expect(tx2.state).toBe('proceeding');
    await u.ep.close();
  });

  it('ACKs a non-2xx inside the transaction (§17.1.1.3) and re-ACKs retransmissions without passing them up', async () => {
    const { ep, t } = setup();
    const inv = request('INVITE', [{ name: 'Route', value: '<sip:pf.cpm.test;lr>' }], 7);
    const tx = ep.request(inv, PEER);
    const seen: number[] = [];
    tx.onResponse((r) => seen.push(r.status));
    const busy = respond(tx.request, 486, 'xyz');
    t.inject(busy, PEER);
    await expect(tx.final).resolves.toMatchObject({ status: 486 });
    expect(tx.state).toBe('completed');
    const acks = t.sentMessages((m) => m.kind === 'request' && m.method === 'ACK');
    expect(acks).toHaveLength(1);
    const ack = acks[0].message!;
    expect(ack.kind === 'request' && ack.uri).toBe(inv.uri);
    expect(header(ack, 'Via')).toBe(header(tx.request, 'Via'));
    expect(ack.headers.filter((h) => h.name === 'Via')).toHaveLength(1);
    expect(header(ack, 'To')).toBe(header(busy, 'To'));
    expect(header(ack, 'From')).toBe(header(inv, 'From'));
    expect(header(ack, 'Call-ID')).toBe('call-1@test');
    expect(header(ack, 'CSeq')).toBe('7 ACK');
    expect(header(ack, 'Route')).toBe('<sip:pf.cpm.test;lr>');
    t.inject(busy, PEER);
    expect(t.sentMessages((m) => m.kind === 'request' && m.method === 'ACK')).toHaveLength(2);
    expect(seen).toEqual([486]);
    expect(tx.responses).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(32_000); // Timer D = 64*T1
    expect(tx.state).toBe('terminated');
    await ep.close();
  });

  it('2xx → Accepted (RFC 6026): retransmitted 2xx reach the TU until Timer M', async () => {
    const { ep, t } = setup();
    const tx = ep.request(request('INVITE'), PEER);
    const seen: number[] = [];
    tx.onResponse((r) => seen.push(r.status));
    const ok = respond(tx.request, 200);
    t.inject(respond(tx.request, 180), PEER);
    t.inject(ok, PEER);
    expect(tx.state).toBe('accepted');
    t.inject(ok, PEER);
    expect(seen).toEqual([180, 200, 200]);
    await expect(tx.final).resolves.toMatchObject({ status: 200 });
    expect(t.sentMessages((m) => m.kind === 'request' && m.method === 'ACK')).toHaveLength(0); // the TU ACKs a 2xx
    await jest.advanceTimersByTimeAsync(32_000);
    expect(tx.state).toBe('terminated');
    const stray: number[] = [];
    ep.onStray((m) => stray.push(m.kind === 'response' ? m.status : 0));
    t.inject(ok, PEER);
    expect(stray).toEqual([200]);
    await ep.close();
  });

  it('a transport error ends the transaction with null (§17.1.4)', async () => {
    const { ep, t } = setup('tcp');
    t.failSends = true;
    const tx = ep.request(request('INVITE'), PEER);
    await expect(tx.final).resolves.toBeNull();
    expect(tx.state).toBe('terminated');
    const { ep: ep2, t: t2 } = setup('tcp');
    const tx2 = ep2.request(request('OPTIONS'), PEER);
    t2.emitError(new Error('ECONNREFUSED'), PEER);
    await expect(tx2.final).resolves.toBeNull();
    await ep.close();
    await ep2.close();
  });

  it('cancel() waits for a provisional, then sends a §9.1 CANCEL as its own transaction', async () => {
    const { ep, t } = setup();
    const inv = request('INVITE', [{ name: 'Route', value: '<sip:pf.cpm.test;lr>' }], 3);
    const tx = ep.request(inv, PEER);
    const pending = tx.cancel([{ name: 'Reason', value: 'SIP;cause=200;text="Call completed elsewhere"' }]);
    await jest.advanceTimersByTimeAsync(100);
    expect(t.sentMessages((m) => m.kind === 'request' && m.method === 'CANCEL')).toHaveLength(0);
    t.inject(respond(tx.request, 180), PEER);
    const ctx = await pending;
    const cancel = ctx.request;
    expect(cancel.method).toBe('CANCEL');
    expect(cancel.uri).toBe(inv.uri);
    expect(header(cancel, 'Via')).toBe(header(tx.request, 'Via'));
    expect(header(cancel, 'To')).toBe(header(inv, 'To'));
    expect(header(cancel, 'CSeq')).toBe('3 CANCEL');
    expect(header(cancel, 'Route')).toBe('<sip:pf.cpm.test;lr>');
    expect(header(cancel, 'Reason')).toMatch(/cause=200/);
    expect(ctx.id).toBe(tx.id);
    t.inject(respond(cancel, 200), PEER);
    await expect(ctx.final).resolves.toMatchObject({ status: 200 });
    t.inject(respond(tx.request, 487), PEER);
    await expect(tx.final).resolves.toMatchObject({ status: 487 });
    // A final before any provisional: no CANCEL (§9.1).
    const tx2 = ep.request(request('INVITE'), PEER);
    const p2 = tx2.cancel();
    t.inject(respond(tx2.request, 486), PEER);
    await expect(p2).rejects.toThrow(/9\.1/);
    await ep.close();
  });
});
