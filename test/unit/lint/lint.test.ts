import { mkdtempSync, writeFileSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { lintFiles, lintMessage, formatLint } from '../../../src/sip/lint/lint';
import { runLint } from '../../../bin/commands/lint';
import { writePcap } from '../../../src/sip/pcap/writer';
import type { TraceEntry } from '../../../src/sip/transport/tap';

const ROOT = join(__dirname, '../../..');
const FIX = join(ROOT, 'fixtures/messages');
const fixtures = readdirSync(FIX).filter((n) => n.endsWith('.sip')).map((n) => join(FIX, n));

const BAD = [
  'INVITE sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1',
  'Max-Forwards: 300',
  'From: <sip:a@example.com>;tag=1',
  'To: <sip:bob@example.com>',
  'CSeq: 1 BYE',
  'Content-Length: 0', '', '',
].join('\r\n');

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lint-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('lint logic', () => {
  it('every fixture is well formed', () => {
    const o = lintFiles(fixtures);
    expect(o.messages.map((m) => [m.source, m.diagnostics])).toEqual(fixtures.map((f) => [f, []]));
    expect(o.messages.every((m) => m.wellFormed)).toBe(true);
  });

  it('reports missing Call-ID, Max-Forwards range and CSeq method mismatch with lines', () => {
    const m = lintMessage(Buffer.from(BAD), 'bad.sip');
    expect(m.wellFormed).toBe(false);
    expect(m.diagnostics.map((d) => [d.rule, d.line])).toEqual([
      ['RFC3261-8.1.1-missing-header', 1],
      ['RFC3261-8.1.1.5-cseq-method', 6],
      ['RFC3261-8.1.1.6-max-forwards-range', 3],
    ]);
    expect(formatLint({ messages: [m], problems: [] })).toContain('bad.sip:6:1: error RFC3261-8.1.1.5-cseq-method: the CSeq method BYE differs from the request method INVITE');
  });

  it('duplicate single-value headers, bad status, bad Via', () => {
    const r = lintMessage(Buffer.from('SIP/2.0 700 Odd\r\nVia: SIP/2.0 nohost\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nTo: <sip:c@h>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n'), 'r');
    expect(r.diagnostics.map((d) => d.rule).sort()).toEqual(['RFC3261-21-status-range', 'RFC3261-25-via', 'RFC3261-7.3.1-duplicate-header']);
  });

  it('runLint exit codes: 0 well formed, 1 not, 2 usage', () => {
    const bad = join(dir, 'bad.sip');
    writeFileSync(bad, BAD);
    const sink = (): void => undefined;
    expect(runLint(fixtures, false, sink, sink)).toBe(0);
    expect(runLint([...fixtures, bad], false, sink, sink)).toBe(1);
    expect(runLint([], false, sink, sink)).toBe(2);
    expect(runLint([join(dir, 'missing.sip')], false, sink, sink)).toBe(2);
  });

  it('--pcap lints every SIP message of a capture', () => {
    const flow = { protocol: 'udp' as const, local: { host: '127.0.0.1', port: 5060 }, remote: { host: '127.0.0.2', port: 5070 } };
    const entries: TraceEntry[] = [Buffer.from(BAD), ...fixtures.slice(0, 2).map((f) => readFileSync(f))]
      .map((raw, seq) => ({ seq, at: BigInt(seq), wallMs: 1_700_000_000_000 + seq, direction: 'sent' as const, flow, raw, message: null }));
    const cap = join(dir, 'trace.pcap');
    writeFileSync(cap, writePcap(entries));
    const o = lintFiles([cap], { pcap: true });
    expect(o.messages.map((m) => m.wellFormed)).toEqual([false, true, true]);
    expect(o.messages[0]!.source).toMatch(/trace\.pcap#0 udp 127\.0\.0\.1:5060 -> 127\.0\.0\.2:5070/);
    expect(runLint([cap], true, () => undefined, () => undefined)).toBe(1);
  });

  const cli = join(ROOT, 'dist/bin/cpm-conformance.js');
  (existsSync(cli) ? it : it.skip)('the built CLI exits 0 / 1 / 2', () => {
    const run = (args: string[]): number | null => spawnSync(process.execPath, [cli, 'lint', ...args], { encoding: 'utf8', timeout: 20_000 }).status;
    const bad = join(dir, 'bad2.sip');
    writeFileSync(bad, BAD);
    expect(run(fixtures)).toBe(0);
    expect(run([bad])).toBe(1);
    expect(run([])).toBe(2);
  });
});
