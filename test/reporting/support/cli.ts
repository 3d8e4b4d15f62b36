/** Running the built CLI (dist/, built by `npm test`) from the reporting tests, bounded. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(ROOT, 'dist', 'bin', 'cpm-conformance.js');

export function cli(args: string[], timeoutMs = 240_000, env: NodeJS.ProcessEnv = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...process.env, FORCE_COLOR: '0', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Where tests leave files a person may want to look at (gitignored). */
export const TEST_OUTPUT = path.join(ROOT, '.tmp', 'test-output', 'reporting');
