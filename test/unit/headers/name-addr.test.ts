import { parseNameAddr, formatNameAddr, fromTag, toTag, callId } from '../../../src/sip/headers/name-addr';
import { contacts, isContactStar, contactInstance, contactExpires } from '../../../src/sip/headers/contact';
import { routes } from '../../../src/sip/headers/route';
import type { SipRequest } from '../../../src/sip/message';

const msg = (headers: [string, string][]): SipRequest => ({
  kind: 'request', method: 'INVITE', uri: 'sip:x', version: 'SIP/2.0', body: Buffer.alloc(0),
  headers: headers.map(([name, value]) => ({ name, value })),
});

describe('name-addr / addr-spec (RFC 3261 §20.10)', () => {
  it('unquotes display names with escaped quotes and backslashes', () => {
    const n = parseNameAddr('"Bob \\"the\\" \\\\Builder" <sip:bob@biloxi.com>;tag=a48s');
    expect(n).toMatchObject({ displayName: 'Bob "the" \\Builder', uri: 'sip:bob@biloxi.com', params: { tag: 'a48s' } });
    expect(parseNameAddr(formatNameAddr(n!))).toMatchObject({ displayName: n!.displayName, uri: n!.uri, params: n!.params });
  });

  it('token display names and no display name', () => {
    expect(parseNameAddr('Bob  Smith <sip:b@x>')).toMatchObject({ displayName: 'Bob  Smith', uri: 'sip:b@x' });
    expect(parseNameAddr('<sip:b@x;lr>')).toMatchObject({ uri: 'sip:b@x;lr', params: {} });
    expect(parseNameAddr('<sip:b@x>')?.displayName).toBeUndefined();
  });

  it('in addr-spec form, params after the URI belong to the header', () => {
    const n = parseNameAddr('sip:alice@atlanta.com;tag=1928301774');
    expect(n).toMatchObject({ uri: 'sip:alice@atlanta.com', params: { tag: '1928301774' } });
  });

  it('keeps quoted param values with commas or brackets', () => {
    const n = parseNameAddr('<sip:a@192.0.2.1:5060>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";expires=3600');
    expect(contactInstance(n!)).toBe('urn:uuid:00000000-0000-1000-8000-000A95A0E128');
    expect(contactExpires(n!)).toBe(3600);
  });

  it.each(['', '"unterminated <sip:a@b>', '<sip:a@b', '"x" sip:a@b', '<>', '<sip:a@b>;=x', 'justtext'])(
    'returns null for %j', (t) => { expect(parseNameAddr(t)).toBeNull(); });

  it('reads tags, Call-ID, contacts and routes from a message', () => {
    const m = msg([
      ['f', '"A, B" <sip:a@x>;tag=ft'], ['To', '<sip:b@y>'], ['i', ' abc@host '],
      ['Contact', '<sip:a@1.2.3.4>;expires=60, "X" <sip:b@5.6.7.8>'],
      ['Route', '<sip:p1;lr>, <sip:p2;lr>'], ['Route', '<sip:p3;lr>'],
    ]);
    expect(fromTag(m)).toBe('ft');
    expect(toTag(m)).toBeNull();
    expect(callId(m)).toBe('abc@host');
    expect(contacts(m).map((c) => c.uri)).toEqual(['sip:a@1.2.3.4', 'sip:b@5.6.7.8']);
    expect(isContactStar(m)).toBe(false);
    expect(isContactStar(msg([['Contact', '*']]))).toBe(true);
    expect(routes(m, 'Route').map((r) => r.uri)).toEqual(['sip:p1;lr', 'sip:p2;lr', 'sip:p3;lr']);
    expect(routes(m, 'Record-Route')).toEqual([]);
  });
});
