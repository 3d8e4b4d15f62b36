import fc from 'fast-check';
import { parseFrame } from '../../../src/msrp/parse';
import { serializeFrame } from '../../../src/msrp/serialize';
import { STATUS_COMMENT, header, type MsrpFrame } from '../../../src/msrp/message';
import { MSRP_RULE } from '../../../src/msrp/rules';
import { PATHS, RFC_200, RFC_SEND, crlf, frame } from './frames';

const strict = (b: Buffer) => parseFrame(b, { mode: 'strict' });
const rules = (b: Buffer, mode: 'strict' | 'lenient' = 'strict') => parseFrame(b, { mode }).diagnostics.map((d) => d.rule);

describe('MSRP codec (RFC 4975 §7.1, §7.2, §9)', () => {
  it('parses RFC 4975 §4\'s SEND and 200 and serializes them back octet for octet', () => {
    for (const raw of [RFC_SEND, RFC_200]) expect(serializeFrame(strict(raw).frame!).equals(raw)).toBe(true);
    expect(strict(RFC_200).diagnostics).toEqual([]);
    // The RFC's own example announces 1-25/25 for a 23-octet body (it counted the CRLF before the
    // end-line): strict mode says so, and nothing else.
    expect(rules(RFC_SEND)).toEqual([MSRP_RULE.byteRangeLength]);
    expect(rules(RFC_SEND, 'lenient')).toEqual([]);
    const send = strict(RFC_SEND).frame!;
    expect(send).toMatchObject({ kind: 'request', method: 'SEND', transactionId: 'a786hjs2', flag: '$' });
    expect(send.body!.toString()).toBe('Hey Bob, are you there?');
    expect(header(send, 'message-id')).toBe('87652491');
    expect(strict(RFC_200).frame).toMatchObject({ kind: 'response', status: 200, comment: 'OK', body: null });
    expect(strict(RFC_SEND).headerLines).toEqual([2, 3, 4, 5, 6]);
  });

  it('reads every response code RFC 4975 §10 defines, with and without a comment', () => {
    for (const code of [200, 400, 403, 408, 413, 415, 423, 481, 501, 506]) {
      for (const start of [`MSRP t1234567 ${code} ${STATUS_COMMENT[code]}`, `MSRP t1234567 ${code}`]) {
        const raw = frame(start, ...PATHS, '-------t1234567$');
        const r = strict(raw);
        expect(r.diagnostics).toEqual([]);
        expect(r.frame).toMatchObject({ kind: 'response', status: code });
        expect(serializeFrame(r.frame!).equals(raw)).toBe(true);
      }
    }
  });

  it('keeps the continuation flag ($ + #), bodiless requests (null body) and empty bodies apart', () => {
    const chunk = frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'Byte-Range: 1-*/100', 'Content-Type: text/plain', '', 'abc', '-------t1234567+');
    expect(strict(chunk)).toMatchObject({ diagnostics: [], frame: { flag: '+' } });
    const aborted = frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'Byte-Range: 4-6/100', 'Content-Type: text/plain', '', 'def', '-------t1234567#');
    expect(strict(aborted).frame!.flag).toBe('#');
    const bodiless = strict(frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', '-------t1234567$'));
    expect(bodiless).toMatchObject({ diagnostics: [], frame: { body: null } });
    const empty = frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'Byte-Range: 1-0/0', 'Content-Type: text/plain', '', '', '-------t1234567$');
    const e = strict(empty);
    expect(e.diagnostics).toEqual([]);
    expect(e.frame!.body).toEqual(Buffer.alloc(0));
    expect(serializeFrame(e.frame!).equals(empty)).toBe(true);
  });

  it('keeps a binary body byte for byte, even one holding CRLFs, NULs and dashes of another transaction', () => {
    const body = Buffer.concat([Buffer.from('\r\n\r\n-------zzzz9999$\r\n'), Buffer.from([0, 255, 13, 10, 0])]);
    const raw = Buffer.concat([frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', `Byte-Range: 1-${body.length}/${body.length}`, 'Content-Type: application/octet-stream', ''), body, crlf('\n-------t1234567$\n')]);
    const r = strict(raw);
    expect(r.diagnostics).toEqual([]);
    expect(r.frame!.body!.equals(body)).toBe(true);
    expect(serializeFrame(r.frame!).equals(raw)).toBe(true);
  });

  it('parses an unknown method (RFC 4975 §9 other-method) and keeps unknown headers', () => {
    const r = strict(frame('MSRP t1234567 NICKNAME', ...PATHS, 'Use-Nickname: "Alice"', '-------t1234567$'));
    expect(r.diagnostics).toEqual([]);
    expect(r.frame).toMatchObject({ kind: 'request', method: 'NICKNAME', headers: [{}, {}, { name: 'Use-Nickname', value: '"Alice"' }] });
  });

  it('refuses to serialize a body that holds its own end-line (RFC 4975 §9 data)', () => {
    const f: MsrpFrame = { kind: 'request', method: 'SEND', transactionId: 't1234567', headers: [], body: Buffer.from('x-------t1234567$'), flag: '$' };
    expect(() => serializeFrame(f)).toThrow(/end-line/);
  });

  // Each broken frame, the rule strict mode names, and whether a lenient reader still gets a frame.
  const broken: Array<[string, Buffer, string, boolean]> = [
    ['lower-case protocol name', frame('msrp t1234567 SEND', ...PATHS, 'Message-ID: m1234567', '-------t1234567$'), MSRP_RULE.startLine, true],
    ['transaction id too short', frame('MSRP t12 SEND', ...PATHS, 'Message-ID: m1234567', '-------t12$'), MSRP_RULE.transactionId, true],
    ['lower-case method', frame('MSRP t1234567 send', ...PATHS, 'Message-ID: m1234567', '-------t1234567$'), MSRP_RULE.method, true],
    ['two-digit status', frame('MSRP t1234567 20 OK', ...PATHS, '-------t1234567$'), MSRP_RULE.statusCode, false],
    ['no end-line', frame('MSRP t1234567 SEND', ...PATHS), MSRP_RULE.endLine, false],
    ['end-line of another transaction', frame('MSRP t1234567 SEND', ...PATHS, '-------t7654321$'), MSRP_RULE.endLine, false],
    ['bad continuation flag', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', '-------t1234567!'), MSRP_RULE.endLine, true],
    ['bare LF line ends', Buffer.from(`MSRP t1234567 SEND\n${PATHS.join('\n')}\nMessage-ID: m1234567\n-------t1234567$\n`), MSRP_RULE.bareLf, true],
    ['header without colon', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID m1234567', '-------t1234567$'), MSRP_RULE.headerColon, true],
    ['space before the colon', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID : m1234567', '-------t1234567$'), MSRP_RULE.headerName, true],
    ['no space after the colon', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID:m1234567', '-------t1234567$'), MSRP_RULE.headerSpace, true],
    ['From-Path before To-Path', frame('MSRP t1234567 SEND', PATHS[1]!, PATHS[0]!, 'Message-ID: m1234567', '-------t1234567$'), MSRP_RULE.toPathFirst, true],
    ['no To-Path', frame('MSRP t1234567 SEND', PATHS[1]!, 'Message-ID: m1234567', '-------t1234567$'), MSRP_RULE.missingToPath, true],
    ['URI without transport', frame('MSRP t1234567 SEND', 'To-Path: msrp://127.0.0.1:40002/bob000002', PATHS[1]!, 'Message-ID: m1234567', '-------t1234567$'), MSRP_RULE.uri, true],
    ['Message-ID not an ident', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m!', '-------t1234567$'), MSRP_RULE.messageId, true],
    ['SEND without Message-ID', frame('MSRP t1234567 SEND', ...PATHS, '-------t1234567$'), MSRP_RULE.sendMessageId, true],
    ['Byte-Range grammar', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'Byte-Range: 1-3', 'Content-Type: text/plain', '', 'abc', '-------t1234567$'), MSRP_RULE.byteRange, true],
    ['Byte-Range from 0', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'Byte-Range: 0-2/3', 'Content-Type: text/plain', '', 'abc', '-------t1234567$'), MSRP_RULE.byteRange, true],
    ['Byte-Range and body disagree', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'Byte-Range: 1-5/5', 'Content-Type: text/plain', '', 'abc', '-------t1234567$'), MSRP_RULE.byteRangeLength, true],
    ['Success-Report value', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'Success-Report: maybe', '-------t1234567$'), MSRP_RULE.successReport, true],
    ['Failure-Report value', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'Failure-Report: always', '-------t1234567$'), MSRP_RULE.failureReport, true],
    ['duplicate Message-ID', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'Message-ID: m7654321', '-------t1234567$'), MSRP_RULE.duplicateHeader, true],
    ['body without Content-Type', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', '', 'abc', '-------t1234567$'), MSRP_RULE.bodyWithoutContentType, true],
    ['Content-Type without body', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'Content-Type: text/plain', '-------t1234567$'), MSRP_RULE.contentTypeWithoutBody, true],
    ['Content-Type not last', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'Content-Type: text/plain', 'Content-ID: <x@y>', '', 'abc', '-------t1234567$'), MSRP_RULE.contentTypeLast, true],
    ['MIME header before others', frame('MSRP t1234567 SEND', ...PATHS, 'Content-ID: <x@y>', 'Message-ID: m1234567', 'Content-Type: text/plain', '', 'abc', '-------t1234567$'), MSRP_RULE.mimeHeaderPlace, true],
    ['bad media type', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'Content-Type: text', '', 'abc', '-------t1234567$'), MSRP_RULE.contentType, true],
    ['response with a body', frame('MSRP t1234567 200 OK', ...PATHS, 'Content-Type: text/plain', '', 'abc', '-------t1234567$'), MSRP_RULE.responseBody, true],
    ['REPORT without Status', frame('MSRP t1234567 REPORT', ...PATHS, 'Message-ID: m1234567', '-------t1234567$'), MSRP_RULE.reportStatus, true],
    ['REPORT with Success-Report', frame('MSRP t1234567 REPORT', ...PATHS, 'Message-ID: m1234567', 'Success-Report: yes', 'Status: 000 200 OK', '-------t1234567$'), MSRP_RULE.reportReportHeaders, true],
    ['Status grammar', frame('MSRP t1234567 REPORT', ...PATHS, 'Message-ID: m1234567', 'Status: 200 OK', '-------t1234567$'), MSRP_RULE.status, true],
    ['control octet in a value', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'X-Note: a\x01b', '-------t1234567$'), MSRP_RULE.headerText, true],
    ['invalid UTF-8 in a value', Buffer.concat([frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567'), Buffer.from([0x58, 0x3a, 0x20, 0xc3, 0x28, 13, 10]), crlf('-------t1234567$\n')]), MSRP_RULE.headerText, true],
    ['data CRLF missing', frame('MSRP t1234567 SEND', ...PATHS, 'Message-ID: m1234567', 'Content-Type: text/plain', '', '-------t1234567$'), MSRP_RULE.endLineCrlf, true],
    ['end-line not on its own line', Buffer.from(`MSRP t1234567 SEND\r\n${PATHS.join('\r\n')}\r\nMessage-ID: m1234567-------t1234567$\r\n`), MSRP_RULE.endLineCrlf, true],
  ];

  it.each(broken)('strict mode names what is wrong: %s', (_name, raw, rule, lenientFrame) => {
    const s = strict(raw);
    expect(s.diagnostics.map((d) => d.rule)).toContain(rule);
    const d = s.diagnostics.find((x) => x.rule === rule)!;
    expect(d.message.length).toBeGreaterThan(10);
    expect(d.line).toBeGreaterThanOrEqual(0);
    const lenient = parseFrame(raw);
    expect(lenient.frame !== null).toBe(lenientFrame);
    // Grammar and semantics are strict-only; lenient keeps only what concerns reading the frame at all.
    if (lenientFrame) expect(lenient.diagnostics.filter((x) => x.severity === 'error').length).toBeLessThanOrEqual(s.diagnostics.filter((x) => x.severity === 'error').length);
  });

  it('lenient mode reads a SUT\'s sloppy but framable frame without errors about style', () => {
    const sloppy = Buffer.from(`MSRP t1234567 SEND\r\nFrom-Path:msrp://127.0.0.1:40001/alice0001;tcp\r\nto-path :  msrp://127.0.0.1:40002/bob000002;tcp\r\nContent-Type: text/plain\r\n\r\nhi\r\n-------t1234567$\r\n`);
    const r = parseFrame(sloppy);
    expect(r.diagnostics).toEqual([]);
    expect(header(r.frame!, 'To-Path')).toBe('msrp://127.0.0.1:40002/bob000002;tcp');
    expect(r.frame!.body!.toString()).toBe('hi');
    expect(rules(sloppy)).toEqual(expect.arrayContaining([MSRP_RULE.toPathFirst, MSRP_RULE.headerSpace, MSRP_RULE.headerName, MSRP_RULE.sendMessageId]));
  });

  it('never throws and always answers, whatever the octets (fuzz)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('strict', 'lenient'), (bytes, mode) => {
      const r = parseFrame(Buffer.from(bytes), { mode: mode as 'strict' | 'lenient' });
      expect(r.frame !== null || r.diagnostics.length > 0).toBe(true);
      expect(r.diagnostics.every((d) => d.rule !== MSRP_RULE.internal)).toBe(true);
    }), { numRuns: 2000 });
  });

  it('round-trips generated frames: serialize, then strict parse gives the same frame and no diagnostic', () => {
    const ident = fc.stringMatching(/^[a-z0-9][a-z0-9]{3,20}$/);
    const text = fc.stringMatching(/^[ -~]{0,30}$/).map((s) => s.trim()).filter((s) => s.length > 0);
    const frameArb = fc.record({
      tid: ident, mid: ident, body: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: null }),
      flag: fc.constantFrom('$', '+', '#') as fc.Arbitrary<'$' | '+' | '#'>, note: fc.option(text, { nil: undefined }),
    });
    fc.assert(fc.property(frameArb, ({ tid, mid, body, flag, note }) => {
      const b = body === null ? null : Buffer.from(body);
      fc.pre(b === null || b.indexOf(`-------${tid}`) < 0);
      const headers = [
        { name: 'To-Path', value: 'msrp://127.0.0.1:40002/bob000002;tcp' }, { name: 'From-Path', value: 'msrp://[::1]:40001/alice0001;tcp' },
        { name: 'Message-ID', value: mid }, ...(note ? [{ name: 'X-Note', value: note }] : []),
        ...(b ? [{ name: 'Byte-Range', value: `1-${b.length}/${flag === '$' ? b.length : '*'}` }, { name: 'Content-Type', value: 'application/octet-stream' }] : []),
      ];
      // Byte-Range must stay before Content-Type (§9): put the MIME header last.
      headers.sort((x, y) => Number(x.name === 'Content-Type') - Number(y.name === 'Content-Type'));
      const f: MsrpFrame = { kind: 'request', method: 'SEND', transactionId: tid, headers, body: b, flag };
      const r = strict(serializeFrame(f));
      expect(r.diagnostics).toEqual([]);
      expect(r.frame).toEqual(f);
    }), { numRuns: 500 });
  });
});
