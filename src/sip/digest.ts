/**
 * HTTP Digest authentication as SIP uses it (RFC 3261 §22.4, RFC 2617, RFC 7616, RFC 8760):
 * MD5, SHA-256 and SHA-512-256 with their -sess variants, qop=auth / auth-int, and the legacy
 * RFC 2069 form without qop. Client side builds Authorization values; server side issues
 * challenges with self-validating nonces and verifies credentials.
 *
 * The password never leaves the hashing functions: nothing here logs it or puts it in a string
 * other than the H(A1) input.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  /** qop options the server offered (RFC 2617 §3.2.1), empty for the RFC 2069 form. */
  qop: string[];
  opaque?: string;
  stale: boolean;
  domain?: string;
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  qop?: string;
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

export interface AuthorizeInput {
  username: string;
  password: string;
  method: string;
  /** digest-uri: the Request-URI of the request being authorized (RFC 3261 §22.4). */
  uri: string;
  /** Message body, for qop=auth-int. */
  body?: Buffer;
}

// ---- auth-param parsing (RFC 7235 §2.1 / RFC 3261 §25.1 challenge and credentials syntax) ----

/** Split `Digest a=b, c="d, e"` into its scheme and lower-cased parameter names. */
export function parseAuthParams(value: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*/.exec(value);
  const scheme = m ? m[1] : '';
  const params: Record<string, string> = {};
  let i = m ? m[0].length : 0;
  while (i < value.length) {
    while (i < value.length && /[\s,]/.test(value[i])) i++;
    const nm = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*/.exec(value.slice(i));
    if (!nm) break;
    i += nm[0].length;
    let v = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        v += value[i++];
      }
      i++;
    } else {
      while (i < value.length && value[i] !== ',') v += value[i++];
      v = v.trim();
    }
    params[nm[1].toLowerCase()] = v;
  }
  return { scheme, params };
}

const ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'];

function normalizeAlgorithm(text: string | undefined): DigestAlgorithm | null {
  // RFC 2617 §3.2.1: absent means MD5. Tokens compare case-insensitively.
  if (text === undefined || text === '') return 'MD5';
  return ALGORITHMS.find((a) => a.toLowerCase() === text.toLowerCase()) ?? null;
}

export function parseDigestChallenge(value: string): DigestChallenge | null {
  const { scheme, params } = parseAuthParams(value);
  if (scheme.toLowerCase() !== 'digest' || params['realm'] === undefined || params['nonce'] === undefined) return null;
  const algorithm = normalizeAlgorithm(params['algorithm']);
  if (!algorithm) return null;
  return {
    realm: params['realm'],
    nonce: params['nonce'],
    algorithm,
    qop: (params['qop'] ?? '').split(',').map((q) => q.trim()).filter((q) => q.length > 0),
    opaque: params['opaque'],
    stale: (params['stale'] ?? '').toLowerCase() === 'true',
    domain: params['domain'],
  };
}

export function parseDigestCredentials(value: string): DigestCredentials | null {
  const { scheme, params } = parseAuthParams(value);
  if (scheme.toLowerCase() !== 'digest') return null;
  const { username, realm, nonce, uri, response } = params;
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) return null;
  const algorithm = normalizeAlgorithm(params['algorithm']);
  if (!algorithm) return null;
  return { username, realm, nonce, uri, response, algorithm, qop: params['qop'], nc: params['nc'], cnonce: params['cnonce'], opaque: params['opaque'] };
}

// ---- the computation (RFC 2617 §3.2.2, RFC 7616 §3.4.1–3.4.3) ----

function hashName(algorithm: DigestAlgorithm): string {
  if (algorithm.startsWith('SHA-512-256')) return 'sha512-256';
  if (algorithm.startsWith('SHA-256')) return 'sha256';
  return 'md5';
}

function h(algorithm: DigestAlgorithm, data: string | Buffer): string {
  return createHash(hashName(algorithm)).update(data).digest('hex');
}

export interface DigestInputs {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  nonce: string;
  method: string;
  uri: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
  body?: Buffer;
}

/** request-digest: KD(H(A1), nonce:nc:cnonce:qop:H(A2)), or KD(H(A1), nonce:H(A2)) without qop (RFC 2069). */
export function computeDigestResponse(i: DigestInputs): string {
  let ha1 = h(i.algorithm, `${i.username}:${i.realm}:${i.password}`);
  if (i.algorithm.endsWith('-sess')) ha1 = h(i.algorithm, `${ha1}:${i.nonce}:${i.cnonce ?? ''}`);
  const a2 = i.qop === 'auth-int' ? `${i.method}:${i.uri}:${h(i.algorithm, i.body ?? Buffer.alloc(0))}` : `${i.method}:${i.uri}`;
  const ha2 = h(i.algorithm, a2);
  if (i.qop === undefined) return h(i.algorithm, `${ha1}:${i.nonce}:${ha2}`);
  return h(i.algorithm, `${ha1}:${i.nonce}:${i.nc ?? ''}:${i.cnonce ?? ''}:${i.qop}:${ha2}`);
}

function quote(v: string): string {
  return `"${v.replace(/(["\\])/g, '\\$1')}"`;
}

/** Eight hex digits, as nc-value requires (RFC 2617 §3.2.2). */
export function formatNonceCount(nc: number): string {
  return nc.toString(16).padStart(8, '0');
}

/**
 * Build an Authorization / Proxy-Authorization value answering a WWW-/Proxy-Authenticate value.
 * Picks qop=auth when offered (else auth-int when the body is known, else the RFC 2069 form).
 * Throws on a challenge that is not a usable Digest challenge: the caller passed a bad value.
 */
export function authorize(challengeValue: string, input: AuthorizeInput, nc = 1, cnonce?: string): string {
  const ch = parseDigestChallenge(challengeValue);
  if (!ch) throw new Error('not a usable Digest challenge');
  const qop = ch.qop.includes('auth') ? 'auth' : ch.qop.includes('auth-int') ? 'auth-int' : undefined;
  const ncText = formatNonceCount(nc);
  const cn = qop !== undefined || ch.algorithm.endsWith('-sess') ? cnonce ?? randomBytes(8).toString('hex') : undefined;
  const response = computeDigestResponse({
    algorithm: ch.algorithm, username: input.username, realm: ch.realm, password: input.password, nonce: ch.nonce,
    method: input.method, uri: input.uri, qop, nc: ncText, cnonce: cn, body: input.body,
  });
  const parts = [
    `username=${quote(input.username)}`, `realm=${quote(ch.realm)}`, `nonce=${quote(ch.nonce)}`, `uri=${quote(input.uri)}`,
    `response=${quote(response)}`, `algorithm=${ch.algorithm}`,
  ];
  if (cn !== undefined) parts.push(`cnonce=${quote(cn)}`);
  if (ch.opaque !== undefined) parts.push(`opaque=${quote(ch.opaque)}`);
  if (qop !== undefined) parts.push(`qop=${qop}`, `nc=${ncText}`);
  return `Digest ${parts.join(', ')}`;
}

// ---- server side ----

/** Per-process secret the nonces are signed with, so a verifier needs no nonce table. */
const PROCESS_SECRET = randomBytes(32);

export interface ChallengeOptions {
  realm: string;
  algorithm?: DigestAlgorithm;
  stale?: boolean;
  qop?: Array<'auth' | 'auth-int'>;
  opaque?: string;
  /** Override the signing secret (several servers sharing nonces). */
  secret?: Buffer;
  /** Clock, for tests. */
  now?: number;
}

function sign(secret: Buffer, issued: string, realm: string): string {
  return createHmac('sha256', secret).update(`${issued}:${realm}`).digest('base64url').slice(0, 22);
}

/** nonce = issue-time "." HMAC(secret, time:realm): the server can tell a forged nonce from a stale one. */
export function createNonce(realm: string, secret: Buffer = PROCESS_SECRET, now = Date.now()): string {
  const issued = now.toString(36);
  return `${issued}.${sign(secret, issued, realm)}`;
}

/** A WWW-Authenticate / Proxy-Authenticate value (RFC 3261 §22.1, RFC 7616 §3.3). */
export function createChallenge(opts: ChallengeOptions): string {
  const algorithm = opts.algorithm ?? 'MD5';
  const nonce = createNonce(opts.realm, opts.secret, opts.now);
  const qop = (opts.qop ?? ['auth']).join(',');
  const parts = [`realm=${quote(opts.realm)}`, `nonce=${quote(nonce)}`, `algorithm=${algorithm}`];
  if (qop) parts.push(`qop=${quote(qop)}`);
  if (opts.opaque !== undefined) parts.push(`opaque=${quote(opts.opaque)}`);
  if (opts.stale) parts.push('stale=TRUE');
  return `Digest ${parts.join(', ')}`;
}

export type DigestVerdict = 'ok' | 'stale' | 'bad';

export interface VerifyOptions {
  method: string;
  realm: string;
  /** Password of a user, or undefined for an unknown user. */
  password: (username: string) => string | undefined;
  body?: Buffer;
  /** When given, the credentials' digest-uri must equal it. */
  uri?: string;
  /** Nonce lifetime before it is reported stale (default 5 minutes). */
  nonceTtlMs?: number;
  secret?: Buffer;
  now?: number;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Check an Authorization / Proxy-Authorization value. 'stale' means the digest is right for a
 * nonce we issued but which expired: the server re-challenges with stale=TRUE (RFC 2617 §3.2.1).
 */
export function verify(credentialsValue: string, opts: VerifyOptions): DigestVerdict {
  const c = parseDigestCredentials(credentialsValue);
  if (!c || c.realm !== opts.realm) return 'bad';
  if (opts.uri !== undefined && c.uri !== opts.uri) return 'bad';
  const dot = c.nonce.indexOf('.');
  if (dot <= 0) return 'bad';
  const issued = c.nonce.slice(0, dot);
  if (!sameText(sign(opts.secret ?? PROCESS_SECRET, issued, opts.realm), c.nonce.slice(dot + 1))) return 'bad';
  const password = opts.password(c.username);
  if (password === undefined) return 'bad';
  if (c.qop !== undefined && (c.nc === undefined || c.cnonce === undefined)) return 'bad';
  const expected = computeDigestResponse({
    algorithm: c.algorithm, username: c.username, realm: c.realm, password, nonce: c.nonce, method: opts.method,
    uri: c.uri, qop: c.qop, nc: c.nc, cnonce: c.cnonce, body: opts.body,
  });
  if (!sameText(expected, c.response.toLowerCase())) return 'bad';
  const age = (opts.now ?? Date.now()) - parseInt(issued, 36);
  return age > (opts.nonceTtlMs ?? 300_000) || age < 0 ? 'stale' : 'ok';
}
