/**
 * The SIP torture-test RFCs against the strict parser and `lint` (issue 16): every message of
 * RFC 4475 (49) and RFC 5118 (12), extracted byte-exact from the RFC texts into
 * fixtures/messages/rfc4475|rfc5118, classified in fixtures/messages/torture.json (section, the
 * RFC's verdict, the lint verdict, the rules expected, a one-line reason). Each message must get
 * the table's verdict from lint and from the strict parser, and the lenient parser the harness
 * receives with must understand every message the RFCs call valid.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { lintMessage, formatLintJson, type LintVerdict } from '../../../src/sip/lint/lint';
import { runLint } from '../../../bin/commands/lint';
import { parseMessage } from '../../../src/sip/codec/parse';
import { TraceRecorder } from '../../../src/sip/transport/trace-recorder';
import type { Tap, TraceEntry } from '../../../src/sip/transport/tap';
import { header } from '../../../src/sip/message';
import { topVia } from '../../../src/sip/headers/via';
import { cseq } from '../../../src/sip/headers/cseq';
import { parseNameAddr } from '../../../src/sip/headers/name-addr';
import { parseUri } from '../../../src/sip/uri';

interface Entry {
  rfc: '4475' | '5118';
  section: string;
  name: string;
  file: string;
  rfcVerdict: 'valid' | 'invalid' | 'semantic';
  severity?: 'error' | 'warning' | 'info';
  lint: LintVerdict;
  rules: string[];
  reason: string;
  elementMayAccept?: string;
  deviation?: string;
  sha256: string;
}

const FIX = join(__dirname, '../../../fixtures/messages');
const TABLE = JSON.parse(readFileSync(join(FIX, 'torture.json'), 'utf8')) as Entry[];
const raw = (e: Entry): Buffer => readFileSync(join(FIX, e.file));

/** The lint verdict the RFC's words call for: a semantic finding fails only when the RFC implies rejecting the message (error). */
function expected(e: Entry): LintVerdict {
  if (e.rfcVerdict === 'semantic') return e.severity === 'error' ? 'semantic' : 'valid';
  return e.rfcVerdict;
}

describe('torture table (fixtures/messages/torture.json)', () => {
  it('holds every message of both RFCs once, byte-exact (SHA-256), with CRLF line ends', () => {
    expect(TABLE.filter((e) => e.rfc === '4475')).toHaveLength(49);
    expect(TABLE.filter((e) => e.rfc === '5118')).toHaveLength(12);
    for (const dir of ['rfc4475', 'rfc5118']) {
      const files = readdirSync(join(FIX, dir)).sort();
      expect(files).toEqual(TABLE.filter((e) => e.file.startsWith(dir + '/')).map((e) => e.file.slice(dir.length + 1)).sort());
    }
    for (const e of TABLE) {
      const b = raw(e);
      expect([e.name, createHash('sha256').update(b).digest('hex')]).toEqual([e.name, e.sha256]);
      const head = b.subarray(0, b.indexOf('\r\n\r\n') < 0 ? b.length : b.indexOf('\r\n\r\n'));
      expect([e.name, head.includes('\n', 0) && /[^\r]\n/.test(head.toString('latin1'))]).toEqual([e.name, false]);
      expect(e.reason.length).toBeGreaterThan(10);
      expect(e.reason).not.toContain('\n');
    }
  });

  it('differs from the RFC only where a deviation says why', () => {
    const otherwise = TABLE.filter((e) => e.lint !== expected(e));
    expect(otherwise.map((e) => e.name)).toEqual(TABLE.filter((e) => e.deviation).map((e) => e.name));
    expect(otherwise.map((e) => e.name)).toEqual(['ipv6-in-sdp']);
    const matching = TABLE.filter((e) => lintMessage(raw(e), e.file).verdict === expected(e)).length;
    process.stdout.write(`torture: ${TABLE.length} messages (RFC 4475: 49, RFC 5118: 12), ${matching} classified as the RFC says, `
      + `${TABLE.length - matching} otherwise: ${otherwise.map((e) => `RFC ${e.rfc} §${e.section} ${e.name}`).join(', ')}\n`);
  });
});

describe.each(TABLE.map((e) => [`${e.rfc} §${e.section} ${e.name}`, e] as const))('RFC %s', (_, e) => {
  it(`lint: ${e.lint}${e.rules.length ? ` with ${e.rules.join(', ')}` : ''}`, () => {
    const m = lintMessage(raw(e), e.file);
    const seen = m.diagnostics.map((d) => `${d.rule}:${d.severity}`);
    expect([e.name, m.verdict, seen]).toEqual([e.name, e.lint, expect.arrayContaining(e.rules.map((r) => expect.stringMatching(`^${r.replace(/\./g, '\\.')}:`)))]);
    const errors = m.diagnostics.filter((d) => d.severity === 'error');
    if (e.lint === 'valid') expect(errors).toEqual([]);
    else {
      // Syntactically invalid or semantically wrong: each error names its rule and an octet position.
      expect(errors.length).toBeGreaterThan(0);
      for (const d of errors) expect(d.offset).toBeGreaterThanOrEqual(0);
      if (e.lint === 'invalid') expect(errors.some((d) => d.kind === 'syntax')).toBe(true);
      else expect(errors.every((d) => d.kind === 'semantic')).toBe(true);
    }
    if (e.rfcVerdict === 'semantic' && e.rules.length > 0) {
      expect(m.diagnostics.some((d) => e.rules.includes(d.rule) && d.kind === 'semantic' && d.severity === e.severity)).toBe(true);
    }
  });

  it('the strict parser gives the same verdict; the lenient parser never throws', () => {
    const b = raw(e);
    const strict = parseMessage(b, { mode: 'strict' });
    expect(strict.message !== null && !strict.diagnostics.some((d) => d.severity === 'error')).toBe(e.lint === 'valid');
    for (const framing of ['datagram', 'stream'] as const) {
      const lenient = parseMessage(b, { mode: 'lenient', framing });
      expect(lenient.diagnostics.filter((d) => d.rule.startsWith('INTERNAL'))).toEqual([]);
    }
  });

  if (e.rfcVerdict !== 'invalid') {
    it('arriving from a SUT it is a SIP message to the harness, not a syntax failure', () => {
      // What the transports do with received octets (lenient parse; runner.ts fails a case for
      // octets that yield no message and marks those with error diagnostics as malformed).
      const entries: TraceEntry[] = [];
      const tap = { record: (x: Omit<TraceEntry, 'seq'>) => { const t = { ...x, seq: entries.length } as TraceEntry; entries.push(t); return t; } } as unknown as Tap;
      const flow = { protocol: 'udp' as const, local: { host: '127.0.0.1', port: 5060 }, remote: { host: '127.0.0.2', port: 5070 } };
      const { inbound } = new TraceRecorder(tap, 'device').received(flow, raw(e));
      expect(inbound.message).not.toBeNull();
      const errors = inbound.diagnostics.filter((d) => d.severity === 'error').map((d) => d.rule);
      // Messages the RFC would have an element accept arrive clean; the semantically wrong ones
      // (insuf, multi01, mcl01, unksm2) and the documented deviation may carry framing errors.
      if (expected(e) === 'valid' && !e.deviation) expect(errors).toEqual([]);
      // ...and the typed views the transaction layer and the suites read are there.
      const m = inbound.message!;
      if (expected(e) !== 'valid') return;
      expect(topVia(m)).not.toBeNull();
      expect(cseq(m)).not.toBeNull();
      for (const h of ['from', 'to']) expect([h, parseNameAddr(header(m, h) ?? '')]).not.toEqual([h, null]);
      if (m.kind === 'request' && /^sips?:/i.test(m.uri)) expect(parseUri(m.uri)).not.toBeNull();
    });
  }
});

describe('lint CLI over the torture corpus', () => {
  const files = (f: (e: Entry) => boolean): string[] => TABLE.filter(f).map((e) => join(FIX, e.file));
  const sink = (): void => undefined;

  it('exits 0 for every message it calls valid (warnings allowed) and 1 for each of the others', () => {
    expect(runLint(files((e) => e.lint === 'valid'), false, sink, sink)).toBe(0);
    for (const f of files((e) => e.lint !== 'valid')) expect([f, runLint([f], false, sink, sink)]).toEqual([f, 1]);
  });

  it('--format json prints one object per message: verdict, findings with rule, severity, line, column, offset', () => {
    let out = '';
    expect(runLint(files(() => true), false, (s) => { out += s; }, sink, 'json')).toBe(1);
    const objs = out.trimEnd().split('\n').map((l) => JSON.parse(l) as { source: string; verdict: string; findings: Record<string, unknown>[] });
    expect(objs).toHaveLength(TABLE.length);
    for (const [i, o] of objs.entries()) {
      expect(o.verdict).toBe(TABLE[i]!.lint);
      for (const f of o.findings) expect(Object.keys(f)).toEqual(['rule', 'severity', 'kind', 'line', 'column', 'offset', 'message']);
    }
    const esc = objs.find((o) => o.source.endsWith('escruri.sip'))!;
    // "INVITE sip:user@example.com?Route=..." — the "?" is octet 27 of the file.
    expect(esc.findings[0]).toMatchObject({ rule: 'RFC3261-19.1.1-request-uri-headers', severity: 'error', line: 1, column: 28, offset: 27 });
    // A truncated body is placed at the Content-Length value that promised the missing octets.
    const clerr = objs.find((o) => o.source.endsWith('clerr.sip'))!;
    expect(clerr.findings[0]).toMatchObject({ rule: 'RFC3261-18.3-body-truncated', line: 10, column: 17 });
    expect(readFileSync(join(FIX, 'rfc4475/clerr.sip')).toString('latin1', clerr.findings[0]!['offset'] as number).startsWith('9999\r\n')).toBe(true);
    expect(formatLintJson({ messages: [], problems: [] })).toBe('');
    expect(runLint(files(() => true), false, sink, sink, 'xml')).toBe(2);
  });
});
