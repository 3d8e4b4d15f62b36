import { formatUri, parseUri, unescapeOnce } from '../../../src/sip/uri';

describe('parseUri (RFC 3261 §19.1, §25.1)', () => {
  it('splits user, password, host, port, params and headers', () => {
    const u = parseUri('sip:alice:secret@atlanta.example.com:5061;Transport=TCP;lr?Subject=hi%20there&Priority=urgent');
    expect(u).toMatchObject({ scheme: 'sip', user: 'alice', password: 'secret', host: 'atlanta.example.com', port: 5061 });
    expect(u?.params).toEqual({ transport: 'TCP', lr: null });
    expect(u?.headers).toEqual({ Subject: 'hi there', Priority: 'urgent' });
  });

  it('stores IPv6 references without brackets and keeps the port', () => {
    const u = parseUri('sips:[2001:db8::10]:5070;maddr=[2001:db8::1]');
    expect(u?.host).toBe('2001:db8::10');
    expect(u?.port).toBe(5070);
    expect(u?.params['maddr']).toBe('[2001:db8::1]');
    expect(formatUri(u!)).toBe('sips:[2001:db8::10]:5070;maddr=[2001:db8::1]');
  });

  it('unescapes Refer-To embedded Replaces once (RFC 3891 §3 style)', () => {
    const u = parseUri('sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994');
    expect(u?.headers['Replaces']).toBe('12345@192.168.118.3;to-tag=12345;from-tag=5FFE-3994');
    expect(u?.user).toBe('dave');
    expect(u?.host).toBe('denver.example.org');
  });

  it('never unescapes recursively', () => {
    expect(unescapeOnce('a%2540b')).toBe('a%40b');
    expect(parseUri('sip:h?X=a%2540b')?.headers['X']).toBe('a%40b');
    expect(unescapeOnce('100%')).toBe('100%');
    expect(unescapeOnce('%e2%82%ac')).toBe('€');
  });

  it('re-escapes ; = @ ? & in header values so the URI parses back', () => {
    const u = parseUri('sip:dave@denver.example.org')!;
    u.headers['Replaces'] = 'a@b;to-tag=1;from-tag=2?&x';
    const text = formatUri(u);
    expect(text).toBe('sip:dave@denver.example.org?Replaces=a%40b%3Bto-tag%3D1%3Bfrom-tag%3D2%3F%26x');
    expect(parseUri(text)?.headers['Replaces']).toBe('a@b;to-tag=1;from-tag=2?&x');
  });

  it('keeps escaped user parts verbatim and telephone-subscriber users with ;', () => {
    const u = parseUri('sip:sip%3Auser%40example.com@company.com;other-param=summit');
    expect(u?.user).toBe('sip%3Auser%40example.com');
    expect(u?.host).toBe('company.com');
    const t = parseUri('sip:+358-555-1234567;isub=1411;postd=pp22@foo.com;user=phone');
    expect(t?.user).toBe('+358-555-1234567;isub=1411;postd=pp22');
    expect(t?.params['user']).toBe('phone');
  });

  it('keeps unknown schemes verbatim', () => {
    expect(parseUri('urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6')).toEqual({
      scheme: 'urn', host: '', params: {}, headers: {}, raw: 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
    });
    expect(parseUri('tel:+1-212-555-0101')?.scheme).toBe('tel');
  });

  it.each(['', 'nocolon', 'sip:', 'sip:[::1', 'sip:host:99999', 'sip:@host', 'sip:ho st', '1sip:x', 'sip:host;=x'])(
    'returns null for %j', (t) => { expect(parseUri(t)).toBeNull(); });

  it('round-trips a formatted URI', () => {
    const text = 'sip:bob@biloxi.example.com:5060;transport=udp;lr';
    expect(formatUri(parseUri(text)!)).toBe(text);
  });
});
