/**
 * The optimised parser detects exactly what the straightforward one did: the same fuzz inputs go
 * to src/sip/codec/parse.ts and to the frozen copy in ./reference (see its README), in every
 * mode and framing, and the results must be identical — message, every diagnostic (rule,
 * severity, wording, line, column, order), consumed, needMore, fatal, headerLines — except for
 * the deliberate, RFC-cited strict-mode changes listed in ./intentional.ts, which are mapped away
 * precisely (and only) before comparing.
 * FUZZ_RUNS scales the count like fuzz.test.ts (a fifth of it here: each run parses eight times).
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { FUZZ_RUNS } from './runs';
import { parseMessage, type ParseOptions } from '../../src/sip/codec/parse';
import { checkSemantics } from '../../src/sip/lint/semantics';
import type { SipMessage } from '../../src/sip/message';
import { parseMessage as referenceParse } from './reference/codec/parse';
import { checkSemantics as referenceSemantics } from './reference/lint/semantics';
import { corpus, fuzzInput, headerValue, structured } from './arbitraries';
import { reconcile, reconcileDiagnostics } from './intentional';

const RUNS = Math.max(1000, Math.round(FUZZ_RUNS / 5));
const MODES: ParseOptions[] = [
  { mode: 'strict', framing: 'datagram' }, { mode: 'lenient', framing: 'datagram' },
  { mode: 'strict', framing: 'stream' }, { mode: 'lenient', framing: 'stream' },
];

/**
 * Node's own deep equality (Buffers by octets) decides, cheaply, eight times per input; only a
 * difference goes through reconcile and jest's deep equality, for its diff (and its leniency: a
 * property set to undefined equals a missing one, as JSON text compared before).
 */
function same(input: Buffer): void {
  for (const o of MODES) {
    const ours = parseMessage(input, o);
    const ref = referenceParse(input, o);
    if (isDeepStrictEqual(ours, ref)) continue;
    const [a, b] = reconcile(input, ours, ref);
    if (!isDeepStrictEqual(a, b)) expect(a).toEqual(b);
  }
}

/** Header names the semantic checks look at, in several spellings, plus a few they ignore. */
const NAMES = ['Via', 'v', 'VIA', 'From', 'f', 'To', 't', 'tO', 'Call-ID', 'i', 'CSeq', 'cseq', 'Max-Forwards', 'Contact', 'm',
  'Route', 'Record-Route', 'Content-Type', 'c', 'Expires', 'Min-Expires', 'Content-Length', 'l', 'X-Other', 'k', 'Subject'];
/** Values built from the characters that matter to the §25 grammar of those headers. */
const PIECES = ['SIP/2.0/UDP', 'SIP / 2.0 / TCP', ' ', '\t', 'host', '[2001:db8::1]', '[', ']', ':5060', ':99999', ':', ';', ';branch=z9hG4bK1',
  ';branch', ';BRANCH=x', ';tag=1', ';TaG', ';tag="q"', '=', '"', '\\', '"A \\"B\\""', '<', '>', '<sip:a@h>', 'sip:a@h', 'sips:b@[::1]',
  'tel:+1', ',', '*', '1', '2147483648', '123456789012345678', 'INVITE', 'OPTIONS', 'BYE', 'application/sdp', '/', 'text', '?', '&', '@',
  '%41', 'é', '\u00a0', '\u2028', '\ufeff', '\u212a', 'x', '0', '255', '256', 'a@b'];
const messyValue = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }).map((p) => p.join('')) },
  { weight: 4, arbitrary: structured },
  { weight: 1, arbitrary: headerValue },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const URIS = ['sip:bob@h', 'SIP:bob@h:5060;transport=tcp', 'sips:[::1]', 'sip:@h', 'sip:h;=x', 'sip:h?=x', 'sip:h?a=b&=c', 'tel:+123',
  'urn:x:y', '1abc:x', 'sip', ':x', 'sip:h:123456', 'sip:u:p@h', 'sip::p@h', 'sip:h x', '\u212aip:x', 'sip:h]', 'sip:[1::2', 'sip:h;a;b=c?x'];
const message: fc.Arbitrary<SipMessage> = fc.record({
  kind: fc.constantFrom('request' as const, 'response' as const),
  method: fc.constantFrom('INVITE', 'OPTIONS', 'BYE'),
  uri: fc.oneof(fc.constantFrom(...URIS), fc.array(fc.constantFrom(...PIECES), { maxLength: 6 }).map((p) => p.join(''))),
  status: fc.integer({ min: 0, max: 800 }),
  reason: fc.constant('OK'),
  version: fc.constantFrom('SIP/2.0', 'sip/2.0', 'SIP/3.0'),
  headers: fc.array(fc.record({ name: fc.constantFrom(...NAMES), value: messyValue }), { maxLength: 14 }),
  body: fc.constantFrom(Buffer.alloc(0), Buffer.from('x')),
}).map((r) => (r.kind === 'request'
  ? { kind: 'request', method: r.method, uri: r.uri, version: r.version, headers: r.headers, body: r.body }
  : { kind: 'response', status: r.status, reason: r.reason, version: r.version, headers: r.headers, body: r.body }));

describe('optimised strict parser ≡ reference parser', () => {
  it('the corpus gives identical results in every mode', () => {
    for (const b of corpus()) same(b);
  });

  it('regressions found by the fuzz: a "?" before "@" with no host after it is headers, not userinfo', () => {
    // seed -1036960421: sip:user;ip:user;par?u%40example.net@%xample.com (no §25.1 host after the '@').
    same(Buffer.from('OPTIONS sip:user;ip:user;par?u%40example.net@%xample.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw\r\nl: 0\r\n\r\n'));
  });

  it(`${RUNS} fuzz inputs give identical results in every mode`, () => {
    fc.assert(fc.property(fuzzInput(corpus()), (input) => { same(input); }), { numRuns: RUNS });
  }, 600_000);

  it('semantic checks agree on messages with grammar-edge header values', () => {
    fc.assert(fc.property(message, fc.array(fc.nat(40), { maxLength: 14 }), (m, lines) => {
      const [ours, ref] = reconcileDiagnostics(checkSemantics(m, lines, 3), referenceSemantics(m, lines, 3), () => '', m.kind === 'request' ? m.uri : undefined);
      if (!isDeepStrictEqual(ours, ref)) expect(ours).toEqual(ref);
      // The same message through the wire: serialised by hand so odd values survive unescaped.
      const head = m.kind === 'request' ? `${m.method} ${m.uri} ${m.version}` : `${m.version} ${m.status} ${m.reason}`;
      const wire = Buffer.from(`${head}\r\n${m.headers.map((h) => `${h.name}: ${h.value}`).join('\r\n')}\r\n\r\n`, 'utf8');
      same(wire);
    }), { numRuns: RUNS });
  }, 600_000);
});
