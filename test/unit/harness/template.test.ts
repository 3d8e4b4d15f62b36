import type { SipRequest, SipResponse } from '../../../src/sip/message';
import { describeTemplate, matchMessage, renderTemplate, templateFields, type MessageTemplate } from '../../../src/harness/template';
import type { TraceEntry } from '../../../src/sip/transport/tap';

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
    expect(m[1]).toEqual({ field: 'Max-Forwards', expected: '68', actual: '69' });
  });

  it('matches status as a number or a range, and predicates with reasons', () => {
    expect(matchMessage(ok, { status: 200 })).toEqual([]);
    expect(matchMessage(ok, { status: { from: 300, to: 699 } })[0].field).toBe('status');
    const r = matchMessage(ok, { where: [{ what: 'CSeq method is BYE', test: (m) => m.headers[0].value.endsWith('INVITE') || 'CSeq method is not INVITE' }] });
    expect(r).toEqual([{ field: 'CSeq method is BYE', expected: 'CSeq method is not INVITE', actual: '' }]);
    expect(matchMessage(bye, { status: 200 })[0]).toEqual({ field: 'status', expected: '200', actual: 'request BYE' });
  });

  it('describes itself for findings', () => {
    expect(describeTemplate({ name: 'BYE from PF A', method: 'BYE', headers: { 'Call-ID': 'x' } })).toBe('BYE from PF A: BYE Call-ID: x');
  });

  it('matches header values in order (RFC 3261 §7.3.1 comma-split), [] meaning absent', () => {
    const two: SipRequest = { ...bye, headers: [...bye.headers, { name: 'Route', value: '<sip:a;lr>, <sip:b;lr>' }] };
    expect(matchMessage(two, { headers: { Route: { values: ['<sip:a;lr>', '<sip:b;lr>'] } } })).toEqual([]);
    expect(matchMessage(two, { headers: { Route: { values: ['<sip:b;lr>', '<sip:a;lr>'] } } })).toEqual([{ field: 'Route', expected: '<sip:b;lr>, <sip:a;lr>', actual: '<sip:a;lr>, <sip:b;lr>' }]);
    expect(matchMessage(two, { headers: { Via: { values: [] } } })).toEqual([{ field: 'Via', expected: '(absent)', actual: 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1' }]);
    expect(matchMessage(bye, { headers: { Route: { values: [] } } })).toEqual([]);
    // The rule the values follow is shown with them, so a finding says why (RFC 3261 §9.1: the CANCEL's one Via).
    expect(matchMessage(two, { headers: { Via: { values: ['SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK2'], why: 'one Via, the INVITE\'s top Via' } } }))
      .toEqual([{ field: 'Via', expected: 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK2 (one Via, the INVITE\'s top Via)', actual: 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1' }]);
  });

  it('judges rules and derived fields (from the message or its trace entry) and shows each as its rule', () => {
    const entry = { flow: { protocol: 'udp', remote: { host: '127.0.0.1', port: 5071 } } } as unknown as TraceEntry;
    const tpl: MessageTemplate = {
      method: 'BYE',
      headers: { 'Max-Forwards': { rule: 'below 70 (decremented)', test: (v: string | undefined) => Number(v) < 70 } },
      derived: [
        { field: 'source', of: (_m, e) => e && `${e.flow.remote.host}:${e.flow.remote.port}`, is: '127.0.0.1:5070' },
        { field: 'top Via branch', of: (m) => /branch=([^;]+)/.exec(m.headers[0].value)?.[1], is: /^z9hG4bK/ },
      ],
    };
    expect(matchMessage(bye, tpl, entry)).toEqual([{ field: 'source', expected: '127.0.0.1:5070', actual: '127.0.0.1:5071' }]);
    expect(matchMessage({ ...bye, headers: [{ name: 'Max-Forwards', value: '70' }] }, tpl).map((m) => [m.field, m.expected, m.actual])).toEqual([
      ['Max-Forwards', 'below 70 (decremented)', '70'], ['source', '127.0.0.1:5070', '(absent)'], ['top Via branch', '/^z9hG4bK/', '(absent)'],
    ]);
    // What the report shows as expected is the same object that decided: one field a line.
    expect(renderTemplate(tpl)).toBe(['BYE <any Request-URI>', 'Max-Forwards: below 70 (decremented)', 'source: 127.0.0.1:5070', 'top Via branch: /^z9hG4bK/'].join('\n'));
    expect(templateFields(tpl)).toEqual(['Max-Forwards', 'source', 'top Via branch']);
    expect(renderTemplate({ status: 200, headers: { CSeq: '2 BYE', Require: { absent: true } } })).toBe('SIP/2.0 200\nCSeq: 2 BYE\nRequire: (absent)');
  });
});
