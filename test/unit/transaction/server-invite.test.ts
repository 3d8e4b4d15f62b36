import { header } from '../../../src/sip/message';
import { topVia } from '../../../src/sip/headers/via';
import { createResponse } from '../../../src/sip/request-builder';
import type { ServerTransaction } from '../../../src/sip/endpoint';
import type { SipRequest } from '../../../src/sip/message';
import { PEER, peerRequest, setup, times } from './fixtures';

function capture(ep: ReturnType<typeof setup>['ep']): ServerTransaction[] {
  const txs: ServerTransaction[] = [];
  ep.onRequest((tx) => txs.push(tx));
  return txs;
}

function ackFor(invite: SipRequest, toTag: string, branch: string): SipRequest {
  const ack = peerRequest('ACK', branch);
  ack.headers = ack.headers.map((h) => (h.name === 'To' ? { ...h, value: `${h.value};tag=${toTag}` } : h));
  void invite;
  return ack;
}

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('sends 100 Trying when the TU is silent for 200 ms; a retransmitted INVITE gets the last provisional', async () => {
    const { ep, t } = setup('udp', { autoTrying: true });
    const txs = capture(ep);
    const inv = peerRequest('INVITE');
    t.inject(inv, PEER);
    expect(txs).toHaveLength(1);
    expect(txs[0].state).toBe('proceeding');
    await jest.advanceTimersByTimeAsync(200);
    expect(t.sent.map((s) => s.message?.kind === 'response' && s.message.status)).toEqual([100]);
    expect(header(t.sent[0].message!, 'To')).not.toMatch(/tag=/);
    t.inject(inv, PEER);
    expect(txs).toHaveLength(1);
    expect(t.sent).toHaveLength(2);
    await ep.close();
  });

  it('non-2xx: Timer G (T1 doubling, capped at T2) until the ACK; ACK → Confirmed → Timer I (T4)', async () => {
    const { ep, t } = setup();
    const txs = capture(ep);
    const acks: SipRequest[] = [];
    ep.onAck((a) => acks.push(a));
    t.inject(peerRequest('INVITE'), PEER);
    const tx = txs[0];
    const txAcks: SipRequest[] = [];
    tx.onAck((a) => txAcks.push(a));
    await tx.respond(createResponse(tx.request, 486, undefined, { toTag: 'srv' }));
    expect(tx.state).toBe('completed');
    await jest.advanceTimersByTimeAsync(12_000);
    expect(times(t, 0, () => true)).toEqual([0, 500, 1500, 3500, 7500, 11500]);
    t.inject(ackFor(tx.request, 'srv', 'z9hG4bKpeer1'), PEER);
    expect(tx.state).toBe('confirmed');
    expect(txAcks).toHaveLength(1);
    expect(acks).toHaveLength(0); // absorbed inside the transaction (§17.2.1)
    await jest.advanceTimersByTimeAsync(20_000);
    expect(t.sent).toHaveLength(6);
    expect(tx.state).toBe('terminated');
    await ep.close();
  });

  it('non-2xx without ACK: Timer H (64*T1) ends the transaction', async () => {
    const { ep, t } = setup();
    const txs = capture(ep);
    t.inject(peerRequest('INVITE'), PEER);
    await txs[0].respond(createResponse(txs[0].request, 603));
    await jest.advanceTimersByTimeAsync(32_000);
    expect(txs[0].state).toBe('terminated');
    expect(times(t, 0, () => true)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    await ep.close();
  });

  it('2xx: the UAS core retransmits (T1 doubling, capped at T2) until the ACK, which has its own branch', async () => {
    const { ep, t } = setup();
    const txs = capture(ep);
    const acks: SipRequest[] = [];
    ep.onAck((a) => acks.push(a));
    const inv = peerRequest('INVITE');
    t.inject(inv, PEER);
    const tx = txs[0];
    const txAcks: SipRequest[] = [];
    tx.onAck((a) => txAcks.push(a));
    await tx.respond(createResponse(tx.request, 200, undefined, { toTag: 'srv' }));
    expect(tx.state).toBe('accepted');
    t.inject(inv, PEER); // retransmitted INVITE absorbed in Accepted
    await jest.advanceTimersByTimeAsync(9000);
    expect(times(t, 0, () => true)).toEqual([0, 500, 1500, 3500, 7500]);
    t.inject(ackFor(inv, 'srv', 'z9hG4bKack2xx'), PEER);
    expect(txAcks).toHaveLength(1);
    expect(acks).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(30_000);
    expect(t.sent).toHaveLength(5);
    expect(tx.state).toBe('terminated'); // Timer L
    await ep.close();
  });

  it('2xx without ACK: retransmission stops after 64*T1; over TCP no retransmission at all', async () => {
    const { ep, t } = setup();
    const txs = capture(ep);
    t.inject(peerRequest('INVITE'), PEER);
    await txs[0].respond(createResponse(txs[0].request, 200));
    await jest.advanceTimersByTimeAsync(40_000);
    expect(times(t, 0, () => true)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    const r = setup('tcp');
    const rtx = capture(r.ep);
    r.t.inject(peerRequest('INVITE'), PEER);
    await rtx[0].respond(createResponse(rtx[0].request, 200));
    await jest.advanceTimersByTimeAsync(40_000);
    expect(r.t.sent).toHaveLength(1);
    await ep.close();
    await r.ep.close();
  });

  it('stamps received/rport on the top Via and answers there (§18.2.1, §18.2.2, RFC 3581)', async () => {
    const { ep, t } = setup();
    const txs = capture(ep);
    const inv = peerRequest('INVITE');
    inv.headers[0] = { name: 'Via', value: 'SIP/2.0/UDP 10.9.9.9:5090;branch=z9hG4bKnat;rport' };
    t.inject(inv, { host: '127.0.0.2', port: 40000 });
    const via = topVia(txs[0].request)!;
    expect(via.params).toMatchObject({ received: '127.0.0.2', rport: '40000' });
    expect(topVia(inv)!.params['rport']).toBeNull(); // the received object is not touched
    await txs[0].respond(createResponse(txs[0].request, 180));
    expect(t.sent[0].remote).toEqual({ host: '127.0.0.2', port: 40000 });

    const inv2 = peerRequest('INVITE', 'z9hG4bKnat2');
    inv2.headers[0] = { name: 'Via', value: 'SIP/2.0/UDP 10.9.9.9:5090;branch=z9hG4bKnat2' };
    t.inject(inv2, { host: '127.0.0.2', port: 40000 });
    await txs[1].respond(createResponse(txs[1].request, 180));
    expect(topVia(txs[1].request)!.params).toMatchObject({ received: '127.0.0.2' });
    expect(t.sent[1].remote).toEqual({ host: '127.0.0.2', port: 5090 });
    await ep.close();
  });
});
