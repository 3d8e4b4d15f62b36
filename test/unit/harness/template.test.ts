import type { SipRequest, SipResponse } from '../../../src/sip/message';
import { describeTemplate, matchMessage } from '../../../src/harness/template';

const bye: SipRequest = {
  kind: 'request', method: 'BYE', uri: 'sip:bob@192.0.2.4', version: 'SIP/2.0',
  headers: [
    { name: 'Via', value: 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1' },
    { name: 'i', value: 'abc@host' },
    { name: 'CSeq', value: '2 BYE' },
    { name: 'Max-Forwards', value: '69' },
  ],
  body: Buffer.alloc(0),
};
const ok: SipResponse = { kind: 'response', version: 'SIP/2.0', status: 200, reason: 'OK', headers: [{ name: 'CSeq', value: '2 BYE' }], body: Buffer.alloc(0) };

describe('message templates', () => {
  it('matches method, URI, headers (compact forms too) and reports every mismatching field', () => {
    expect(matchMessage(bye, { method: 'BYE', uri: /^sip:bob@/, headers: { 'Call-ID': 'abc@host', CSeq: '2 BYE' } })).toEqual([]);
    const m = matchMessage(bye, { method: 'INVITE', headers: { 'Max-Forwards': '68', Route: { present: true }, Require: { absent: true } } });
    expect(m.map((x) => x.field)).toEqual(['method', 'Max-Forwards', 'Route']);
    expect(m[1]).toEqual({ field: 'Max-Forwards', expected: '"68"', actual: '69' });
  });

  it('matches status as a number or a range, and predicates with reasons', () => {
    expect(matchMessage(ok, { status: 200 })).toEqual([]);
    expect(matchMessage(ok, { status: { from: 300, to: 699 } })[0].field).toBe('status');
    const r = matchMessage(ok, { where: [{ what: 'CSeq method is BYE', test: (m) => m.headers[0].value.endsWith('INVITE') || 'CSeq method is not INVITE' }] });
    expect(r).toEqual([{ field: 'CSeq method is BYE', expected: 'CSeq method is not INVITE', actual: '' }]);
    expect(matchMessage(bye, { status: 200 })[0]).toEqual({ field: 'status', expected: '200', actual: 'request BYE' });
  });

  it('describes itself for findings', () => {
    expect(describeTemplate({ name: 'BYE from PF A', method: 'BYE', headers: { 'Call-ID': 'x' } })).toBe('BYE from PF A: BYE Call-ID: "x"');
  });
});
