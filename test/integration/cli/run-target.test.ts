/**
 * `cpm-conformance run --target` as a vendor runs it (issue 12): the built CLI against a SUT it did
 * not start — the reference server, run here as a separate SUT with digest authentication and a
 * fixed pool of provisioned users, described by a YAML target config. Shows: stale bindings found
 * and removed by --clean-registrations, the report's environment with the bindings before and
 * after (zero left), cases running at once without sharing a user, and every source port inside
 * local.ports.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { REFERENCE_IXIT, referenceTarget } from '../../../bin/targets';
import { countBindings } from '../../../src/harness/registrations';
import { Device } from '../../../src/harness/device';
import { createTransport } from '../../../src/sip/transport/factory';
import { Tap } from '../../../src/sip/transport/tap';
import { readVerdicts } from '../../../reporters/verdict-log';

jest.setTimeout(5 * 60_000);

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'bin', 'cpm-conformance.js');
const PASSWORDS = { alice: 'a-pw-1', bob: 'b-pw-2', carol: 'c-pw-3', dave: 'd-pw-4' };

let server: ReferenceServer;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-target-'));
  server = await startReferenceServer({
    host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode: 'proxy', timers: REFERENCE_IXIT.timers,
    auth: { realm: 'cpm.example.com', users: PASSWORDS },
  });
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * The CLI as a child process, bounded; this process's event loop stays free for the SUT.
 * `interruptWhen`: send SIGINT (Ctrl-C) once the output matches it.
 */
function runCli(args: string[], env: NodeJS.ProcessEnv, interruptWhen?: RegExp): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (interruptWhen && !interrupted && interruptWhen.test(stdout)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const ENV = { ...process.env, FORCE_COLOR: '0', ALICE_PW: PASSWORDS.alice, BOB_PW: PASSWORDS.bob, CAROL_PW: PASSWORDS.carol, DAVE_PW: PASSWORDS.dave };

function targetYaml(): string {
  return `sut:
  name: reference as an independent SUT
  version: "test"
  host: 127.0.0.1
  port: ${server.pfA.port}
  transport: udp
  domain: cpm.example.com
topology: direct
local:
  host: 127.0.0.1
  ports: { from: 31000, to: 31999 }
participatingFunction:
  mode: proxy
  a: 127.0.0.1:${server.pfA.port}
  b: 127.0.0.1:${server.pfB.port}
users:
${Object.keys(PASSWORDS).map((u, i) => `  - aor: sip:${u}@cpm.example.com
    password: \${${u.toUpperCase()}_PW}
    devices: ${i % 2 === 1 ? 3 : 1}`).join('\n')}
ics:
  sessionLeaving: true
  multiDevice: true
ixit:
  timers: { t1: 100, t2: 800, t4: 1000 }
  responseTimeoutMs: 2500
  quietPeriodMs: 300
binding:
  reasonOnCancel: required
`;
}

test('run --target --clean-registrations: stale bindings removed, zero left, cases at once on distinct users', async () => {
  // A crashed earlier run left two of bob's devices registered.
  const stale: Device[] = [];
  for (const name of ['X1', 'X2']) {
    const transport = await createTransport({ protocol: 'udp', host: '127.0.0.1', port: 0, tap: new Tap(), owner: name });
    const d = new Device({ name, aor: 'sip:bob@cpm.example.com', username: 'bob', password: PASSWORDS.bob, transport, outbound: server.pfA, timers: REFERENCE_IXIT.timers, responseTimeoutMs: 2500 });
    expect((await d.register('cpm.example.com', 600))?.status).toBe(200);
    stale.push(d);
  }
  await Promise.all(stale.map((d) => d.close()));
  const cfg = path.join(tmp, 'target.yaml');
  fs.writeFileSync(cfg, targetYaml());
  const results = path.join(tmp, 'results');
  const env = ENV;
  // Asynchronously: the SUT runs in this process and must keep answering while the CLI runs.
  const r = await runCli(['run', '--target', cfg, '--results', results, '--clean-registrations', '--grep', 'TC-LEAVE-0[12]|TC-MLD-007-0[17] \\[udp'], env);
  const out = `${r.stdout}\n${r.stderr}`;
  expect(out).toMatch(/bindings at the SUT before the run: alice@cpm\.example\.com 0, bob@cpm\.example\.com 2, carol@cpm\.example\.com 0, dave@cpm\.example\.com 0; removed for 4 of 4 user\(s\)/);
  expect(out).toMatch(/bindings at the SUT after the run: alice@cpm\.example\.com 0, bob@cpm\.example\.com 0, carol@cpm\.example\.com 0, dave@cpm\.example\.com 0\n/);
  expect(r.status).toBe(0);
  const envFile = fs.readFileSync(path.join(results, 'environment.properties'), 'utf8');
  expect(envFile).toMatch(/^sut\.bindings\.before=.*bob@cpm\.example\.com 2.*--clean-registrations/m);
  expect(envFile).toMatch(/^sut\.bindings\.after=alice@cpm\.example\.com 0, bob@cpm\.example\.com 0/m);
  // Secrets never reach the output or the results.
  for (const pw of Object.values(PASSWORDS)) {
    expect(out).not.toContain(pw);
    for (const f of fs.readdirSync(results)) if (fs.statSync(path.join(results, f)).isFile()) expect(fs.readFileSync(path.join(results, f), 'latin1')).not.toContain(pw);
  }
  const records = readVerdicts(path.join(results, 'cpm-verdicts.jsonl')).filter((x) => x.verdict !== 'n/a');
  expect(records.length).toBeGreaterThanOrEqual(4);
  expect(records.every((x) => x.verdict === 'pass')).toBe(true);
  // Cases ran at once (4 users: two cases of two users each), and overlapping cases never shared a user.
  const spans = records.map((x) => ({ key: x.key, from: x.startedAt!, to: x.startedAt! + x.durationMs, users: x.users ?? [] }));
  const overlapping = spans.flatMap((a, i) => spans.slice(i + 1).filter((b) => a.from < b.to && b.from < a.to).map((b) => [a, b] as const));
  expect(overlapping.length).toBeGreaterThan(0);
  for (const [a, b] of overlapping) expect(a.users.filter((u) => b.users.includes(u))).toEqual([]);
  // Every case cleaned up after itself.
  expect(records.every((x) => x.teardown?.problems.length === 0 && (x.teardown?.bindingsRemoved ?? 0) > 0)).toBe(true);
});

test('Ctrl-C during a run against a target: the running cases end inconclusive and leave no binding behind', async () => {
  const cfg = path.join(tmp, 'target-int.yaml');
  fs.writeFileSync(cfg, targetYaml());
  const results = path.join(tmp, 'results-int');
  // Interrupt as soon as the first case has reported: the others are still running.
  const r = await runCli(['run', '--target', cfg, '--results', results, '--grep', 'TC-MLD-007'], ENV, /^(PASS|FAIL|INCONC)\s/m);
  expect(r.status).toBe(130);
  expect(r.stderr).toMatch(/interrupted; closing the sessions and removing the bindings/);
  const users = Object.keys(PASSWORDS).map((u) => ({ aor: `sip:${u}@cpm.example.com`, username: u, password: PASSWORDS[u as keyof typeof PASSWORDS], devices: 1 }));
  const after = await countBindings({ ...referenceTarget(server), isReference: false, users });
  expect(after.map((b) => b.count)).toEqual([0, 0, 0, 0]);
});
