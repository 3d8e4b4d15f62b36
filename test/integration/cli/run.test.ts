/**
 * `cpm-conformance run` end to end, as a user runs it: the built CLI (dist/, built by `npm test`
 * and by `npm install`'s prepare script) against the built-in reference server (live output,
 * Allure results, the conformance matrix, JUnit, environment — as the report shows it, agreeing
 * with the matrix, with no harness User-Agent taken for the SUT's), against a dead
 * target, with a malformed target config, and with the reference as an RFC 4976 MSRP relay.
 */
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REQUIREMENTS } from '../../../src/harness/requirements';
import type { ConformanceReport } from '../../../reporters/matrix';
import { polishResults, readProperties } from '../../../reporters/allure-polish';
import { readVerdicts } from '../../../reporters/verdict-log';

jest.setTimeout(5 * 60_000);

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'bin', 'cpm-conformance.js');

function cli(args: string[], timeoutMs = 240_000) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function resultFiles(dir: string): Array<Record<string, unknown>> {
  return fs.readdirSync(dir).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
}

/** A loopback UDP port nobody listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('cpm-conformance run', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-run-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  // One full default run (the README's main command) serves the three tests below: it is the costliest
  // thing this file does, and what each test reads of it is independent.
  const results = path.join(tmp, 'ref');
  let full: ReturnType<typeof cli> | undefined;
  const fullRun = (): ReturnType<typeof cli> => (full ??= cli(['run', '--results', results]));

  it('against the built-in reference server: live lines, summary, exit 0, Allure results with labels, links and per-step SIP', () => {
    const r = fullRun();
    expect(r.err).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
    expect(r.out).toMatch(/^PASS\s+TC-LEAVE-01 \[udp, direct/m);
    expect(r.out).toMatch(/^LEAVE-ORIG\s+flow/m);
    expect(r.out).toMatch(/case variants: \d+ pass/);
    expect(r.code).toBe(0);
    const files = resultFiles(results);
    expect(files.length).toBeGreaterThanOrEqual(12);
    const one = files.find((f) => String(f.name).startsWith('TC-LEAVE-01 [tcp, core-emulation')) as {
      status: string; labels: Array<{ name: string; value: string }>; links: Array<{ url: string }>; description: string;
      steps: Array<{ name: string; attachments: unknown[]; steps?: Array<{ attachments?: Array<{ source: string }> }> }>;
    };
    expect(one.status).toBe('passed');
    const labels = (n: string) => one.labels.filter((l) => l.name === n).map((l) => l.value);
    expect(labels('epic')).toEqual(['OMA CPM']);
    expect(labels('feature')[0]).toMatch(/C\.2\.3\.1/);
    expect(labels('story')).toEqual(expect.arrayContaining(['LEAVE-ORIG', 'LEAVE-TERM', 'LEAVE-OK']));
    expect(one.description).toContain('CPM Client A sends a CPM Session leaving request to CPM Client B.');
    expect(one.links.length).toBeGreaterThan(0);
    const stepNames = one.steps.map((s) => s.name);
    for (const n of ['Step 1:', 'Step 2:', 'Step 3:', 'Step 6:', 'Step 7:', 'Step 9-14:']) expect(stepNames.some((s) => s.startsWith(n))).toBe(true);
    // Allure 3 stores a step's attachments as status-less sub-steps; the PF's BYE of step 3 is among them.
    const step3 = one.steps.find((s) => s.name.startsWith('Step 3:'))!;
    const sources = [...step3.attachments, ...(step3.steps ?? []).flatMap((x) => x.attachments ?? [])] as Array<{ source: string }>;
    const texts = sources.map((a) => fs.readFileSync(path.join(results, a.source), 'utf8'));
    expect(texts.some((t) => /^BYE sip:/m.test(t) && /Core A ←/.test(t))).toBe(true);
    expect(fs.readFileSync(path.join(results, 'environment.properties'), 'utf8')).toMatch(/sut\.name=/);
  });

  it('against the built-in reference server: a conformance matrix listing every requirement ID of the catalogue with its verdict, JUnit and environment', () => {
    // The correct reference server conforms: every case passes and the run exits 0.
    expect(fullRun().code).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(results, 'conformance', 'conformance-report.json'), 'utf8')) as ConformanceReport;
    expect(m.requirements.map((r) => r.id)).toEqual(REQUIREMENTS.map((r) => r.id));
    for (const r of m.requirements) expect(['pass', 'non-strict', 'fail', 'inconclusive', 'error', 'not tested']).toContain(r.verdict);
    expect(m.verdict).toBe('pass');
    for (const id of ['LEAVE-ORIG', 'LEAVE-TERM', 'LEAVE-OK', 'CPM-MLD-007', 'RFC3261-9.1', 'RFC3261-17.1.1.3', 'RFC3326-REASON', 'RFC3261-16.10']) {
      expect({ id, verdict: m.requirements.find((r) => r.id === id)?.verdict }).toEqual({ id, verdict: 'pass' });
    }
    for (const r of m.requirements.filter((x) => x.verdict === 'not tested')) expect(r.note).toBeTruthy();
    const md = fs.readFileSync(path.join(results, 'conformance', 'conformance-report.md'), 'utf8');
    for (const r of REQUIREMENTS) expect(md).toMatch(new RegExp(`\\| \\*\\*${r.id.replace(/\./g, '\\.')}\\*\\* .*\\| \\*\\*(PASS|NON-STRICT|FAIL|INCONC|ERROR|NOT TESTED)\\*\\*`));
    const junit = fs.readFileSync(path.join(results, 'conformance', 'junit.xml'), 'utf8');
    expect(junit).toMatch(new RegExp(`<testsuites name="[^"]*" tests="${m.totals.cases}" failures="${m.totals.byVerdict.fail}" errors="${m.totals.byVerdict.inconclusive + m.totals.byVerdict.error}"`));
    const env = fs.readFileSync(path.join(results, 'environment.properties'), 'utf8');
    expect(env).toMatch(/sut\.name=/);
    expect(env).toMatch(/sut\.seen\.server_user_agent=/);
    expect(env).toMatch(/harness\.version=\d/);
  });

  it('against the built-in reference server (proxy and b2bua): the report\'s environment says the matrix\'s PF modes and ICS, and the harness\'s own User-Agent is not seen on the wire', () => {
    expect(fullRun().code).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(results, 'conformance', 'conformance-report.json'), 'utf8')) as ConformanceReport;
    const records = readVerdicts(path.join(results, 'cpm-verdicts.jsonl'));
    // The environment as the report shows it: polished on a copy, as `report` does.
    const work = fs.mkdtempSync(path.join(tmp, 'polish-'));
    fs.cpSync(path.join(results, 'environment.properties'), path.join(work, 'environment.properties'));
    fs.cpSync(path.join(results, 'conformance'), path.join(work, 'conformance'), { recursive: true });
    polishResults(work);
    const env = readProperties(path.join(work, 'environment.properties'));
    expect(m.run.pfMode).toBe('proxy + b2bua');
    expect(new Set(records.map((r) => r.variant.pfMode))).toEqual(new Set(['proxy', 'b2bua']));
    expect(env.get('sut.pfMode')).toBe(m.run.pfMode);
    expect(fs.readFileSync(path.join(results, 'conformance', 'conformance-report.md'), 'utf8')).toContain(`| PF mode | ${env.get('sut.pfMode')} |`);
    // The ICS the run was judged by: what either mode claims (the b2bua is in the media path, the proxy not), one key per knob.
    const flat = (prefix: string, v: unknown): Array<[string, string]> => (v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => flat(`${prefix}.${k}`, x)) : [[prefix, String(v)]]);
    const ics = flat('ics', m.ics);
    expect(ics).toEqual(expect.arrayContaining([['ics.transfer.csInMediaPath', 'true'], ['ics.transfer.csNotInMediaPath', 'true']]));
    expect([...env].filter(([k]) => k === 'ics' || k.startsWith('ics.')).sort()).toEqual(ics.sort());
    // The reference names no Server / User-Agent of its own; the devices' User-Agent (IXIT userAgent) it forwards is the harness's.
    expect(records.flatMap((r) => r.sutAgents)).toEqual([]);
    expect(m.sut.seenOnWire).toEqual([]);
    expect(readProperties(path.join(results, 'environment.properties')).get('sut.seen.server_user_agent')).toBe('(none sent)');
    expect(env.get('sut.seen.server_user_agent')).toBe('(the SUT sent no Server / User-Agent header of its own)');
  });

  it('against a dead server: ends within the timeouts, verdicts say the server did not answer, results written, exit non-zero', async () => {
    const port = await deadPort();
    const target = path.join(tmp, 'dead.yaml');
    fs.writeFileSync(target, [
      'sut:', '  name: Nobody home', '  host: 127.0.0.1', `  port: ${port}`, '  transport: udp', '  domain: cpm.example.com',
      'topology: direct',
      'participatingFunction:', '  mode: proxy', `  a: 127.0.0.1:${port}`, `  b: 127.0.0.1:${port}`,
      'users:', '  - { aor: "sip:alice@cpm.example.com", username: alice, devices: 1 }', '  - { aor: "sip:bob@cpm.example.com", username: bob, devices: 1 }',
      'ixit:', '  timers: { t1: 100, t2: 800, t4: 1000 }', '  responseTimeoutMs: 800', '  quietPeriodMs: 100',
    ].join('\n'));
    const results = path.join(tmp, 'dead');
    const started = Date.now();
    const r = cli(['run', '--target', target, '--results', results], 120_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/INCONC\s+TC-LEAVE-01 \[udp, direct/);
    expect(r.out).toMatch(/did not answer the REGISTER/);
    expect(resultFiles(results).length).toBeGreaterThan(0);
  });

  it('empties the results directory of an earlier run, and leaves nothing of it beside (removed in the background)', () => {
    const dir = path.join(tmp, 'again');
    fs.mkdirSync(path.join(dir, 'conformance', 'cases', 'old'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'conformance', 'cases', 'old', 'stale.txt'), 'from an earlier run');
    const r = cli(['run', '--grep', 'TC-LEAVE-03 \\[udp, direct', '--mode', 'proxy', '--results', dir], 60_000);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'conformance', 'cases', 'old'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'cpm-verdicts.jsonl'))).toBe(true);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('again.removing-'))).toEqual([]);
  });

  it('with a malformed target config: exit 2, the path of the bad field, no stack trace', () => {
    const target = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(target, 'sut:\n  name: x\n  host: 127.0.0.1\n  port: 5060\n  transport: UDP6\n  domain: example.com\nusers: []\n');
    const r = cli(['run', '--target', target, '--results', path.join(tmp, 'bad')], 60_000);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/sut\.transport/);
    expect(r.err).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('--reference-msrp-role relay: the reference in b2bua mode is an RFC 4976 relay, judged as one (csMsrpRole follows), and passes', () => {
    const r = cli(['run', '--mode', 'b2bua', '--reference-msrp-role', 'relay', '--grep', 'TC-TRF-MP-01', '--transport', 'tcp', '--results', path.join(tmp, 'relay')], 120_000);
    expect(r.out).toMatch(/reference CPM Conversation Server \(b2bua, MSRP relay\)/);
    expect(r.out).toMatch(/4 case variants: 2 pass, 2 n\/a/); // the udp variants: n/a under --transport tcp
    expect(r.code).toBe(0);
  });

  it('--reference-msrp-role with --target: exit 2, the target config says binding.csMsrpRole', () => {
    const r = cli(['run', '--target', path.join(ROOT, 'fixtures', 'targets', 'reference.yaml'), '--reference-msrp-role', 'relay', '--results', path.join(tmp, 'relay-target')], 60_000);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--reference-msrp-role applies to the built-in reference server/);
  });
});
