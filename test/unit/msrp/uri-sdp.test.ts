import { MSRP_DEFAULT_PORT, formatMsrpUri, msrpUri, parseMsrpUri, parsePath, sameMsrpUri, uriAddress } from '../../../src/msrp/uri';
import { answerSetup, connectionRole, parsePathAttribute, parseSetup, pathAttribute } from '../../../src/msrp/sdp';

describe('MSRP URIs (RFC 4975 §6, §9)', () => {
  it.each([
    'msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp',
    'msrps://atlanta.example.com:7654/jshA7weztas;tcp',
    'msrp://[2001:db8::1]:2855/s+id=/x;tcp',
    'msrp://bob@10.0.0.1:9/abc;tcp;foo=bar;baz',
    'msrp://relay.example.net;tcp',
    'msrp://127.0.0.1:40002/bob000002;sctp',
  ])('parses and formats %s unchanged', (text) => {
    const r = parseMsrpUri(text);
    if (!r.ok) throw new Error(r.reason);
    expect(formatMsrpUri(r.uri)).toBe(text);
  });

  it('splits the parts', () => {
    expect(msrpUri('msrps://bob@[::1]:7394/ab.c~d;tcp;x=y')).toEqual({
      secure: true, userinfo: 'bob', host: '::1', port: 7394, sessionId: 'ab.c~d', transport: 'tcp', params: [{ name: 'x', value: 'y' }],
    });
  });

  it.each([
    ['sip://a.example.com:5060/x;tcp', /scheme/],
    ['msrp:a.example.com/x;tcp', /msrp:\/\//],
    ['msrp://a.example.com:5060/x', /transport/],
    ['msrp://a.example.com:99999/x;tcp', /port/],
    ['msrp://a.example.com:5060/x y;tcp', /session-id/],
    ['msrp://[::1:5060/x;tcp', /bracket/],
    ['msrp://:5060/x;tcp', /no host/],
    ['msrp://a.example.com/x;t-c-p', /transport/],
    ['msrp://a.example.com/x;tcp;a b', /parameter/],
  ])('rejects %s with a reason', (text, reason) => {
    const r = parseMsrpUri(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('compares per §6.1: scheme, host and transport without case, the session-id exactly, the port by its effective value', () => {
    const a = msrpUri('msrp://Example.COM:2855/Sess1;TCP');
    expect(sameMsrpUri(a, msrpUri('msrp://example.com/Sess1;tcp;x=1'))).toBe(true);
    expect(sameMsrpUri(a, msrpUri('msrp://user@example.com:2855/Sess1;tcp'))).toBe(true);
    expect(sameMsrpUri(a, msrpUri('msrp://example.com:2855/sess1;tcp'))).toBe(false);
    expect(sameMsrpUri(a, msrpUri('msrps://example.com:2855/Sess1;tcp'))).toBe(false);
    expect(sameMsrpUri(a, msrpUri('msrp://example.com:2856/Sess1;tcp'))).toBe(false);
    expect(uriAddress(msrpUri('msrp://example.com/s;tcp'))).toEqual({ host: 'example.com', port: MSRP_DEFAULT_PORT });
  });

  it('parses a path of several URIs and names each bad one', () => {
    const p = parsePath('msrp://r.example.net:1/a;tcp msrp://bob.example.com:2/b;tcp');
    expect(p.uris.map((u) => u.host)).toEqual(['r.example.net', 'bob.example.com']);
    expect(parsePath('msrp://ok.example:1/a;tcp nonsense').errors).toHaveLength(1);
    expect(parsePath('').errors).toEqual(['the path holds no URI']);
  });
});

describe('SDP a=path and a=setup (RFC 4975 §8.1/§8.2, RFC 6135, RFC 4145 §4)', () => {
  it('writes and reads a=path', () => {
    const path = [msrpUri('msrp://r.example.net:1/a;tcp'), msrpUri('msrp://127.0.0.1:2/b;tcp')];
    expect(pathAttribute(path)).toBe('msrp://r.example.net:1/a;tcp msrp://127.0.0.1:2/b;tcp');
    expect(parsePathAttribute(pathAttribute(path)).path).toEqual(path);
  });

  it('answers a=setup per RFC 4145: the opposite of a definite offer, our preference for actpass', () => {
    expect(parseSetup(' ActPass ')).toBe('actpass');
    expect(parseSetup('sideways')).toBeUndefined();
    expect(answerSetup('active')).toBe('passive');
    expect(answerSetup('passive')).toBe('active');
    expect(answerSetup('actpass')).toBe('passive');
    expect(answerSetup('actpass', 'active')).toBe('active');
    expect(answerSetup(undefined)).toBe('passive');
  });

  it('derives who opens the connection, on both sides consistently', () => {
    const cases: Array<[string | undefined, string | undefined, 'active' | 'passive' | null]> = [
      [undefined, undefined, 'active'], // RFC 4975 §5.4: the offerer connects
      ['actpass', 'passive', 'active'],
      ['actpass', 'active', 'passive'],
      ['active', 'passive', 'active'],
      ['passive', 'active', 'passive'],
      ['actpass', undefined, 'active'],
      ['active', 'active', null],
      ['passive', undefined, null],
      ['holdconn', 'holdconn', null],
      ['actpass', 'actpass', null],
    ];
    for (const [offer, answer, offerer] of cases) {
      const o = parseSetup(offer);
      const a = parseSetup(answer);
      expect([offer, answer, connectionRole(true, o, a)]).toEqual([offer, answer, offerer]);
      const answerer = offerer === null ? null : offerer === 'active' ? 'passive' : 'active';
      expect(connectionRole(false, o, a)).toBe(answerer);
    }
  });
});
