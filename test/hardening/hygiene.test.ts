/**
 * Issue 8.4: resource hygiene. After a run no socket, timer or child process is left: checked in
 * process by every network-fault scenario (support/network-fault-run.ts: active handles before and
 * after a full run in both PF modes with delayed, duplicated and lost datagrams in flight), and
 * here on the CLI, which must exit on its own (it sets process.exitCode, never calls exit after a
 * run — a leaked handle would hang it) after a passing run, a failing run and Ctrl-C, with the
 * reference server it started stopped each time.
 */
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

jest.setTimeout(5 * 60_000);

const CLI = resolve(__dirname, '../../dist/bin/cpm-conformance.js');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cpm-hygiene-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runCli(args: string[], signalAfter?: RegExp): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolveRun) => {
    const started = Date.now();
    const child = spawn('node', [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (signalAfter && !signalled && signalAfter.test(stdout)) {
        signalled = true;
        // Mid-run: the suite is under way when the signal lands.
        setTimeout(() => child.kill('SIGINT'), 1500);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Bound: a CLI that does not exit by itself is the failure this test looks for.
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      resolveRun({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The ports the CLI's reference server used are free again (it closed them, or its process is gone). */
async function portFree(port: number): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  const ok = await new Promise<boolean>((r) => {
    s.once('error', () => r(false));
    s.bind(port, '127.0.0.1', () => r(true));
  });
  await new Promise<void>((r) => s.close(() => r()));
  return ok;
}

const PF = /PF A 127\.0\.0\.1:(\d+), PF B 127\.0\.0\.1:(\d+)/;

test('CLI: a passing run exits on its own with 0 and its reference server stopped', async () => {
  const r = await runCli(['run', '--grep', 'TC-LEAVE-01', '--results', join(dir, 'pass')]);
  expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
  const [, a, b] = PF.exec(r.stdout)!;
  expect(await portFree(Number(a))).toBe(true);
  expect(await portFree(Number(b))).toBe(true);
});

test('CLI: a failing run (reference fault) exits on its own with 1', async () => {
  const r = await runCli(['run', '--grep', 'TC-LEAVE-01', '--reference-fault', 'leave-ok-wrong-cseq', '--results', join(dir, 'fail')]);
  expect({ code: r.code, signal: r.signal }).toEqual({ code: 1, signal: null });
});

test('CLI: Ctrl-C mid-run stops the reference server and exits 130 promptly, without a stack trace', async () => {
  const r = await runCli(['run', '--results', join(dir, 'sigint')], PF);
  expect({ code: r.code, signal: r.signal }).toEqual({ code: 130, signal: null });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const [, a, b] = PF.exec(r.stdout)!;
  expect(await portFree(Number(a))).toBe(true);
  expect(await portFree(Number(b))).toBe(true);
});
