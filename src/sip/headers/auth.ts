/**
 * WWW-Authenticate / Proxy-Authenticate challenges and Authorization / Proxy-Authorization
 * credentials (RFC 3261 §20.27, §20.7, §22; digest parameters per RFC 7616 §3.3–3.4):
 * `Digest realm="x", nonce="y", algorithm=MD5, qop="auth"`.
 */
import { isToken, isTokenCode, quote, readQuoted, skipWs } from './lex';

export interface AuthHeader {
  scheme: string;
  /** Parameter names lower-cased; quoted values unquoted. */
  params: Record<string, string>;
}

function parseAuth(value: string): AuthHeader | null {
  const s = value.trim();
  let i = 0;
  while (i < s.length && isTokenCode(s.charCodeAt(i))) i++;
  const scheme = s.slice(0, i);
  if (scheme.length === 0) return null;
  const params: Record<string, string> = {};
  i = skipWs(s, i);
  while (i < s.length) {
    const ns = i;
    while (i < s.length && isTokenCode(s.charCodeAt(i))) i++;
    const name = s.slice(ns, i).toLowerCase();
    if (name.length === 0) return null;
    i = skipWs(s, i);
    if (s[i] !== '=') return null;
    i = skipWs(s, i + 1);
    if (s[i] === '"') {
      const q = readQuoted(s, i);
      if (!q) return null;
      params[name] = q.text;
      i = q.end;
    } else {
      const vs = i;
      while (i < s.length && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') i++;
      if (i === vs) return null;
      params[name] = s.slice(vs, i);
    }
    i = skipWs(s, i);
    if (i < s.length) {
      if (s[i] !== ',') return null;
      i = skipWs(s, i + 1);
    }
  }
  return { scheme, params };
}

export function parseChallenge(value: string): AuthHeader | null {
  return parseAuth(value);
}

export function parseCredentials(value: string): AuthHeader | null {
  return parseAuth(value);
}

/** RFC 7616 §3.3: these challenge parameters are quoted-strings; algorithm/stale/charset/userhash are tokens. */
const CHALLENGE_QUOTED = new Set(['realm', 'domain', 'nonce', 'opaque', 'qop']);
/** RFC 7616 §3.4: these credential parameters are quoted-strings; qop, nc, algorithm, userhash are tokens. */
const CREDENTIALS_QUOTED = new Set(['username', 'realm', 'nonce', 'uri', 'response', 'cnonce', 'opaque']);

function formatAuth(h: AuthHeader, quoted: Set<string>): string {
  const parts = Object.entries(h.params).map(([k, v]) =>
    `${k}=${quoted.has(k.toLowerCase()) || !isToken(v) ? quote(v) : v}`);
  return parts.length > 0 ? `${h.scheme} ${parts.join(', ')}` : h.scheme;
}

export function formatChallenge(h: AuthHeader): string {
  return formatAuth(h, CHALLENGE_QUOTED);
}

export function formatCredentials(h: AuthHeader): string {
  return formatAuth(h, CREDENTIALS_QUOTED);
}
