/**
 * `cpm-conformance load` as a user runs it (issue 19, docs/load.md): the built CLI as a child
 * process. A bad flag is a usage error naming it (exit 2, nothing started); Ctrl-C stops the
 * arrivals, lets the flows in flight end, removes every binding and still writes the summary
 * (exit 130).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseSummary } from '../../../src/harness/load/summary';
import { checkLoadArgs, type LoadArgs } from '../../../bin/load/load-args';
import { progressLine } from '../../../bin/load/progress';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'bin', 'cpm-conformance.js');
let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-load-cli-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], interruptWhen?: RegExp, afterMs = 0): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const kill = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (interruptWhen && !sent && interruptWhen.test(stdout)) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), afterMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (status) => { clearTimeout(kill); resolve({ status, stdout, stderr }); });
  });
}

test.each([
  [['--flow', 'leave', '--rate', '5000'], /--rate must be .* at most 2000 flows per second, got 5000/],
  [['--flow', 'leave', '--devices', '3'], /--devices applies to the mld flow/],
  [['--flow', 'leave', '--reference-fault', 'no-such-fault'], /unknown reference fault no-such-fault/],
  [['--flow', 'leave', '--shard', '1/2'], /--shard applies to a target config/],
  [['--flow', 'chat'], /Invalid values:[\s\S]*flow/],
  [['--flow', 'leave', '--results', 'src'], /--results src holds files a load run did not write/],
])('load %j is a usage error naming the option (exit 2)', async (args, message) => {
  const r = await cli(['load', ...(args.includes('--results') ? args : [...args, '--results', path.join(tmp, 'bad')])]);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
});

const ok: LoadArgs = { flow: 'leave', rate: 10, duration: 10, ramp: 0, 'max-concurrent': 50, 'judge-every': 1, 'keep-failures': 10, results: 'x' };
test.each([
  [{ rate: 0 }, /--rate must be a number above 0/],
  [{ rate: Number.NaN }, /--rate must be/],
  [{ duration: 0 }, /--duration must be 1 to 3600 seconds/],
  [{ duration: 4000 }, /--duration must be 1 to 3600 seconds, got 4000/],
  [{ ramp: 11 }, /--ramp must be 0 to --duration \(10\)/],
  [{ 'max-concurrent': 1.5 }, /--max-concurrent must be a whole number/],
  [{ users: 0 }, /--users must be a whole number from 1/],
  [{ devices: 1 }, /--devices must be a whole number from 2/],
  [{ 'judge-every': 0 }, /--judge-every must be a whole number from 1/],
  [{ 'keep-failures': 101 }, /--keep-failures must be a whole number from 0 to 100/],
])('the bound of %j names the option', (over, message) => {
  expect(checkLoadArgs({ ...ok, ...over })).toMatch(message);
});

test('options in bounds pass', () => {
  expect(checkLoadArgs(ok)).toBeNull();
  expect(checkLoadArgs({ ...ok, rate: 2000, duration: 3600, ramp: 3600, 'max-concurrent': 2000, users: 20_000, devices: 100 })).toBeNull();
});

test('Ctrl-C: arrivals stop, flows in flight end, every binding is removed, the summary is still written (exit 130)', async () => {
  const results = path.join(tmp, 'interrupted');
  const t0 = Date.now();
  const r = await cli(['load', '--flow', 'leave', '--rate', '10', '--duration', '30', '--max-concurrent', '5', '--results', results], /reference CPM Conversation Server/, 1500);
  expect(r.status).toBe(130);
  expect(Date.now() - t0).toBeLessThan(20_000);
  expect(r.stderr).toMatch(/interrupted; no new flows/);
  const s = parseSummary(fs.readFileSync(path.join(results, 'load-summary.json'), 'utf8'), 'summary');
  expect(s.interrupted).toBe(true);
  expect(s.arrivals.started).toBeGreaterThan(0);
  expect(s.arrivals.started).toBeLessThan(300);
  expect(s.arrivals.done).toBe(s.arrivals.started);
  expect(s.setup.bindingsRemoved).toBe(s.setup.devicesRegistered);
  expect(s.setup.problems).toEqual([]);
  expect(fs.existsSync(path.join(results, 'load-latency.svg'))).toBe(true);

  // `report --merge` of load results (here one run given twice): counts add; no failing flow, no Allure report needed.
  const merged = path.join(tmp, 'merged');
  const m = await cli(['report', '--merge', merged, '--results', results, results, '--out', path.join(tmp, 'report')]);
  expect(m.status).toBe(0);
  expect(m.stdout).toMatch(/merged 2 load summaries/);
  const ms = parseSummary(fs.readFileSync(path.join(merged, 'load-summary.json'), 'utf8'), 'merged');
  expect(ms.arrivals.started).toBe(2 * s.arrivals.started);
  expect(ms.latency['INVITE→200'].count).toBe(2 * s.latency['INVITE→200'].count);
});

test('the live progress line: rate achieved, in flight, shed, verdicts so far and the key transactions\' percentiles', () => {
  const f = (p50: number, count = 1) => ({ count, p50, p95: p50 * 2, p99: p50 * 3, max: p50 * 4 });
  const line = progressLine({
    atS: 10, phase: 'running', inFlight: 7, counts: { due: 105, started: 100, shed: 5, done: 93 },
    verdicts: { pass: 90, 'non-strict': 0, inconclusive: 1, fail: 2, error: 0, 'n/a': 0, unjudged: 0 },
    latency: { 'INVITE→200': f(4), 'CANCEL→487': f(0, 0), 'BYE→200': f(2) },
  }, 60);
  expect(line).toBe('  10 s  10.0/s  in flight 7  shed 5  pass 90  fail 2  inconc 1  ms p50/p95/p99: INVITE→200 4/8/12 BYE→200 2/4/6');
});
