import fc from 'fast-check';
import { parseMessage } from '../../src/sip/codec/parse';
import { serializeMessage } from '../../src/sip/codec/serialize';
import { formatUri, parseUri } from '../../src/sip/uri';
import { formatVia, parseVia } from '../../src/sip/headers/via';
import { formatNameAddr, parseNameAddr } from '../../src/sip/headers/name-addr';
import { sipMessage, token, headerValue } from './arbitraries';

describe('serialize ∘ parse round-trips', () => {
  it('parse(serialize(m)) equals m plus its Content-Length, in both framings', () => {
    fc.assert(fc.property(sipMessage, fc.constantFrom('datagram' as const, 'stream' as const), (m, framing) => {
      const wire = serializeMessage(m);
      const r = parseMessage(wire, { framing });
      expect(r.diagnostics).toEqual([]);
      expect(r.consumed).toBe(wire.length);
      expect(r.message).toEqual({ ...m, headers: [...m.headers, { name: 'Content-Length', value: String(m.body.length) }] });
      expect(serializeMessage(r.message!).equals(wire)).toBe(true);
    }), { numRuns: 2000 });
  });

  it('URI header values survive format/parse with any characters', () => {
    fc.assert(fc.property(token, fc.string(), (user, v) => {
      const u = parseUri(`sip:${user.replace(/%/g, '')}x@example.com`)!;
      u.headers['Replaces'] = v;
      expect(parseUri(formatUri(u))?.headers['Replaces']).toBe(v);
    }), { numRuns: 2000 });
  });

  it('Via and name-addr format/parse are stable', () => {
    fc.assert(fc.property(token, fc.integer({ min: 0, max: 65535 }), token, headerValue, (transport, port, branch, dn) => {
      const v = parseVia(`SIP/2.0/${transport} [2001:db8::1]:${port};branch=${branch};rport`)!;
      expect(parseVia(formatVia(v))).toEqual({ ...v, raw: formatVia(v) });
      const n = { displayName: dn, uri: 'sip:a@b', params: { tag: branch } };
      const back = parseNameAddr(formatNameAddr({ ...n, raw: '' }));
      expect(back).toMatchObject(dn.length > 0 ? n : { uri: n.uri, params: n.params });
    }), { numRuns: 2000 });
  });
});
