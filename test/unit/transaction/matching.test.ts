import { header } from '../../../src/sip/message';
import { createResponse } from '../../../src/sip/request-builder';
import type { ServerTransaction } from '../../../src/sip/endpoint';
import type { SipRequest } from '../../../src/sip/message';
import { PEER, peerRequest, setup } from './fixtures';

function statuses(t: ReturnType<typeof setup>['t']): Array<string> {
  return t.sent.map((s) => (s.message?.kind === 'response' ? `${s.message.status} ${header(s.message, 'CSeq')}` : 'req'));
}

describe('CANCEL matching (RFC 3261 §9.2)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('200 to the CANCEL and, with no onCancel handler, 487 to the INVITE; CANCEL never reaches onRequest', async () => {
    const { ep, t } = setup();
    const txs: ServerTransaction[] = [];
    ep.onRequest((tx) => txs.push(tx));
    t.inject(peerRequest('INVITE'), PEER);
    await txs[0].respond(createResponse(txs[0].request, 180, undefined, { toTag: 'ring' }));
    t.inject(peerRequest('CANCEL'), PEER);
    expect(txs).toHaveLength(1);
    expect(txs[0].cancelled).toBe(true);
    expect(statuses(t)).toEqual(['180 1 INVITE', '200 1 CANCEL', '487 1 INVITE']);
    expect(header(t.sent[1].message!, 'To')).toMatch(/tag=ring/);
    expect(header(t.sent[2].message!, 'To')).toMatch(/tag=ring/);
    expect(txs[0].state).toBe('completed');
    t.inject(peerRequest('CANCEL'), PEER); // retransmitted CANCEL: same 200 again
    expect(statuses(t).slice(-1)).toEqual(['200 1 CANCEL']);
    await ep.close();
  });

  it('an onCancel listener owns the INVITE\'s final answer (a proxy relays the downstream 487, §16.10); without one the endpoint answers 487', async () => {
    const { ep, t } = setup();
    const cancels: SipRequest[] = [];
    ep.onRequest((tx) => tx.onCancel((c) => {
      cancels.push(c);
      if (tx.request.headers.some((h) => h.value.includes('z9hG4bKself'))) void tx.respond(createResponse(tx.request, 486));
    }));
    t.inject(peerRequest('INVITE', 'z9hG4bKself'), PEER);
    t.inject(peerRequest('CANCEL', 'z9hG4bKself'), PEER);
    t.inject(peerRequest('INVITE', 'z9hG4bKlook'), PEER);
    t.inject(peerRequest('CANCEL', 'z9hG4bKlook'), PEER);
    expect(cancels).toHaveLength(2);
    // The listener that only observed has not answered yet: the endpoint must not pre-empt it.
    expect(statuses(t)).toEqual(['200 1 CANCEL', '486 1 INVITE', '200 1 CANCEL']);
    await ep.close();
  });

  it('481 when no INVITE transaction matches (other branch, or other sent-by)', async () => {
    const { ep, t } = setup();
    ep.onRequest(() => undefined);
    t.inject(peerRequest('INVITE', 'z9hG4bKone'), PEER);
    t.inject(peerRequest('CANCEL', 'z9hG4bKtwo'), PEER);
    const other = peerRequest('CANCEL', 'z9hG4bKone');
    other.headers[0] = { name: 'Via', value: 'SIP/2.0/UDP 127.0.0.9:5070;branch=z9hG4bKone' };
    t.inject(other, PEER);
    expect(statuses(t)).toEqual(['481 1 CANCEL', '481 1 CANCEL']);
    await ep.close();
  });

  it('a CANCEL after the final answers 200 and changes nothing', async () => {
    const { ep, t } = setup();
    const txs: ServerTransaction[] = [];
    ep.onRequest((tx) => txs.push(tx));
    t.inject(peerRequest('INVITE'), PEER);
    await txs[0].respond(createResponse(txs[0].request, 200));
    t.inject(peerRequest('CANCEL'), PEER);
    expect(txs[0].cancelled).toBe(false);
    expect(statuses(t)).toEqual(['200 1 INVITE', '200 1 CANCEL']);
    await ep.close();
  });
});

describe('RFC 2543 fallback matching (§17.2.3)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  function old(method: string, toTag?: string): SipRequest {
    const r = peerRequest(method);
    r.headers[0] = { name: 'Via', value: 'SIP/2.0/UDP 127.0.0.1:5070;branch=1234' };
    if (toTag) r.headers = r.headers.map((h) => (h.name === 'To' ? { ...h, value: `${h.value};tag=${toTag}` } : h));
    return r;
  }

  it('matches retransmissions, the ACK of a non-2xx by To tag, and the CANCEL', async () => {
    const { ep, t } = setup();
    const txs: ServerTransaction[] = [];
    ep.onRequest((tx) => txs.push(tx));
    t.inject(old('INVITE'), PEER);
    t.inject(old('INVITE'), PEER);
    expect(txs).toHaveLength(1);
    t.inject(old('CANCEL'), PEER);
    expect(txs[0].cancelled).toBe(true);
    expect(statuses(t)).toEqual(['200 1 CANCEL', '487 1 INVITE']);
    const tag = /tag=([^;>]+)/.exec(header(t.sent[1].message!, 'To')!)![1];
    t.inject(old('ACK', 'not-ours'), PEER);
    expect(txs[0].state).toBe('completed');
    t.inject(old('ACK', tag), PEER);
    expect(txs[0].state).toBe('confirmed');
    await ep.close();
  });

  it('a different CSeq or From tag is a different transaction', async () => {
    const { ep, t } = setup();
    const txs: ServerTransaction[] = [];
    ep.onRequest((tx) => txs.push(tx));
    t.inject(old('OPTIONS'), PEER);
    const other = old('OPTIONS');
    other.headers = other.headers.map((h) => (h.name === 'CSeq' ? { ...h, value: '2 OPTIONS' } : h));
    t.inject(other, PEER);
    expect(txs).toHaveLength(2);
    await ep.close();
  });
});
