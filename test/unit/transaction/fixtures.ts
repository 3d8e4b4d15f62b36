/** Shared builders for transaction unit tests. */
import type { HeaderField, SipRequest, SipResponse } from '../../../src/sip/message';
import { SipEndpoint } from '../../../src/sip/endpoint';
import { createResponse } from '../../../src/sip/request-builder';
import { FakeTransport } from '../../support/fake-transport';
import type { TransportProtocol } from '../../../src/sip/transport/address';

export const LOCAL = { host: '127.0.0.1', port: 5060 };
export const PEER = { host: '127.0.0.1', port: 5070 };

export function request(method: string, extra: HeaderField[] = [], cseqNo = 1): SipRequest {
  return {
    kind: 'request', version: 'SIP/2.0', method, uri: 'sip:bob@127.0.0.1:5070',
    headers: [
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: '<sip:alice@cpm.test>;tag=a1' },
      { name: 'To', value: '<sip:bob@cpm.test>' },
      { name: 'Call-ID', value: 'call-1@test' },
      { name: 'CSeq', value: `${cseqNo} ${method}` },
      ...extra,
    ],
    body: Buffer.alloc(0),
  };
}

/** A request as a peer would send it: with its own Via. */
export function peerRequest(method: string, branch = 'z9hG4bKpeer1', extra: HeaderField[] = [], cseqNo = 1): SipRequest {
  const r = request(method, extra, cseqNo);
  r.headers.unshift({ name: 'Via', value: `SIP/2.0/UDP 127.0.0.1:5070;branch=${branch}` });
  return r;
}

export function respond(req: SipRequest, status: number, toTag = 'b1'): SipResponse {
  return createResponse(req, status, undefined, { toTag: status === 100 ? undefined : toTag });
}

export function setup(protocol: TransportProtocol = 'udp', opts: { autoTrying?: boolean; timerB?: number } = {}): { ep: SipEndpoint; t: FakeTransport } {
  const t = new FakeTransport(LOCAL, protocol);
  const ep = new SipEndpoint({ transports: [t], timers: { t1: 500, t2: 4000, t4: 5000, b: opts.timerB }, autoTrying: opts.autoTrying ?? false });
  return { ep, t };
}

/** Send times (fake clock, relative to t0) of sent messages matching a predicate. */
export function times(t: FakeTransport, t0: number, pred: (s: FakeTransport['sent'][number]) => boolean): number[] {
  return t.sent.filter(pred).map((s) => s.at - t0);
}
