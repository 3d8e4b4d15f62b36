/**
 * fast-check generators for SIP messages and for mutated octets of a realistic corpus.
 * The corpus is fixtures/messages (with the RFC 4475 / RFC 5118 torture messages) plus a few edge
 * cases written here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { SipMessage } from '../../src/sip/message';

const FIX = join(__dirname, '../../fixtures/messages');

export function corpus(): Buffer[] {
  const files = readdirSync(FIX).filter((n) => n.endsWith('.sip')).map((n) => readFileSync(join(FIX, n)));
  // The SIP torture tests (RFC 4475, RFC 5118): the edge cases parsers get wrong, to mutate from.
  for (const dir of ['rfc4475', 'rfc5118']) {
    for (const n of readdirSync(join(FIX, dir)).sort()) files.push(readFileSync(join(FIX, dir, n)));
  }
  const extra = [
    'INVITE sip:%61lice@[2001:db8::9]:5060;transport=udp?Subject=x%20y SIP/2.0\r\nv: SIP / 2.0 / UDP [2001:db8::9];branch=z9hG4bK-x\r\nf: "Q \\"x\\"" <sip:a@h>;tag=1\r\nt: sip:b@h\r\ni: a@b\r\nCSeq: 8 INVITE\r\nMax-Forwards: 0\r\nSubject: folded\r\n  across\r\n\tlines\r\nl: 4\r\n\r\n\x00\r\n\x01',
    'SIP/2.0 180 \r\nVia: SIP/2.0/TLS h:5061;branch=z9hG4bK2\r\nFrom: <sips:a@h>;tag=1\r\nTo: <sips:b@h>;tag=2\r\nCall-ID: q\r\nCSeq: 1 INVITE\r\n\r\n',
    '\r\n\r\nNEWMETHOD urn:x:y SIP/2.0\r\nX: a\r\n\r\ntrailing',
  ].map((s) => Buffer.from(s, 'latin1'));
  return [...files, ...extra];
}

const SPECIAL = [0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x3b, 0x2c, 0x22, 0x5c, 0x3c, 0x3e, 0x25, 0x00, 0xff, 0x40, 0x5b, 0x5d];

/** One mutation of a buffer: flip a bit, truncate, insert octets, or play CRLF games. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ op: fc.constant('special' as const), at: fc.nat(), pick: fc.nat(SPECIAL.length - 1) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.nat(16) }),
  fc.record({ op: fc.constant('crlf' as const), at: fc.nat(), kind: fc.constantFrom('\r\n', '\n', '\r', '\r\n\r\n', '\r\n ', ' \r\n') }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.nat(64) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

export function mutate(input: Buffer, muts: Mutation[]): Buffer {
  let b = input;
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    switch (m.op) {
      case 'flip':
        if (b.length > 0) {
          b = Buffer.from(b);
          const i = at % b.length;
          b[i] = b[i]! ^ (1 << m.bit);
        }
        break;
      case 'truncate': b = b.subarray(0, at); break;
      case 'insert': b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]); break;
      case 'special': b = Buffer.concat([b.subarray(0, at), Buffer.from([SPECIAL[m.pick]!]), b.subarray(at)]); break;
      case 'delete': b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]); break;
      case 'crlf': b = Buffer.concat([b.subarray(0, at), Buffer.from(m.kind), b.subarray(at)]); break;
      case 'duplicate': b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]); break;
    }
  }
  return b;
}

/** Random octets, or a corpus message with 1–6 mutations. */
export function fuzzInput(items: Buffer[]): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)) },
    { weight: 4, arbitrary: fc.tuple(fc.nat(items.length - 1), fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([i, ms]) => mutate(items[i]!, ms)) },
  );
}

const tokenChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~'.split(''));
export const token = fc.string({ unit: tokenChars, minLength: 1, maxLength: 12 });
const valueChar = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...'abcXYZ019<>@;=,"\\/:?&%[]()'.split('')) },
  { weight: 1, arbitrary: fc.constantFrom('é', '€', '日', 'ß', 'à') },
);
/** A header value: visible characters with single inner spaces, no leading/trailing whitespace. */
export const headerValue = fc.array(fc.string({ unit: valueChar, minLength: 1, maxLength: 10 }), { minLength: 0, maxLength: 4 }).map((w) => w.join(' '));

const headerField = fc.record({ name: token, value: headerValue })
  .filter((h) => !['l', 'content-length'].includes(h.name.toLowerCase()));

export const sipMessage: fc.Arbitrary<SipMessage> = fc.oneof(
  fc.record({
    kind: fc.constant('request' as const), method: token, version: fc.constant('SIP/2.0'),
    uri: fc.tuple(token, token).map(([u, h]) => `sip:${u}@${h.replace(/[^A-Za-z0-9.-]/g, 'h')}`),
    headers: fc.array(headerField, { maxLength: 12 }), body: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  }),
  fc.record({
    kind: fc.constant('response' as const), status: fc.integer({ min: 100, max: 699 }), version: fc.constant('SIP/2.0'),
    reason: headerValue, headers: fc.array(headerField, { maxLength: 12 }), body: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  }),
);

/*
 * Near-valid header values for the §25.1 grammar of Via, name-addr, SIP-URI, media-type and
 * generic-param: well-formed structure, then a few pieces inserted, deleted or swapped, so the
 * inputs sit on the edge between accepted and rejected where a fast scanner could disagree with
 * the parser it replaces.
 */
const lws = fc.constantFrom('', '', ' ', '\t', '  ');
const pName = fc.constantFrom('branch', 'BRANCH', 'tag', 'Tag', 'lr', 'rport', 'received', 'q', '+sip.instance', 'x', 'ta', 'branchx');
const pValue = fc.constantFrom('z9hG4bK1', '1', '', '"q"', '"a\\"b"', '"<urn:x>"', '"open', '"esc\\', '[::1]', 'a=b');
const param = fc.tuple(lws, lws, pName, lws, fc.option(fc.tuple(lws, pValue), { nil: undefined }))
  .map(([a, b, n, c, v]) => `${a};${b}${n}${c}${v === undefined ? '' : `=${v[0]}${v[1]}`}`);
const params = fc.array(param, { maxLength: 4 }).map((p) => p.join(''));
const host = fc.constantFrom('h', 'a.example.com', '192.0.2.1', '[2001:db8::1]', '[::1]', '[]', '[g]', 'a_b-c', 'h h', '');
const port = fc.constantFrom('', ':5060', ':0', ':65535', ':65536', ':123456', ':', ': 5060', ':x');
const userinfo = fc.constantFrom('', 'alice@', 'a:pw@', ':pw@', '@', '%41b@', 'a;b@');
const sipUri = fc.tuple(fc.constantFrom('sip:', 'SIP:', 'sips:', 'tel:', 'urn:x:', 'sip', '1x:'), userinfo, host, port,
  fc.constantFrom('', ';lr', ';transport=tcp', ';=x', ';;a', ';a=b;c', 'x'), fc.constantFrom('', '?a=b', '?=b', '?a=b&=c', '?&', '?x'))
  .map((p) => p.join(''));
const display = fc.constantFrom('', '"Alice" ', '"A \\"B\\"" ', 'Bob ', 'Bob Smith ', '"open ', '"x"', ' ');
const nameAddrValue = fc.tuple(display, fc.boolean(), sipUri, params)
  .map(([d, angle, u, p]) => (angle ? `${d}<${u}>${p}` : `${u}${p}`));
const viaValue = fc.tuple(fc.constantFrom('SIP/2.0/UDP', 'SIP / 2.0 / TCP', 'SIP/2.0', 'SIP/2.0/', 'SIP//UDP', 'sip/2.0/ws'), lws, host, port, params)
  .map(([a, s, h, p, q]) => `${a} ${s}${h}${p}${q}`);
const mediaType = fc.tuple(fc.constantFrom('application', 'text', ' text ', '', 'a b', 'é'), fc.constantFrom('/', '', '//'),
  fc.constantFrom('sdp', 'plain', '', 'x@y', 'sdp '), params).map((p) => p.join(''));
const cseqValue = fc.tuple(lws, fc.constantFrom('1', '0', '2147483647', '2147483648', '123456789012345', '1234567890123456', ''), lws,
  fc.constantFrom(' ', '\t', ''), fc.constantFrom('INVITE', 'OPTIONS', 'BYE', 'INV@ITE', 'invite', ''), lws, fc.constantFrom('', ' x', '\u00a0'))
  .map((p) => p.join(''));
const EDIT = [' ', '\t', ';', '=', '"', '\\', '<', '>', ':', '@', '?', '&', ',', '[', ']', '/', '\u00a0', '\r', 'é'];
/** One edit: insert a significant character, delete one, or leave the value alone. */
const edited = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.tuple(a, fc.nat(), fc.nat(EDIT.length - 1), fc.nat(3)).map(([v, at, e, op]) => {
  const i = v.length === 0 ? 0 : at % (v.length + 1);
  if (op === 1) return v.slice(0, i) + EDIT[e] + v.slice(i);
  if (op === 2) return v.slice(0, i) + v.slice(i + 1);
  return v;
});
export const structured: fc.Arbitrary<string> = fc.oneof(
  edited(params), edited(sipUri), edited(cseqValue), edited(nameAddrValue), edited(viaValue), edited(mediaType),
  fc.array(edited(fc.oneof(nameAddrValue, viaValue)), { minLength: 2, maxLength: 3 }).map((l) => l.join(', ')),
);
