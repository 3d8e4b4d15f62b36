/**
 * Issue 8.8: bad user input. A table of malformed target configs and CLI invocations, each run
 * through the built CLI (dist/bin/cpm-conformance.js): every one must exit 2, name the field path
 * or option at fault, give a hint, and never print a stack trace.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

jest.setTimeout(120_000);

const CLI = resolve(__dirname, '../../dist/bin/cpm-conformance.js');
const dir = mkdtempSync(join(tmpdir(), 'cpm-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = [
  'sut:',
  '  name: Acme',
  '  host: 127.0.0.1',
  '  domain: cpm.example.com',
  'users:',
  '  - aor: sip:alice@cpm.example.com',
  '  - aor: sip:bob@cpm.example.com',
].join('\n');

/** A config file with these contents; returns its path. */
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

interface Row {
  name: string;
  args: () => string[];
  /** What stderr must name: the field path or the option. */
  names: RegExp;
}

/** Every message must carry some advice, not only a complaint. */
const HINT = /hint|—|e\.g\.|expected|must be|valid|choices|did you mean|see '|run 'cpm-conformance --help'|use |give |check |drop |needs? /i;

const validate = (name: string, text: string) => () => ['validate', file(name, text)];
const runWith = (name: string, text: string) => () => ['run', '--target', file(name, text), '--results', join(dir, 'unused')];

const ROWS: Row[] = [
  // CLI invocations
  { name: 'unknown command', args: () => ['frobnicate'], names: /frobnicate/ },
  { name: 'unknown option', args: () => ['run', '--bogus-flag'], names: /bogus-flag/ },
  { name: 'bad --transport', args: () => ['run', '--transport', 'sctp'], names: /transport/ },
  { name: 'bad --mode', args: () => ['run', '--mode', 'hybrid'], names: /mode/ },
  { name: '--loss 2', args: () => ['run', '--loss', '2'], names: /--loss/ },
  { name: '--loss not a number', args: () => ['run', '--loss', 'lots'], names: /loss/ },
  { name: 'invalid --grep regex', args: () => ['run', '--grep', '('], names: /--grep/ },
  { name: 'unknown --requirement', args: () => ['run', '--requirement', 'NOPE-1'], names: /--requirement/ },
  { name: 'unknown --reference-fault', args: () => ['run', '--reference-fault', 'no-such-fault'], names: /reference fault/ },
  { name: 'unknown --binding knob', args: () => ['run', '--binding', 'pullModus=refer-to-psi'], names: /unknown knob 'pullModus' \(did you mean pullMode\?\)/ },
  { name: '--binding value not allowed', args: () => ['selftest', '--binding', 'deviceAddressing=imei'], names: /deviceAddressing must be one of contact, gruu/ },
  { name: '--concurrency 0', args: () => ['run', '--concurrency', '0'], names: /--concurrency/ },
  { name: '--clean-registrations without --target', args: () => ['run', '--clean-registrations'], names: /--clean-registrations/ },
  { name: 'local.ports too small for one case', args: runWith('ports.yaml', `${GOOD}\nlocal:\n  ports: { from: 31000, to: 31002 }`), names: /local\.ports 31000-31002 holds 3 ports; TC-\S+ \[.*\] alone needs \d+/ },
  { name: '--reference-fault with --target', args: () => ['run', '--reference-fault', 'leave-ok-wrong-cseq', '--target', file('rf.yaml', GOOD)], names: /--reference-fault/ },
  { name: 'reference-server --loss 5', args: () => ['reference-server', '--loss', '5'], names: /--loss/ },
  { name: 'reference-server --t1 5', args: () => ['reference-server', '--t1', '5'], names: /--t1/ },
  { name: 'reference-server unknown fault', args: () => ['reference-server', '--fault', 'nope'], names: /fault nope/ },
  { name: 'reference-server tls and tcp on one port', args: () => ['reference-server', '--transport', 'tcp', '--transport', 'tls'], names: /--transport/ },
  { name: 'reference-server --tls-cert without --tls-key', args: () => ['reference-server', '--transport', 'tls', '--tls-cert', file('c.pem', 'x')], names: /--tls-key/ },
  { name: 'reference-server missing --tls-cert file', args: () => ['reference-server', '--transport', 'tls', '--tls-cert', '/nonexistent/c.pem', '--tls-key', '/nonexistent/k.pem'], names: /--tls-cert/ },
  { name: 'missing target file', args: () => ['run', '--target', join(dir, 'missing.yaml')], names: /missing\.yaml/ },
  { name: 'validate without a file', args: () => ['validate'], names: /file|argument/i },
  // Target configs
  { name: 'invalid YAML', args: validate('syntax.yaml', 'sut: [\n  name: x\n'), names: /line \d+/ },
  { name: 'not a mapping', args: validate('list.yaml', '- just\n- a list\n'), names: /top level|object|mapping/i },
  { name: 'missing sut', args: validate('nosut.yaml', 'users:\n  - aor: sip:a@x.example.com\n  - aor: sip:b@x.example.com\n'), names: /sut/ },
  { name: 'missing sut.host', args: validate('nohost.yaml', GOOD.replace('  host: 127.0.0.1\n', '')), names: /sut\.host|host/ },
  { name: 'sut.port wrong type', args: validate('port.yaml', GOOD.replace('  host: 127.0.0.1', '  host: 127.0.0.1\n  port: five')), names: /sut\.port/ },
  { name: 'sut.port out of range', args: validate('port2.yaml', GOOD.replace('  host: 127.0.0.1', '  host: 127.0.0.1\n  port: 70000')), names: /sut\.port/ },
  { name: 'sut.transport unknown', args: validate('tr.yaml', GOOD.replace('  host: 127.0.0.1', '  host: 127.0.0.1\n  transport: sctp')), names: /sut\.transport/ },
  { name: 'unknown key with a typo', args: validate('typo.yaml', GOOD.replace('  domain:', '  domian: x\n  domain:')), names: /domian/ },
  { name: 'top-level typo', args: validate('typo2.yaml', `${GOOD}\ntopolgy: direct\n`), names: /topolgy/ },
  { name: 'topology unknown', args: validate('topo.yaml', `${GOOD}\ntopology: mesh\n`), names: /topology/ },
  { name: 'AoR not a SIP URI', args: validate('aor.yaml', GOOD.replace('sip:alice@cpm.example.com', 'alice')), names: /users\[0\]\.aor|users\.0\.aor|aor/ },
  { name: 'only one user', args: validate('one.yaml', GOOD.replace('  - aor: sip:bob@cpm.example.com', '')), names: /users/ },
  { name: 'devices zero', args: validate('dev.yaml', GOOD.replace('  - aor: sip:bob@cpm.example.com', '  - aor: sip:bob@cpm.example.com\n    devices: 0')), names: /devices/ },
  { name: 'password is a number', args: validate('pw.yaml', GOOD.replace('  - aor: sip:bob@cpm.example.com', '  - aor: sip:bob@cpm.example.com\n    password: 1234')), names: /password/ },
  { name: 'undefined ${ENV} for a password', args: validate('env.yaml', GOOD.replace('  - aor: sip:bob@cpm.example.com', '  - aor: sip:bob@cpm.example.com\n    password: ${CPM_SURELY_UNSET_PASSWORD_VAR}')), names: /CPM_SURELY_UNSET_PASSWORD_VAR|password/ },
  { name: 'ixit timers wrong type', args: validate('t1.yaml', `${GOOD}\nixit:\n  timers: { t1: fast }\n`), names: /ixit\.timers\.t1/ },
  { name: 'ixit t2 below t1', args: validate('t2.yaml', `${GOOD}\nixit:\n  timers: { t1: 500, t2: 100 }\n`), names: /t2/ },
  { name: 'tls key without cert', args: validate('tls.yaml', GOOD.replace('  host: 127.0.0.1', `  host: 127.0.0.1\n  transport: tls\n  tls:\n    key: ${join(dir, 'k.pem')}`)), names: /sut\.tls/ },
  { name: 'tls ca file missing', args: validate('tlsca.yaml', GOOD.replace('  host: 127.0.0.1', '  host: 127.0.0.1\n  transport: tls\n  tls:\n    ca: /nonexistent/ca.pem')), names: /sut\.tls\.ca/ },
  { name: 'binding knob unknown value', args: validate('bind.yaml', `${GOOD}\nbinding:\n  reasonOnCancel: always\n`), names: /binding\.reasonOnCancel/ },
  { name: 'run with a bad config', args: runWith('runbad.yaml', GOOD.replace('  host: 127.0.0.1', '  host: 127.0.0.1\n  port: -1')), names: /sut\.port/ },
];

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((r) => {
    const env = { ...process.env };
    delete env.CPM_SURELY_UNSET_PASSWORD_VAR;
    const child = spawn('node', [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(killer);
      r({ code, stdout, stderr });
    });
  });
}

test('the table has at least 20 malformed configs and invocations', () => {
  expect(ROWS.length).toBeGreaterThanOrEqual(20);
});

test.each(ROWS.map((r) => [r.name, r] as const))('%s → exit 2, names the field or option, hints, no stack trace', async (_name, row) => {
  const r = await cli(row.args());
  const out = `${r.stderr}${r.stdout}`;
  expect({ code: r.code, out }).toEqual({ code: 2, out: expect.stringMatching(row.names) });
  expect(out).toMatch(HINT);
  expect(out).not.toMatch(/^\s{4}at /m);
  expect(out).not.toMatch(/(TypeError|RangeError|SyntaxError|ReferenceError):/);
});
