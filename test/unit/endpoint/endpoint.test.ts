import { SipEndpoint, type ServerTransaction } from '../../../src/sip/endpoint';
import { Dialog } from '../../../src/sip/dialog';
import { createChallenge, verify } from '../../../src/sip/digest';
import { header, setHeader, type SipRequest } from '../../../src/sip/message';
import { createRequest, createResponse } from '../../../src/sip/request-builder';
import { newTag } from '../../../src/sip/ids';
import { FakeNetwork, FakeTransport } from '../../support/fake-transport';

const A = { host: '127.0.0.1', port: 5060 };
const B = { host: '127.0.0.1', port: 5070 };

function pair(): { net: FakeNetwork; a: SipEndpoint; b: SipEndpoint; ta: FakeTransport; tb: FakeTransport } {
  const net = new FakeNetwork();
  const ta = new FakeTransport(A, 'udp', net);
  const tb = new FakeTransport(B, 'udp', net);
  const timers = { t1: 50, t2: 400, t4: 500 };
  return { net, ta, tb, a: new SipEndpoint({ transports: [ta], timers, name: 'a' }), b: new SipEndpoint({ transports: [tb], timers, name: 'b' }) };
}

describe('SipEndpoint between two UAs (in-memory network)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('INVITE / 180 / 200 / ACK, then BYE in the dialog; losses are repaired by retransmission', async () => {
    const { net, a, b, ta } = pair();
    let dropInvites = 2;
    net.drop = (raw) => raw.toString().startsWith('INVITE') && dropInvites-- > 0;
    const acks: SipRequest[] = [];
    b.onAck((ack) => acks.push(ack));
    let uas: Dialog | null = null;
    b.onRequest((tx: ServerTransaction) => {
      if (tx.request.method === 'INVITE') {
        const tag = newTag();
        void tx.respond(createResponse(tx.request, 180, undefined, { toTag: tag }));
        const ok = createResponse(tx.request, 200, undefined, { toTag: tag });
        ok.headers.push({ name: 'Contact', value: '<sip:b@127.0.0.1:5070>' });
        void tx.respond(ok);
        uas = Dialog.fromUas(tx.request, tag, 'sip:b@127.0.0.1:5070');
      } else if (tx.request.method === 'BYE') {
        expect(uas!.receive(tx.request)).toBe(true);
        void tx.respond(createResponse(tx.request, 200));
      }
    });
    const inv = createRequest({ method: 'INVITE', uri: 'sip:b@127.0.0.1:5070', from: '<sip:a@cpm.test>', to: '<sip:b@cpm.test>', contact: '<sip:a@127.0.0.1:5060>' });
    const tx = a.request(inv, B);
    await jest.advanceTimersByTimeAsync(200);
    const res = await tx.final;
    expect(res?.status).toBe(200);
    expect(tx.responses.map((r) => r.status)).toContain(180);
    const uac = Dialog.fromUac(tx.request, res!);
    const ack = uac.createRequest('ACK');
    setHeader(ack, 'Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKack1');
    await a.send(ack, B);
    await jest.advanceTimersByTimeAsync(1);
    expect(acks).toHaveLength(1);
    expect(uas).not.toBeNull();
    const bye = a.request(uac.createRequest('BYE'), B);
    await jest.advanceTimersByTimeAsync(1);
    await expect(bye.final).resolves.toMatchObject({ status: 200 });
    expect(ta.sent.filter((s) => s.message?.kind === 'request' && s.message.method === 'INVITE')).toHaveLength(3);
    await a.close();
    await b.close();
    expect(a.transactionCount).toEqual({ clients: 0, servers: 0 });
  });

  it('requestWithCredentials answers a 401 with a new branch, CSeq + 1 and Authorization (§22.2)', async () => {
    const { a, b } = pair();
    const seen: SipRequest[] = [];
    b.onRequest((tx) => {
      seen.push(tx.request);
      const auth = header(tx.request, 'Authorization');
      if (auth && verify(auth, { method: 'REGISTER', realm: 'cpm.test', password: (u) => (u === 'alice' ? 'pw' : undefined) }) === 'ok') {
        void tx.respond(createResponse(tx.request, 200));
        return;
      }
      const res = createResponse(tx.request, 401);
      res.headers.push({ name: 'WWW-Authenticate', value: createChallenge({ realm: 'cpm.test', algorithm: 'SHA-256' }) });
      void tx.respond(res);
    });
    const reg = createRequest({ method: 'REGISTER', uri: 'sip:cpm.test', from: '<sip:alice@cpm.test>', to: '<sip:alice@cpm.test>', cseq: 4 });
    const p = a.requestWithCredentials(reg, B, { username: 'alice', password: 'pw' });
    await jest.advanceTimersByTimeAsync(5);
    const { response } = await p;
    expect(response?.status).toBe(200);
    expect(seen.map((r) => header(r, 'CSeq'))).toEqual(['4 REGISTER', '5 REGISTER']);
    expect(header(seen[0], 'Via')).not.toBe(header(seen[1], 'Via'));
    await a.close();
    await b.close();
  });

  it('passes unparseable datagrams to onInbound only, and picks transports by protocol', async () => {
    const ta = new FakeTransport(A, 'udp');
    const tt = new FakeTransport({ host: '127.0.0.1', port: 5061 }, 'tcp');
    const ep = new SipEndpoint({ transports: [ta, tt] });
    const inbound: Array<unknown> = [];
    ep.onInbound((m) => inbound.push(m.message));
    ta.inject(Buffer.from('garbage'), B);
    expect(inbound).toEqual([null]);
    expect(ep.pickTransport({ ...B, protocol: 'tcp' })).toBe(tt);
    expect(ep.pickTransport(B)).toBe(ta);
    expect(() => ep.request({ ...createRequest({ method: 'ACK', uri: 'sip:x', from: '<sip:a@x>', to: '<sip:b@x>' }) }, B)).toThrow(/ACK/);
    await ep.close();
    expect(ta.closed && tt.closed).toBe(true);
  });
});
