/**
 * Throwaway PKI for tests: a CA, a server certificate and a client certificate valid for
 * 127.0.0.1, ::1 and localhost, made with the openssl CLI in a fresh temp dir. Two calls give two
 * unrelated CAs, which is how tests get an "untrusted" certificate. Call cleanup() to remove it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertPair {
  /** PEM text. */
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

export interface TestPki {
  dir: string;
  ca: CertPair;
  server: CertPair;
  client: CertPair;
  cleanup(): Promise<void>;
}

export interface TestPkiOptions {
  /** Names on the CA's subject, to tell two PKIs apart in error messages. */
  label?: string;
  /** SANs of the server certificate; default localhost, 127.0.0.1, ::1. */
  serverSans?: string[];
}

const DEFAULT_SANS = ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1'];

async function openssl(dir: string, args: string[]): Promise<void> {
  // Bounded so a wedged openssl cannot hang a test run.
  await run('openssl', args, { cwd: dir, timeout: 20000 });
}

async function issue(dir: string, name: string, subject: string, ext: string[]): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), ext.join('\n') + '\n');
  await openssl(dir, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(Date.now()),
    '-days', '2', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
}

async function pair(dir: string, name: string): Promise<CertPair> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8'), certPath, keyPath };
}

export async function createTestPki(opts: TestPkiOptions = {}): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'cpm-tls-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const label = opts.label ?? 'cpm-conformance test';
    await openssl(dir, ['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-sha256', '-subj', `/CN=${label} CA`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    await issue(dir, 'server', '/CN=localhost', [
      'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth',
      `subjectAltName=${(opts.serverSans ?? DEFAULT_SANS).join(',')}`,
    ]);
    await issue(dir, 'client', `/CN=${label} client`, [
      'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    ]);
    return { dir, ca: await pair(dir, 'ca'), server: await pair(dir, 'server'), client: await pair(dir, 'client'), cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
