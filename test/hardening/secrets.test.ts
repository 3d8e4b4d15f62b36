/**
 * Issue 8.6: a run with credentials leaks none of them. The reference server challenges every
 * REGISTER with digest (its `auth` mode) and serves TLS; the CLI runs the suite against it from a
 * target config whose passwords come from ${ENV} and whose TLS client key is a file. Then every
 * output of the run — Allure results and attachments, pcaps, matrix, JUnit, environment.properties,
 * the verdict log, stdout and stderr — is scanned, as octets, for every password, the key's PEM
 * body lines and the key's path.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startReferenceServer, type ReferenceServer } from '../../src/reference';
import { REFERENCE_IXIT } from '../../bin/targets';
import { createTestPki, type TestPki } from '../support/tls-cert';

jest.setTimeout(300_000);

const CLI = resolve(__dirname, '../../dist/bin/cpm-conformance.js');
const USERS = ['alice', 'bob', 'carol', 'dave'];
const passwords = Object.fromEntries(USERS.map((u) => [u, `S3cret-${u}-${randomBytes(6).toString('hex')}`]));

let pki: TestPki;
let server: ReferenceServer;
let dir: string;

beforeAll(async () => {
  pki = await createTestPki({ label: 'secrets' });
  dir = mkdtempSync(join(tmpdir(), 'cpm-secrets-'));
  server = await startReferenceServer({
    host: '127.0.0.1', port: 0, transports: ['udp', 'tls'], timers: REFERENCE_IXIT.timers,
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert },
    auth: { realm: 'cpm.example.com', users: passwords },
  });
});

afterAll(async () => {
  await server?.stop();
  await pki?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function walk(p: string): string[] {
  return statSync(p).isDirectory() ? readdirSync(p).flatMap((n) => walk(join(p, n))) : [p];
}

test('no password, TLS key or key path appears in any output of a run with digest credentials over TLS', async () => {
  const target = join(dir, 'target.yaml');
  writeFileSync(target, [
    'sut:',
    '  name: reference with digest and TLS',
    '  host: 127.0.0.1',
    `  port: ${server.pfA.port}`,
    '  transport: tls',
    '  domain: cpm.example.com',
    '  tls:',
    `    ca: ${pki.ca.certPath}`,
    // The devices listen on TLS too: they present this certificate (and must keep its key secret).
    `    cert: ${pki.server.certPath}`,
    `    key: ${pki.server.keyPath}`,
    'participatingFunction:',
    `  a: 127.0.0.1:${server.pfA.port}`,
    `  b: 127.0.0.1:${server.pfB.port}`,
    'users:',
    ...USERS.flatMap((u) => [`  - aor: sip:${u}@cpm.example.com`, `    password: \${${u.toUpperCase()}_PASSWORD}`, '    devices: 3']),
    'ics: { sessionLeaving: true, multiDevice: true }',
    'ixit: { timers: { t1: 100, t2: 800, t4: 1000 }, responseTimeoutMs: 2500, quietPeriodMs: 300 }',
    '',
  ].join('\n'));
  const results = join(dir, 'allure-results');
  const env = { ...process.env, ...Object.fromEntries(USERS.map((u) => [`${u.toUpperCase()}_PASSWORD`, passwords[u]])) };
  const child = spawn('node', [CLI, 'run', '--target', target, '--grep', 'TC-LEAVE-0[12]|TC-MLD-007-0[12]', '--results', results], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(killer);
  writeFileSync(join(dir, 'stdout.log'), stdout);
  writeFileSync(join(dir, 'stderr.log'), stderr);
  if (code !== 0) process.stdout.write(`${stdout.slice(0, 3000)}\n${stderr.slice(0, 2000)}\n`);

  // The run really used the credentials: digest challenges and answers are on the wire, and cases passed.
  expect(stdout).toMatch(/\d+ pass/);
  expect(code).toBe(0);
  const files = [...walk(results), join(dir, 'stdout.log'), join(dir, 'stderr.log')];
  const all = files.map((f) => readFileSync(f));
  expect(all.some((b) => b.includes('WWW-Authenticate: Digest'))).toBe(true);
  expect(all.some((b) => b.includes('Authorization: Digest'))).toBe(true);
  expect(files.some((f) => f.endsWith('.pcap'))).toBe(true);
  expect(files.some((f) => f.endsWith('junit.xml'))).toBe(true);

  const keyLines = pki.server.key.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));
  const needles = [...Object.values(passwords), ...keyLines, pki.server.keyPath];
  const leaks: string[] = [];
  files.forEach((f, i) => {
    for (const n of needles) if (all[i].includes(n)) leaks.push(`${f} contains ${n === pki.server.keyPath ? 'the key path' : n.startsWith('S3cret') ? 'a password' : 'TLS key material'}`);
  });
  process.stdout.write(`secrets: scanned ${files.length} output files (${all.reduce((s, b) => s + b.length, 0)} octets) for ${needles.length} secrets; exit ${code}\n`);
  expect(leaks).toEqual([]);
});
