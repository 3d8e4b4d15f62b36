import { createResponse } from '../../../src/sip/request-builder';
import type { ServerTransaction } from '../../../src/sip/endpoint';
import { PEER, peerRequest, setup } from './fixtures';

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('absorbs retransmissions in Trying, resends the last response after, Timer J = 64*T1 on UDP', async () => {
    const { ep, t } = setup();
    const txs: ServerTransaction[] = [];
    ep.onRequest((tx) => txs.push(tx));
    const bye = peerRequest('BYE');
    t.inject(bye, PEER);
    t.inject(bye, PEER);
    expect(txs).toHaveLength(1);
    expect(txs[0].state).toBe('trying');
    expect(t.sent).toHaveLength(0);
    await txs[0].respond(createResponse(txs[0].request, 100));
    t.inject(bye, PEER);
    expect(t.sent).toHaveLength(2);
    await txs[0].respond(createResponse(txs[0].request, 200));
    expect(txs[0].state).toBe('completed');
    await txs[0].respond(createResponse(txs[0].request, 500)); // discarded (§17.2.2)
    t.inject(bye, PEER);
    expect(t.sent.map((s) => s.message?.kind === 'response' && s.message.status)).toEqual([100, 100, 200, 200]);
    await jest.advanceTimersByTimeAsync(31_999);
    expect(txs[0].state).toBe('completed');
    await jest.advanceTimersByTimeAsync(1);
    expect(txs[0].state).toBe('terminated');
    t.inject(bye, PEER);
    expect(txs).toHaveLength(2); // a new transaction once the old one is gone
    await ep.close();
  });

  it('terminates at once after the final over a reliable transport, answering on the inbound flow', async () => {
    const { ep, t } = setup('tcp');
    const txs: ServerTransaction[] = [];
    ep.onRequest((tx) => txs.push(tx));
    const req = peerRequest('OPTIONS');
    req.headers[0] = { name: 'Via', value: 'SIP/2.0/TCP 10.1.1.1:5070;branch=z9hG4bKtcp' };
    t.inject(req, { host: '127.0.0.1', port: 51000 });
    await txs[0].respond(createResponse(txs[0].request, 200));
    expect(txs[0].state).toBe('terminated');
    expect(t.sent[0].remote).toEqual({ host: '127.0.0.1', port: 51000 });
    await ep.close();
  });
});
