/**
 * A throwaway self-signed certificate for SIP over TLS on loopback (RFC 3261 §26.2.1), made with
 * the openssl CLI in a fresh private temp dir: the reference server serves it, and the harness
 * trusts exactly it (its own CA) — so certificate verification stays on for runs against the
 * built-in reference server too. remove() deletes the key; callers do so when they stop.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ThrowawayCert {
  dir: string;
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
  remove(): void;
}

export function createThrowawayCert(names: string[] = ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost']): ThrowawayCert {
  const dir = mkdtempSync(join(tmpdir(), 'cpm-tls-'));
  const certPath = join(dir, 'reference.crt');
  const keyPath = join(dir, 'reference.key');
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-sha256',
      '-subj', '/CN=cpm-conformance reference server (throwaway)',
      '-addext', `subjectAltName=${names.join(',')}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-keyout', keyPath, '-out', certPath,
    ], { stdio: 'ignore', timeout: 20_000 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not generate a TLS certificate with openssl (${(err as Error).message.split('\n')[0]}); install openssl or give --tls-cert/--tls-key`);
  }
  return {
    dir, certPath, keyPath,
    cert: readFileSync(certPath, 'utf8'),
    key: readFileSync(keyPath, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
