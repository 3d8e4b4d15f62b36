/**
 * SIP/SIPS URI (RFC 3261 §19.1, grammar §25.1). Other schemes (tel:, urn:, im:, ...) are kept
 * verbatim: a conformance tool must carry them, not judge them here.
 *
 * Fidelity choices: `user`, `password` and parameter values keep their wire text (escapes
 * intact) so a URI re-emits as received; URI header values (`?Replaces=...`) are %-unescaped
 * exactly once — never recursively, so `%2540` stays `%40` (RFC 3261 §19.1.2, RFC 4475 §3.1.1.5).
 */
import { formatParams } from './headers/lex';

export interface SipUri {
  scheme: string;
  user?: string;
  password?: string;
  /** Host name or address; IPv6 references are stored without the brackets. */
  host: string;
  port?: number;
  /** uri-parameters, names lower-cased, values as on the wire (null for a flag like `lr`). */
  params: Record<string, string | null>;
  /** URI headers (`?name=value&...`), values %-unescaped once. */
  headers: Record<string, string>;
  raw: string;
}

const HEX = '0123456789ABCDEF';

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Replace each valid `%HH` once (octets, then UTF-8); a stray `%` stays as it is. */
export function unescapeOnce(s: string): string {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && hexVal(s.charCodeAt(i + 1)) >= 0 && hexVal(s.charCodeAt(i + 2)) >= 0) {
      bytes.push(hexVal(s.charCodeAt(i + 1)) * 16 + hexVal(s.charCodeAt(i + 2)));
      i += 2;
    } else {
      for (const b of Buffer.from(s[i] ?? '', 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * %-escape a URI header value: only unreserved (§25.1) and hnv-unreserved `[ ] / : + $` stay
 * literal; `;` `=` `@` `?` `&` `,` `%` and everything else are escaped (RFC 3261 §19.1.2,
 * RFC 3515 §2.1 example with an escaped Replaces).
 */
export function escapeHeaderValue(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.!~*'()[\]/:+$]/.test(ch)) out += ch;
    else out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/** Parse a URI; null when a sip/sips URI is malformed or the text has no scheme. Never throws. */
export function parseUri(text: string): SipUri | null {
  const raw = text.trim();
  const colon = raw.indexOf(':');
  if (colon <= 0) return null;
  const scheme = raw.slice(0, colon);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme)) return null;
  const lower = scheme.toLowerCase();
  if (lower !== 'sip' && lower !== 'sips') return { scheme, host: '', params: {}, headers: {}, raw };
  let rest = raw.slice(colon + 1);
  const uri: SipUri = { scheme, host: '', params: {}, headers: {}, raw };

  // userinfo ends at an '@'; no unescaped '@' may appear elsewhere (§25.1 hostport, params,
  // headers), so the first '@' before any '?' is the delimiter.
  const q0 = rest.indexOf('?');
  const at = rest.indexOf('@');
  if (at >= 0 && (q0 < 0 || at < q0)) {
    const userinfo = rest.slice(0, at);
    const pc = userinfo.indexOf(':');
    if (pc >= 0) {
      uri.user = userinfo.slice(0, pc);
      uri.password = userinfo.slice(pc + 1);
    } else uri.user = userinfo;
    if (uri.user.length === 0) return null;
    rest = rest.slice(at + 1);
  }

  // hostport = host [ ":" port ]; IPv6reference = "[" IPv6address "]" (§25.1).
  let i = 0;
  if (rest[0] === '[') {
    const close = rest.indexOf(']');
    if (close < 0) return null;
    uri.host = rest.slice(1, close);
    if (!/^[0-9A-Fa-f:.]+$/.test(uri.host)) return null;
    i = close + 1;
  } else {
    while (i < rest.length && rest[i] !== ':' && rest[i] !== ';' && rest[i] !== '?') i++;
    uri.host = rest.slice(0, i);
    if (!/^[A-Za-z0-9._-]+$/.test(uri.host)) return null;
  }
  if (rest[i] === ':') {
    const ps = ++i;
    while (i < rest.length && rest.charCodeAt(i) >= 0x30 && rest.charCodeAt(i) <= 0x39) i++;
    if (i === ps || i - ps > 5) return null;
    uri.port = Number(rest.slice(ps, i));
    if (uri.port > 65535) return null;
  }

  // uri-parameters = *( ";" uri-parameter ); paramchars never include '?'.
  const qi = rest.indexOf('?', i);
  const paramText = rest.slice(i, qi < 0 ? rest.length : qi);
  if (paramText.length > 0) {
    if (paramText[0] !== ';') return null;
    for (const p of paramText.slice(1).split(';')) {
      if (p.length === 0) continue;
      const eq = p.indexOf('=');
      const name = (eq < 0 ? p : p.slice(0, eq)).toLowerCase();
      if (name.length === 0) return null;
      uri.params[name] = eq < 0 ? null : p.slice(eq + 1);
    }
  }
  if (qi >= 0) {
    for (const h of rest.slice(qi + 1).split('&')) {
      if (h.length === 0) continue;
      const eq = h.indexOf('=');
      const name = eq < 0 ? h : h.slice(0, eq);
      if (name.length === 0) return null;
      uri.headers[unescapeOnce(name)] = eq < 0 ? '' : unescapeOnce(h.slice(eq + 1));
    }
  }
  return uri;
}

/** Emit a URI from its parts (non-sip schemes: the raw text). Header values are re-escaped. */
export function formatUri(u: SipUri): string {
  const lower = u.scheme.toLowerCase();
  if (lower !== 'sip' && lower !== 'sips') return u.raw;
  let out = u.scheme + ':';
  if (u.user !== undefined) out += u.user + (u.password !== undefined ? ':' + u.password : '') + '@';
  out += u.host.includes(':') ? `[${u.host}]` : u.host;
  if (u.port !== undefined) out += ':' + u.port;
  out += formatParams(u.params);
  const hs = Object.entries(u.headers);
  if (hs.length > 0) out += '?' + hs.map(([k, v]) => `${escapeHeaderValue(k)}=${escapeHeaderValue(v)}`).join('&');
  return out;
}
