/** Shared helpers for the config tests: a minimal valid config and temp files to load. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Loosely typed raw config: tests put wrong values in on purpose. */
export type RawConfig = { sut: Record<string, unknown>; users: Record<string, unknown>[]; [key: string]: unknown };

export function minimalConfig(): RawConfig {
  return {
    sut: { name: 'Acme CS', host: '127.0.0.1', domain: 'cpm.example.com' },
    users: [{ aor: 'sip:alice@cpm.example.com' }, { aor: 'sip:bob@cpm.example.com' }],
  };
}

let dir: string | undefined;

export function tmpDir(): string {
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-config-test-'));
  return dir;
}

export function writeTmp(name: string, text: string): string {
  const file = path.join(tmpDir(), name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

export function cleanupTmp(): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

export const repoRoot = path.resolve(__dirname, '../../..');
