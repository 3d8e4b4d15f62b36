import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseMessage } from '../../../src/sip/codec/parse';
import { serializeMessage } from '../../../src/sip/codec/serialize';
import { header } from '../../../src/sip/message';

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\n/g, '\r\n'), 'utf8');
const rules = (r: { diagnostics: { rule: string }[] }): string[] => r.diagnostics.map((d) => d.rule);
const FIX = join(__dirname, '../../../fixtures/messages');

const OPTIONS = `OPTIONS sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1
Max-Forwards: 70
From: <sip:a@example.com>;tag=1
To: <sip:bob@example.com>
Call-ID: c1@192.0.2.1
CSeq: 1 OPTIONS
Content-Length: 0

`;

describe('parseMessage: fixtures', () => {
  for (const f of readdirSync(FIX).filter((n) => n.endsWith('.sip'))) {
    it(`${f} parses strict with no diagnostics and round-trips`, () => {
      const raw = readFileSync(join(FIX, f));
      const r = parseMessage(raw, { mode: 'strict' });
      expect(r.diagnostics).toEqual([]);
      expect(r.consumed).toBe(raw.length);
      expect(serializeMessage(r.message!).equals(raw)).toBe(true);
    });
  }
});

describe('parseMessage: grammar (RFC 3261 §7, §25)', () => {
  it('parses a request with every field in order and spelling', () => {
    const r = parseMessage(crlf(OPTIONS), { mode: 'strict' });
    expect(r.diagnostics).toEqual([]);
    expect(r.message).toMatchObject({ kind: 'request', method: 'OPTIONS', uri: 'sip:bob@example.com', version: 'SIP/2.0' });
    expect(r.message!.headers.map((h) => h.name)).toEqual(['Via', 'Max-Forwards', 'From', 'To', 'Call-ID', 'CSeq', 'Content-Length']);
    expect(r.headerLines).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  it('unfolds continuation lines (§7.3.1) and accepts compact forms and odd spacing', () => {
    const raw = crlf(OPTIONS.replace('To: <sip:bob@example.com>', 't  :\t<sip:bob@example.com>\n  ;tag=x\n\t;p=1')
      .replace('Call-ID: c1@192.0.2.1', 'i:c1@192.0.2.1'));
    const r = parseMessage(raw, { mode: 'strict' });
    expect(r.diagnostics).toEqual([]);
    expect(header(r.message!, 'To')).toBe('<sip:bob@example.com> ;tag=x ;p=1');
    expect(header(r.message!, 'call-id')).toBe('c1@192.0.2.1');
  });

  it('keeps unknown methods, headers and URI schemes verbatim', () => {
    const raw = crlf(OPTIONS.replace(/OPTIONS/g, 'NEWMETHOD').replace('sip:bob@example.com SIP', 'urn:x-foo:bar SIP') + '')
      .toString().replace('Content-Length: 0', 'X-Weird_Header.1: a,,b  c\r\nContent-Length: 0');
    const r = parseMessage(Buffer.from(raw), { mode: 'strict' });
    expect(r.message).toMatchObject({ method: 'NEWMETHOD', uri: 'urn:x-foo:bar' });
    expect(header(r.message!, 'x-weird_header.1')).toBe('a,,b  c');
    // RFC 4475 §3.3.2: well formed; the only finding is an info that an element may answer 416.
    expect(r.diagnostics.map((d) => [d.rule, d.severity])).toEqual([['RFC3261-8.2.2.1-uri-scheme', 'info']]);
  });

  it('status lines with empty and UTF-8 reason phrases', () => {
    const base = 'Via: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@h>;tag=1\nTo: <sip:b@h>\nCall-ID: x\nCSeq: 1 INVITE\nContent-Length: 0\n\n';
    const empty = parseMessage(crlf('SIP/2.0 200 \n' + base), { mode: 'strict' });
    expect(empty.message).toMatchObject({ kind: 'response', status: 200, reason: '' });
    expect(empty.diagnostics).toEqual([]);
    const noSp = parseMessage(crlf('SIP/2.0 200\n' + base), { mode: 'strict' });
    expect(noSp.message).toMatchObject({ status: 200, reason: '' });
    expect(rules(noSp)).toEqual(['RFC3261-25-reason-phrase']);
    const utf = parseMessage(crlf('SIP/2.0 486 Occupé — très\n' + base), { mode: 'strict' });
    expect(utf.message).toMatchObject({ status: 486, reason: 'Occupé — très' });
    expect(utf.diagnostics).toEqual([]);
    const bad = parseMessage(Buffer.concat([Buffer.from('SIP/2.0 486 Bad \xff\r\n', 'latin1'), crlf(base)]), { mode: 'strict' });
    expect(rules(bad)).toEqual(['RFC3261-25-utf8']);
  });

  it('keeps UTF-8 display names intact (0xA0 octets are not whitespace)', () => {
    const r = parseMessage(crlf(OPTIONS.replace('From: <sip', 'From: "à bientôt" <sip')), { mode: 'strict' });
    expect(header(r.message!, 'from')).toBe('"à bientôt" <sip:a@example.com>;tag=1');
  });

  it('frames the body by Content-Length in octets, body may hold NUL/CR/LF', () => {
    const body = Buffer.from([0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0xe2, 0x82, 0xac, 0x41]);
    const head = crlf(OPTIONS.replace('Content-Length: 0', `Content-Type: application/octet-stream\nContent-Length: ${body.length}`));
    const r = parseMessage(Buffer.concat([head, body]), { mode: 'strict' });
    expect(r.diagnostics).toEqual([]);
    expect(r.message!.body.equals(body)).toBe(true);
  });

  it('reports trailing octets after a datagram body but keeps the message', () => {
    const r = parseMessage(Buffer.concat([crlf(OPTIONS), Buffer.from('junk')]));
    expect(r.message).not.toBeNull();
    expect(r.message!.body.length).toBe(0);
    expect(rules(r)).toEqual(['RFC3261-18.3-trailing-octets']);
    expect(r.diagnostics[0]).toMatchObject({ severity: 'warning', line: 10, column: 1 });
  });

  it('takes the rest of a datagram as body without Content-Length', () => {
    const r = parseMessage(crlf(OPTIONS.replace('Content-Length: 0\n', 'Content-Type: text/plain\n') + 'hello'));
    expect(r.message!.body.toString()).toBe('hello');
    expect(r.diagnostics).toEqual([]);
    const s = parseMessage(crlf(OPTIONS.replace('Content-Length: 0\n', 'Content-Type: text/plain\n') + 'hello'), { mode: 'strict' });
    expect(rules(s)).toEqual(['RFC3261-20.14-content-length-absent']);
  });

  it('reports a truncated body and conflicting Content-Length', () => {
    const t = parseMessage(crlf(OPTIONS.replace('Content-Length: 0', 'Content-Type: text/plain\nContent-Length: 50') + 'abc'));
    expect(rules(t)).toEqual(['RFC3261-18.3-body-truncated']);
    expect(t.message!.body.toString()).toBe('abc');
    const c = parseMessage(crlf(OPTIONS.replace('Content-Length: 0', 'Content-Type: text/plain\nContent-Length: 3\nl: 4') + 'abcd'));
    expect(rules(c)).toEqual(['RFC3261-20.14-content-length-conflict', 'RFC3261-18.3-trailing-octets']);
    const n = parseMessage(crlf(OPTIONS.replace('Content-Length: 0', 'Content-Length: ten')));
    expect(rules(n)).toEqual(['RFC3261-20.14-content-length-value']);
  });

  it('reports header lines without colon, bare LF, missing empty line, start line problems', () => {
    expect(rules(parseMessage(crlf(OPTIONS.replace('Max-Forwards: 70', 'Max-Forwards 70'))))).toEqual(['RFC3261-25-header-colon']);
    const lf = parseMessage(Buffer.from(OPTIONS));
    expect(lf.message).not.toBeNull();
    expect(rules(lf)).toEqual(['RFC3261-7-bare-lf']);
    const noEnd = parseMessage(crlf(OPTIONS.trimEnd()));
    expect(rules(noEnd)).toEqual(['RFC3261-7-no-empty-line']);
    expect(header(noEnd.message!, 'content-length')).toBe('0');
    expect(parseMessage(crlf('INVITE sip:a@b\n\n')).message).toBeNull();
    expect(parseMessage(crlf('INVITE sip:a b@c SIP/2.0\n\n')).message).toBeNull();
    expect(parseMessage(crlf('SIP/2.0 2000 OK\n\n')).message).toBeNull();
    const sp = parseMessage(crlf(OPTIONS.replace('OPTIONS sip:bob@example.com SIP/2.0', 'OPTIONS  sip:bob@example.com SIP/2.0')), { mode: 'strict' });
    expect(sp.message).not.toBeNull();
    expect(rules(sp)).toEqual(['RFC3261-25-start-line-spacing']);
    const ver = parseMessage(crlf(OPTIONS.replace(' SIP/2.0', ' SIP/7.0')), { mode: 'strict' });
    expect(rules(ver)).toEqual(['RFC3261-7.1-sip-version']);
  });

  it('ignores leading CRLFs (§7.5) and counts them in consumed and line numbers', () => {
    const r = parseMessage(Buffer.concat([Buffer.from('\r\n\r\n'), crlf(OPTIONS.replace('Max-Forwards: 70', 'Max-Forwards 70'))]));
    expect(r.message).not.toBeNull();
    expect(r.diagnostics[0]).toMatchObject({ line: 5 }); // 2 CRLFs, start line, Via, then Max-Forwards
    expect(parseMessage(Buffer.from('\r\n\r\n')).message).toBeNull();
    expect(parseMessage(Buffer.alloc(0)).diagnostics[0]?.severity).toBe('error');
  });

  it('enforces limits with a diagnostic and no message', () => {
    const many = crlf(OPTIONS.replace('Content-Length: 0', Array.from({ length: 20 }, (_, i) => `X-${i}: v`).join('\n') + '\nContent-Length: 0'));
    expect(rules(parseMessage(many, { limits: { maxHeaders: 10 } }))).toEqual(['LIMIT-header-count']);
    expect(parseMessage(many, { limits: { maxHeaderBytes: 100 } }).message).toBeNull();
    expect(rules(parseMessage(crlf(OPTIONS.replace('Content-Length: 0', 'Content-Length: 999999')), { limits: { maxBodyBytes: 1000 } }))).toEqual(['LIMIT-body-bytes']);
  });
});

describe('parseMessage: stream framing (§18.3)', () => {
  const two = Buffer.concat([crlf(OPTIONS.replace('Content-Length: 0', 'Content-Type: text/plain\nContent-Length: 5') + 'hello'), Buffer.from('\r\n'), crlf(OPTIONS)]);

  it('cuts consecutive messages at consumed', () => {
    const a = parseMessage(two, { framing: 'stream' });
    expect(a.message!.body.toString()).toBe('hello');
    expect(a.diagnostics).toEqual([]);
    const b = parseMessage(two.subarray(a.consumed), { framing: 'stream' });
    expect(b.message?.kind).toBe('request');
    expect(a.consumed + b.consumed).toBe(two.length);
  });

  it('asks for more octets on every proper prefix', () => {
    const first = parseMessage(two, { framing: 'stream' }).consumed;
    for (let n = 0; n < first; n++) {
      const r = parseMessage(two.subarray(0, n), { framing: 'stream' });
      expect(r.message).toBeNull();
      expect(r.needMore).toBe(true);
    }
  });

  it('requires Content-Length on streams and gives up on an unusable one', () => {
    const r = parseMessage(crlf(OPTIONS.replace('Content-Length: 0\n', '')), { framing: 'stream' });
    expect(rules(r)).toEqual(['RFC3261-18.3-content-length-missing']);
    expect(r.message).not.toBeNull();
    const bad = parseMessage(crlf(OPTIONS.replace('Content-Length: 0', 'Content-Length: x')), { framing: 'stream' });
    expect(bad.message).toBeNull();
    expect(bad.fatal).toBe(true);
  });
});

describe('parseMessage: strict checks stay linear', () => {
  // The strict scanners look at list elements in place; a long comma list (two headers of up to
  // ~100 KiB, under the 256 KiB header limit) must not make any scan quadratic.
  it.each([
    ['angle elements without a colon', '<ab>'],
    ['addr-specs without angle brackets', 'a;b'],
    ['quoted parameters', '<sip:a@h>;q="x"'],
    ['unterminated angle brackets', '<sip:a@h;lr'],
  ])('a 6,000-element Contact and Route of %s', (_, element) => {
    const list = Array.from({ length: 6000 }, () => element).join(', ');
    const raw = crlf(OPTIONS.replace('Content-Length: 0', `Contact: ${list}\nRoute: ${list}\nContent-Length: 0`));
    const t0 = performance.now();
    const r = parseMessage(raw, { mode: 'strict' });
    const took = performance.now() - t0;
    expect(r.message).not.toBeNull();
    expect(took).toBeLessThan(1500);
  });
});
