import { PEER, request, respond, setup, times } from './fixtures';

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('Timer E doubles from T1 up to T2: sends at 0, .5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5 … s; Timer F → null', async () => {
    const { ep, t } = setup();
    const tx = ep.request(request('OPTIONS'), PEER);
    expect(tx.state).toBe('trying');
    await jest.advanceTimersByTimeAsync(32_000);
    expect(times(t, 0, () => true)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    await expect(tx.final).resolves.toBeNull();
    expect(tx.state).toBe('terminated');
    await ep.close();
  });

  it('after a provisional Timer E is T2 (§17.1.2.2)', async () => {
    const { ep, t } = setup();
    const tx = ep.request(request('BYE'), PEER);
    await jest.advanceTimersByTimeAsync(600);
    t.inject(respond(tx.request, 100), PEER);
    expect(tx.state).toBe('proceeding');
    await jest.advanceTimersByTimeAsync(10_000);
    // 0, 500; E armed at 500 for 1000 fires at 1500 in Proceeding, then every T2.
    expect(times(t, 0, () => true)).toEqual([0, 500, 1500, 5500, 9500]);
    await ep.close();
  });

  it('a final → Completed; retransmitted finals are absorbed; Timer K = T4 on UDP, 0 reliable', async () => {
    const { ep, t } = setup();
    const tx = ep.request(request('REGISTER'), PEER);
    const seen: number[] = [];
    tx.onResponse((r) => seen.push(r.status));
    const ok = respond(tx.request, 200);
    t.inject(ok, PEER);
    await expect(tx.final).resolves.toMatchObject({ status: 200 });
    expect(tx.state).toBe('completed');
    t.inject(ok, PEER);
    expect(seen).toEqual([200]);
    expect(tx.responses).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(4999);
    expect(tx.state).toBe('completed');
    await jest.advanceTimersByTimeAsync(1);
    expect(tx.state).toBe('terminated');
    expect(t.sent).toHaveLength(1);

    const r = setup('tls');
    const tx2 = r.ep.request(request('REGISTER'), PEER);
    r.t.inject(respond(tx2.request, 401), PEER);
    expect(tx2.state).toBe('terminated');
    await expect(tx2.final).resolves.toMatchObject({ status: 401 });
    await ep.close();
    await r.ep.close();
  });

  it('matches responses by branch and CSeq method only (§17.1.3)', async () => {
    const { ep, t } = setup();
    const tx = ep.request(request('OPTIONS'), PEER);
    const wrongMethod = respond(tx.request, 200);
    wrongMethod.headers = wrongMethod.headers.map((h) => (h.name === 'CSeq' ? { ...h, value: '1 INFO' } : h));
    const stray: unknown[] = [];
    ep.onStray((m) => stray.push(m));
    t.inject(wrongMethod, PEER);
    expect(stray).toHaveLength(1);
    expect(tx.state).toBe('trying');
    await ep.close();
    await expect(tx.final).resolves.toBeNull();
  });
});
