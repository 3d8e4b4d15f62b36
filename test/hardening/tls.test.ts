/**
 * Issue 8.5: SIP over TLS between harness and SUT (RFC 3261 §26.2.1). The reference server
 * serves a certificate made for the test; certificate verification is on by default (a SUT
 * certificate from another CA makes the run inconclusive, never a silent pass); `insecure` is the
 * only way around it and the CLI prints it in environment.properties and the matrix.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startReferenceServer, type ReferenceServer } from '../../src/reference';
import { runCase } from '../../src/harness/runner';
import { allCases } from '../../suites/index';
import { REFERENCE_IXIT, referenceTarget } from '../../bin/targets';
import { createTestPki, type TestPki } from '../support/tls-cert';
import type { HarnessTarget } from '../../src/harness/target';

jest.setTimeout(180_000);

const CLI = resolve(__dirname, '../../dist/bin/cpm-conformance.js');
let pki: TestPki;
let other: TestPki;
let server: ReferenceServer;

beforeAll(async () => {
  pki = await createTestPki({ label: 'sut' });
  other = await createTestPki({ label: 'unrelated' });
  server = await startReferenceServer({
    host: '127.0.0.1', port: 0, transports: ['udp', 'tls'], timers: REFERENCE_IXIT.timers,
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert },
  });
});

afterAll(async () => {
  await server?.stop();
  await pki?.cleanup();
  await other?.cleanup();
});

function tlsTarget(ca: string, insecure = false): HarnessTarget {
  // Devices listen on TLS too (the SUT dials them): they present a certificate of the same PKI.
  return { ...referenceTarget(server, ['tls']), tls: { ca, cert: pki.server.certPath, key: pki.server.keyPath, insecure } };
}

const leave = () => {
  const c = allCases().find((x) => x.id === 'TC-LEAVE-01')!;
  return { c, v: c.variants.find((v) => v.transport === 'tcp' && v.topology === 'direct')! };
};

test('a stream case runs over TLS end to end, verified against the configured CA; Contacts say ;transport=tls', async () => {
  const { c, v } = leave();
  const r = await runCase(c, v, tlsTarget(pki.ca.certPath));
  expect(r.variant.transport).toBe('tls');
  expect({ verdict: r.verdict, reason: r.reason?.message }).toEqual({ verdict: 'pass', reason: undefined });
  expect(r.trace.length).toBeGreaterThan(4);
  expect(r.trace.every((e) => e.flow.protocol === 'tls')).toBe(true);
  const reg = r.trace.find((e) => e.direction === 'sent' && e.message?.kind === 'request' && e.message.method === 'REGISTER');
  expect(reg!.raw.toString()).toMatch(/Contact: <sip:[^>]+;transport=tls>/);
});

test('verification is on by default: a SUT certificate from another CA makes the case inconclusive with the handshake error', async () => {
  const { c, v } = leave();
  const r = await runCase(c, v, tlsTarget(other.ca.certPath));
  expect(r.verdict).toBe('inconclusive');
  const text = r.findings.map((f) => f.message).join('\n');
  expect(text).toMatch(/regist/i);
});

test('insecure (explicit) skips verification: the same untrusted SUT certificate then passes', async () => {
  const { c, v } = leave();
  const r = await runCase(c, v, tlsTarget(other.ca.certPath, true));
  expect(r.verdict).toBe('pass');
});

test('CLI: run --transport tls against the reference (throwaway certificate, verified) passes; --insecure is printed in environment.properties and the matrix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cpm-tls-run-'));
  try {
    const ok = spawnSync('node', [CLI, 'run', '--transport', 'tls', '--grep', 'TC-LEAVE-01', '--results', join(dir, 'a')], { encoding: 'utf8', timeout: 120_000 });
    expect({ status: ok.status, stderr: ok.stderr }).toEqual({ status: 0, stderr: '' });
    // Both reference PF modes run: every TLS variant passes, none fails or is inconclusive.
    expect(ok.stdout).toMatch(/case variants: [1-9]\d* pass, \d+ n\/a\n/);
    expect(readFileSync(join(dir, 'a', 'environment.properties'), 'utf8')).toMatch(/^tls\.verify=on/m);
    const insecure = spawnSync('node', [CLI, 'run', '--transport', 'tls', '--insecure', '--grep', 'TC-LEAVE-01', '--results', join(dir, 'b')], { encoding: 'utf8', timeout: 120_000 });
    expect(insecure.status).toBe(0);
    expect(insecure.stderr).toMatch(/--insecure/);
    expect(readFileSync(join(dir, 'b', 'environment.properties'), 'utf8')).toMatch(/^tls\.verify=OFF \(--insecure\)$/m);
    expect(readFileSync(join(dir, 'b', 'conformance', 'conformance-report.md'), 'utf8')).toMatch(/TLS certificate verification OFF: --insecure/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: reference-server --transport tls serves a generated certificate and removes it on Ctrl-C', async () => {
  const child = spawn('node', [CLI, 'reference-server', '--port', '0', '--transport', 'udp', '--transport', 'tls'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!/stopped|TLS: throwaway certificate (\S+)/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  const cert = /TLS: throwaway certificate (\S+)/.exec(out)?.[1];
  expect(cert).toBeDefined();
  expect(existsSync(cert!)).toBe(true);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(existsSync(cert!)).toBe(false);
  expect(out).toMatch(/stopped/);
});
