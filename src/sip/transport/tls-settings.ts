/**
 * TLS material and policy for a TLS transport (RFC 3261 §26.2.1: SIP over TLS with server
 * authentication). Certificate verification is on unless a caller explicitly sets `insecure`:
 * a conformance run must not silently accept a SUT with a broken certificate.
 */
import { readFileSync } from 'node:fs';

/** PEM text, DER/PEM octets, or a path to a PEM file. */
export type PemSource = string | Buffer;

export interface TlsSettings {
  /** Our certificate chain: required to listen (server side); presented as client certificate when dialling. */
  cert?: PemSource;
  /** Private key for `cert`. */
  key?: PemSource;
  /** Passphrase of an encrypted `key` (a secret: never logged or recorded). */
  passphrase?: string;
  /** Trust anchors for verifying peers. Absent = Node's default public roots. */
  ca?: PemSource | PemSource[];
  /** Name the server's certificate must match (and the SNI sent). Default: the dialled host; IP literals are matched against IP SANs. */
  servername?: string;
  /** Skip verification of the peer certificate. Only when explicitly asked for. */
  insecure?: boolean;
  /** Server side: ask clients for a certificate and verify it against `ca` (mutual TLS). */
  requestCert?: boolean;
}

/** Material resolved to octets, ready for node:tls. */
export interface LoadedTlsMaterial {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer[];
}

function load(source: PemSource): Buffer {
  if (Buffer.isBuffer(source)) return source;
  if (source.includes('-----BEGIN')) return Buffer.from(source, 'utf8');
  return readFileSync(source);
}

/** Read files once at open time so a wrong path fails the open, not the first handshake. */
export function loadTlsMaterial(settings: TlsSettings): LoadedTlsMaterial {
  const out: LoadedTlsMaterial = {};
  if (settings.cert !== undefined) out.cert = load(settings.cert);
  if (settings.key !== undefined) out.key = load(settings.key);
  if (settings.ca !== undefined) out.ca = (Array.isArray(settings.ca) ? settings.ca : [settings.ca]).map(load);
  if ((out.cert === undefined) !== (out.key === undefined)) throw new Error('TLS settings need both cert and key, or neither');
  return out;
}
