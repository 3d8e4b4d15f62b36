/**
 * What `cpm-conformance run` and `report` leave behind, end to end with the built CLI: the
 * baseline flow (write, known deviation, fixed), per-case pcaps that tshark decodes with as many
 * SIP messages as the trace has, and an HTML report with no third-party or analytics script, its
 * history per results set by default (<results>.history.jsonl: one entry per run, rebuilds aside). The
 * conformance matrix, JUnit and environment of a full default run are read in
 * test/integration/cli/run.test.ts, from the one full run that file makes.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readVerdicts } from '../../reporters/verdict-log';
import { scanForThirdParty } from '../../reporters/html-report';
import type { ConformanceReport } from '../../reporters/matrix';
import { tsharkCheckPcap } from '../interop/support/tshark';
import { cli } from './support/cli';

jest.setTimeout(6 * 60_000);

interface Attachment { name: string; source: string; type: string }
/** Allure 3 keeps a test's own attachments as status-less pseudo-steps (research P13): collect both. */
function attachmentsOf(r: { attachments?: Attachment[]; steps?: Array<{ attachments?: Attachment[] }> }): Attachment[] {
  return [...(r.attachments ?? []), ...(r.steps ?? []).flatMap((s) => s.attachments ?? [])];
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-reports-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function haveTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

describe('a run with a reference fault', () => {
  const results = path.join(tmp, 'fault');
  const baseline = path.join(tmp, 'baseline.json');
  let first: ReturnType<typeof cli>;
  beforeAll(() => {
    first = cli(['run', '--results', results, '--mode', 'proxy', '--reference-fault', 'leave-ok-wrong-cseq', '--grep', '^TC-LEAVE-0[12]', '--write-baseline', baseline]);
  });

  it('fails, with FAIL in the matrix, failed Allure results in the SUT non-conformance category and the evidence attached', () => {
    expect(first.code).toBe(1);
    expect(first.out).toMatch(/baseline of 8 known deviation\(s\) written/);
    const m = JSON.parse(fs.readFileSync(path.join(results, 'conformance', 'conformance-report.json'), 'utf8')) as ConformanceReport;
    expect(m.requirements.find((r) => r.id === 'LEAVE-OK')!.verdict).toBe('fail');
    const res = fs.readdirSync(results).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(fs.readFileSync(path.join(results, f), 'utf8')));
    const failed = res.find((r) => String(r.name).startsWith('TC-LEAVE-01 [udp, direct'));
    expect(failed.status).toBe('failed');
    expect(failed.statusDetails.message).toMatch(/^FAIL LEAVE-OK/);
    const names = attachmentsOf(failed).map((a) => `${a.name} ${a.type}`);
    expect(names).toEqual(expect.arrayContaining(['SIP ladder diagram text/html', 'trace.pcap (Wireshark) application/vnd.tcpdump.pcap']));
    const cats = JSON.parse(fs.readFileSync(path.join(results, 'categories.json'), 'utf8')) as Array<{ name: string }>;
    expect(cats.map((c) => c.name)).toEqual(expect.arrayContaining(['SUT non-conformance', 'Inconclusive', 'Harness error', 'Not applicable (ICS)']));
    const rec = readVerdicts(path.join(results, 'cpm-verdicts.jsonl'))[0];
    expect(fs.existsSync(path.join(results, rec.artifacts!.ladder))).toBe(true);
    expect(fs.existsSync(path.join(results, rec.artifacts!.exchange))).toBe(true);
  });

  (haveTshark() || process.env.CI === 'true' ? it : it.skip)('writes one pcap per case that tshark decodes with as many SIP messages as the trace has', async () => {
    const res = fs.readdirSync(results).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(fs.readFileSync(path.join(results, f), 'utf8')));
    let checked = 0;
    for (const r of res) {
      const att = attachmentsOf(r);
      const trace = JSON.parse(fs.readFileSync(path.join(results, att.find((a) => a.name === 'merged trace (JSON)')!.source), 'utf8')) as
        Array<{ direction: string; owner: string; text: string; flow: { protocol: string; local: { host: string; port: number }; remote: { host: string; port: number } } }>;
      // The wire messages of the trace: a message sent by one of our sockets and received by another is one message.
      const ends = (e: (typeof trace)[number]) => (e.direction === 'sent' ? [e.flow.local, e.flow.remote] : [e.flow.remote, e.flow.local]).map((a) => `${a.host}:${a.port}`).join('>');
      const open: Array<(typeof trace)[number]> = [];
      const lines: string[] = [];
      const ports = new Set<number>();
      for (const e of trace) {
        if (e.text.trim() === '') continue;
        ports.add(e.flow.local.port).add(e.flow.remote.port);
        const twin = open.findIndex((o) => o.direction !== e.direction && o.text === e.text && ends(o) === ends(e));
        if (twin >= 0) {
          open.splice(twin, 1);
          continue;
        }
        open.push(e);
        lines.push(e.text.split('\r\n')[0]);
      }
      const pcap = fs.readFileSync(path.join(results, att.find((a) => a.name === 'trace.pcap (Wireshark)')!.source));
      const check = await tsharkCheckPcap(pcap, lines, { ports: [...ports] });
      expect({ key: r.name, problems: check.problems }).toEqual({ key: r.name, problems: [] });
      expect(check.sipMessages).toBe(lines.length);
      expect(check.sipMessages).toBeGreaterThan(10);
      checked++;
    }
    expect(checked).toBe(8);
  });

  it('with --baseline the recorded failures are known deviations: summary says so, exit 0, Allure category Known deviation', () => {
    const again = path.join(tmp, 'again');
    const r = cli(['run', '--results', again, '--mode', 'proxy', '--reference-fault', 'leave-ok-wrong-cseq', '--grep', '^TC-LEAVE-0[12]', '--baseline', baseline]);
    expect(r.out).toMatch(/8 known deviation \(xfail\)/);
    expect(r.out).toMatch(/XFAIL\s+TC-LEAVE-01/);
    expect(r.code).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(again, 'conformance', 'conformance-report.json'), 'utf8')) as ConformanceReport;
    expect(m.totals.byBaseline).toMatchObject({ known: 8 });
    expect(fs.readFileSync(path.join(again, 'conformance', 'conformance-report.md'), 'utf8')).toContain('XFAIL (known deviation)');
    const res = fs.readdirSync(again).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(fs.readFileSync(path.join(again, f), 'utf8')));
    expect(res.filter((x) => /^Known deviation/.test(x.statusDetails?.message ?? ''))).toHaveLength(8);
  });

  it('against the correct server the known deviations show as fixed (xfail→PASS)', () => {
    const fixed = path.join(tmp, 'fixed');
    const r = cli(['run', '--results', fixed, '--grep', '^TC-LEAVE-0[12]', '--baseline', baseline]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/8 fixed \(xfail→PASS\)/);
    expect(r.out).toMatch(/xfail→PASS\s+TC-LEAVE-02/);
  });

  it('builds the HTML report offline with history, and no third-party or analytics script survives', () => {
    const out = path.join(tmp, 'html');
    const history = path.join(tmp, 'history.jsonl');
    const lines = (f: string) => fs.readFileSync(f, 'utf8').trim().split('\n').length;
    // Without --history the history is the results set's own: <results>.history.jsonl, not beside --out.
    const own = `${results}.history.jsonl`;
    for (let i = 0; i < 2; i++) {
      const r = cli(['report', '--results', results, '--out', out], 120_000);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/third-party script\(s\) removed/);
      expect(r.out).toContain(`; history ${own}\n`);
    }
    // One entry per run, whatever the number of rebuilds (issue 13).
    expect(lines(own)).toBe(1);
    // Another SUT's results under the same parent, reported into the same parent: a history of its own.
    const other = path.join(tmp, 'other-sut');
    fs.cpSync(results, other, { recursive: true });
    const env = path.join(other, 'environment.properties');
    fs.writeFileSync(env, fs.readFileSync(env, 'utf8').replace(/^sut\.name=.*$/m, 'sut.name=Other vendor CPM server'));
    expect(cli(['report', '--results', other, '--out', path.join(tmp, 'html-other')], 120_000).code).toBe(0);
    expect([lines(own), lines(`${other}.history.jsonl`)]).toEqual([1, 1]);
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.jsonl')).sort()).toEqual(['fault.history.jsonl', 'other-sut.history.jsonl']);
    expect(fs.existsSync(path.join(out, 'conformance', 'conformance-report.md'))).toBe(true);
    expect(fs.readFileSync(path.join(out, 'index.html'), 'utf8')).toContain('href="conformance/conformance-report.html"');
    expect(fs.existsSync(path.join(out, 'widgets', 'metrics.json'))).toBe(true);
    const single = path.join(tmp, 'single');
    expect(cli(['report', '--results', results, '--out', single, '--single-file', '--history', history], 120_000).code).toBe(0);
    // --history chooses the file: the default one is left as it was.
    expect([lines(history), lines(own)]).toEqual([1, 1]);
    for (const dir of [out, single]) {
      expect(scanForThirdParty(dir)).toEqual([]);
      // An independent look at every generated text file, not relying on the scanner above.
      const files: string[] = [];
      const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name))));
      walk(dir);
      for (const f of files.filter((x) => /\.(html|js|json|svg|css)$/.test(x))) {
        const text = fs.readFileSync(f, 'utf8');
        expect({ f, hit: /googletagmanager|google-analytics|gtag\(|<script[^>]+src=["']?(https?:)?\/\//i.exec(text)?.[0] ?? null }).toEqual({ f, hit: null });
      }
    }
  });
});
