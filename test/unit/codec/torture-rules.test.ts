/**
 * The grammar details the SIP torture tests exposed (issue 16), one by one: quoted-pairs of
 * control characters, "?" in a SIP URI's userinfo, headers in a Request-URI, the SIP-date, and
 * the name-addr rules `nameAddrShape` leaves to the strict checks.
 */
import { bareCtlAt } from '../../../src/sip/codec/octets';
import { parseMessage } from '../../../src/sip/codec/parse';
import { parseUri, isParsableUri, sipUriHeadersAt } from '../../../src/sip/uri';
import { nameAddrGrammarIssue, NA_ADDR_SPEC_RESERVED, NA_ANGLE_SPACE, NA_DISPLAY_NAME } from '../../../src/sip/headers/name-addr';

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\n/g, '\r\n'), 'latin1');
const rules = (b: Buffer): string[] => parseMessage(b, { mode: 'strict' }).diagnostics.map((d) => `${d.rule}:${d.severity}`);
const OPTIONS = (extra: string, uri = 'sip:bob@example.com'): Buffer => crlf(`OPTIONS ${uri} SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1
Max-Forwards: 70
From: <sip:a@example.com>;tag=1
To: <sip:bob@example.com>
Call-ID: c1@192.0.2.1
CSeq: 1 OPTIONS
${extra}Content-Length: 0

`);

describe('RFC 3261 §25.1 quoted-pair = "\\" (%x00-09 / %x0B-0C / %x0E-7F)', () => {
  it('a CTL escaped inside a quoted-string is legal; a bare one, or an escaped CR/LF, is not', () => {
    expect(bareCtlAt('"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:a@b>')).toBe(-1);
    expect(bareCtlAt('"BEL:\x07" <sip:a@b>')).toBe(5);
    expect(bareCtlAt('BEL:\\\x07')).toBe(5); // outside quotes a backslash escapes nothing
    expect(bareCtlAt('"a\\\rb"')).toBe(3);
    expect(bareCtlAt('a\tb')).toBe(-1);
    expect(rules(OPTIONS('Subject: "x\\\x01y"\n'))).toEqual([]);
    expect(rules(OPTIONS('Subject: "x\x01y"\n'))).toEqual(['RFC3261-25-header-value-ctl:error']);
  });
});

describe('SIP URI userinfo (§25.1 user-unreserved includes "?")', () => {
  it('a "?" before the "@" is part of the user when every character before the "@" is userinfo', () => {
    expect(parseUri('sip:crazy?,/;;*:pa$s@example.com')).toMatchObject({ user: 'crazy?,/;;*', password: 'pa$s', host: 'example.com', headers: {} });
    expect(isParsableUri('sip:crazy?,/;;*:pa$s@example.com')).toBe(true);
    expect(sipUriHeadersAt('sip:crazy?x@example.com')).toBe(-1);
    // not userinfo characters before the "@": the "?" starts the headers, as before
    expect(parseUri('sip:h?X=a<b@c')).toMatchObject({ host: 'h', headers: { X: 'a<b@c' } });
    expect(sipUriHeadersAt('sip:user@example.com?Route=%3Csip:example.com%3E')).toBe(20);
  });

  it('a Request-URI with headers is an error at the "?" (§19.1.1); other schemes get an info (§8.2.2.1)', () => {
    const b = OPTIONS('', 'sip:bob@example.com?Subject=x');
    expect(parseMessage(b, { mode: 'strict' }).diagnostics).toEqual([expect.objectContaining({ rule: 'RFC3261-19.1.1-request-uri-headers', severity: 'error', line: 1, column: 28 })]);
    expect(rules(OPTIONS('', 'tel:+15551234'))).toEqual(['RFC3261-8.2.2.1-uri-scheme:info']);
  });
});

describe('Date = rfc1123-date in GMT (§20.17, §25.1)', () => {
  it.each([
    ['Sat, 15 Oct 2005 04:44:56 GMT', []],
    ['Fri, 01 Jan 2010 16:00:00 EST', ['RFC3261-25-sip-date:error']],
    ['Fri, 01 Jan 2010 16:00:00 UT', ['RFC3261-25-sip-date:error']],
    ['Friday, 01 Jan 2010 16:00:00 GMT', ['RFC3261-25-sip-date:error']],
  ])('%s', (date, want) => { expect(rules(OPTIONS(`Date: ${date}\n`))).toEqual(want); });
});

describe('name-addr details (§20.10, §25.1 LAQUOT / RAQUOT / display-name)', () => {
  const code = (v: string, brackets = true): number => { const r = nameAddrGrammarIssue(v, 0, v.length, brackets); return r < 0 ? r : r & 3; };
  it('accepts the usual forms and a token run straight into "<" (RFC 4475 §3.1.1.6)', () => {
    for (const v of ['<sip:a@b>', '"A, B" <sip:a@b>;tag=1', 'A B <sip:a@b>', 'caller<sip:a@b>', 'sip:a@b;tag=1', "token1~` token2'+_ <sip:m@e>"]) expect([v, code(v)]).toEqual([v, -1]);
  });
  it('flags whitespace inside the brackets, a non-token display name, "?" or "," in an addr-spec', () => {
    expect(code('"W, T" < sip:t@e >')).toBe(NA_ANGLE_SPACE);
    expect(code('<sip:t@e >')).toBe(NA_ANGLE_SPACE);
    expect(code('Bell, Alexander <sip:a@b>')).toBe(NA_DISPLAY_NAME);
    expect(code('sip:user@example.com?Route=x')).toBe(NA_ADDR_SPEC_RESERVED);
    expect(code('sip:user@example.com?Route=x', false)).toBe(-1);
    expect(nameAddrGrammarIssue('x < sip:a@b>') >> 2).toBe(3);
  });
  it('Via: a received parameter in brackets is a warning (RFC 5118 §4.5), a top Via without branch too (RFC 2543)', () => {
    expect(rules(crlf('OPTIONS sip:b@h SIP/2.0\nVia: SIP/2.0/UDP [2001:db8::1];received=[2001:db8::2];branch=z9hG4bK1\nMax-Forwards: 70\nFrom: <sip:a@h>;tag=1\nTo: <sip:b@h>\nCall-ID: x\nCSeq: 1 OPTIONS\n\n')))
      .toEqual(['RFC3261-25-via-received:warning']);
    expect(rules(crlf('OPTIONS sip:b@h SIP/2.0\nVia: SIP/2.0/UDP h\nMax-Forwards: 70\nFrom: <sip:a@h>;tag=1\nTo: <sip:b@h>\nCall-ID: x\nCSeq: 1 OPTIONS\n\n')))
      .toEqual(['RFC3261-8.1.1.7-via-branch:warning']);
  });
});
