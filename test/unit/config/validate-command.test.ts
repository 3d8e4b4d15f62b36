/** `cpm-conformance validate`: output lines and exit codes (0 valid, 2 invalid or misused). */
import * as path from 'node:path';
import yargs from 'yargs';
import { runValidate, validateCommand } from '../../../bin/commands/validate';
import { targetSchema } from '../../../src/config';
import { cleanupTmp, repoRoot, writeTmp } from './helpers';

afterAll(cleanupTmp);

function run(args: { file?: string; printSchema?: boolean; effective?: boolean }, env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const code = runValidate({ printSchema: false, effective: false, ...args }, { out: (s) => (out += s), err: (s) => (err += s), env });
  return { code, out, err };
}

describe('validate', () => {
  test('a valid file: one summary line, exit 0', () => {
    const file = path.join(repoRoot, 'fixtures/targets/reference.yaml');
    const r = run({ file });
    expect(r).toEqual({ code: 0, out: `${file}: valid (SUT cpm-conformance reference CPM Conversation Server, direct, udp, 6 users)\n`, err: '' });
  });

  test('an invalid file: every issue on stderr, exit 2, no stack trace', () => {
    const file = writeTmp('bad.yaml', 'sut: { name: x, host: 127.0.0.1, domain: d.example, transport: UDP6, prot: 1 }\nusers: [{ aor: sip:a@d.example }]\n');
    const r = run({ file });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`${file}: invalid target config (3 problems)`);
    expect(r.err).toContain('sut.transport: must be one of udp, tcp, tls (got "UDP6") — write transport: udp');
    expect(r.err).toContain('sut.prot: unknown key "prot" — did you mean "port"?');
    expect(r.err).toContain('users: must have at least 2 entries (got 1)');
    expect(r.err).not.toMatch(/\s+at .*:\d+:\d+/);
  });

  test('--effective prints the defaulted config with secrets masked', () => {
    const r = run({ file: path.join(repoRoot, 'fixtures/targets/sample-target.yaml'), effective: true }, { ALICE_PASSWORD: 'pw-a', BOB_PASSWORD: 'pw-b', CAROL_PASSWORD: 'pw-c' });
    expect(r.code).toBe(0);
    expect(r.out).toContain('password: "***"');
    expect(r.out).toContain('userAgent: cpm-conformance');
    expect(r.out).not.toMatch(/pw-[abc]/);
  });

  test('no file: usage error, exit 2', () => {
    const r = run({});
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/name a target config file/);
  });

  test('--print-schema prints the schema as JSON', () => {
    const r = run({ printSchema: true });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(JSON.parse(JSON.stringify(targetSchema)));
  });

  test('wired into yargs: validate FILE sets the exit code', async () => {
    const file = writeTmp('cli-bad.yaml', 'sut: 1\n');
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await yargs(['validate', file]).command(validateCommand).strict().parseAsync();
      expect(process.exitCode).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/sut: must be a mapping/);
    } finally {
      stderr.mockRestore();
      process.exitCode = 0;
    }
  });
});
