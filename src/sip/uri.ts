/**
 * SIP/SIPS URI (RFC 3261 §19.1, grammar §25.1). Other schemes (tel:, urn:, im:, ...) are kept
 * verbatim: a conformance tool must carry them, not judge them here.
 *
 * Fidelity choices: `user`, `password` and parameter values keep their wire text (escapes
 * intact) so a URI re-emits as received; URI header values (`?Replaces=...`) are %-unescaped
 * exactly once — never recursively, so `%2540` stays `%40` (RFC 3261 §19.1.2, RFC 4475 §3.1.1.5).
 */
import { formatParams, trimEnd, trimStart } from './headers/lex';

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
  // headers), so the first '@' is the delimiter when it comes before any '?', or when everything
  // before it is userinfo characters ("?" is user-unreserved: RFC 4475 §3.1.1.2's
  // `sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,...@example.com`).
  const at = userinfoEnd(rest, 0, rest.length);
  if (at >= 0) {
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

/**
 * §25.1 userinfo characters: unreserved, escaped ("%"), user-unreserved ("&" "=" "+" "$" ","
 * ";" "?" "/"), password ("&" "=" "+" "$" ",") and the ":" between user and password.
 */
const USERINFO = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()%&=+$,;?/:") USERINFO[c.charCodeAt(0)] = 1;

/**
 * Index of the '@' ending the userinfo of the URI text [r, end) after "sip:", or -1. The first
 * '@' counts when no '?' precedes it (the form every URI the harness builds has), or when all of
 * [r, '@') are userinfo characters, since then the §25.1 grammar can only read it that way.
 */
function userinfoEnd(text: string, r: number, end: number): number {
  let at = text.indexOf('@', r);
  if (at >= end) at = -1;
  if (at < 0) return -1;
  const q0 = text.indexOf('?', r);
  if (q0 < 0 || q0 >= end || at < q0) return at;
  for (let j = r; j < at; j++) {
    const c = text.charCodeAt(j);
    if (c >= 128 || USERINFO[c] !== 1) return -1;
  }
  // The userinfo reading needs a host after the '@' (§25.1 hostport: hostname, IPv4 or "[" IPv6);
  // without one, the '?' starts the headers, as in every URI read before RFC 4475 §3.1.1.2 was.
  return startsHost(text, at + 1, end) ? at : -1;
}

/** Whether [i, end) begins with a §25.1 host: a hostname/IPv4 character up to its end, or "[". */
function startsHost(text: string, i: number, end: number): boolean {
  if (i >= end) return false;
  if (text[i] === '[') return true;
  let j = i;
  while (j < end && /[A-Za-z0-9.-]/.test(text[j])) j++;
  return j > i && (j === end || text[j] === ':' || text[j] === ';' || text[j] === '?' || text[j] === '>' || /\s/.test(text[j]));
}

/**
 * For a SIP/SIPS URI that `isParsableUri` accepts: the index of the "?" that starts its headers
 * (§19.1.1), or -1. A "?" inside the userinfo is a user-unreserved character, not headers.
 */
export function sipUriHeadersAt(text: string): number {
  const end = trimEnd(text, 0, text.length);
  const colon = text.indexOf(':', trimStart(text, 0, end));
  if (colon < 0) return -1;
  const at = userinfoEnd(text, colon + 1, end);
  const q = text.indexOf('?', at >= 0 ? at + 1 : colon + 1);
  return q >= 0 && q < end ? q : -1;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isHostNameCode(c: number): boolean {
  return isAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x5f || c === 0x2d;
}

function isIpv6RefCode(c: number): boolean {
  return (c >= 0x30 && c <= 0x3a) || c === 0x2e || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * `parseUri(text) !== null`, decided without building the URI: the strict parser checks every
 * Request-URI (§25.1 Request-URI) and only needs the verdict. Same rules, same order as
 * `parseUri`; test/property/shape.test.ts compares the two on random input.
 */
export function isParsableUri(text: string): boolean {
  const end = trimEnd(text, 0, text.length);
  const b = trimStart(text, 0, end);
  const colon = text.indexOf(':', b);
  if (colon <= b || colon >= end) return false;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  if (!isAlpha(text.charCodeAt(b))) return false;
  for (let j = b + 1; j < colon; j++) {
    const c = text.charCodeAt(j);
    if (!(isAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  const sl = colon - b;
  if (sl !== 3 && sl !== 4) return true;
  if ((text.charCodeAt(b) | 0x20) !== 0x73 || (text.charCodeAt(b + 1) | 0x20) !== 0x69 || (text.charCodeAt(b + 2) | 0x20) !== 0x70) return true;
  if (sl === 4 && (text.charCodeAt(b + 3) | 0x20) !== 0x73) return true;

  // rest = text[r, end). userinfo: as `parseUri` finds it.
  let r = colon + 1;
  const at = userinfoEnd(text, r, end);
  if (at >= 0) {
    // user = userinfo up to its first ':' (or all of it) must be non-empty.
    if (at === r || text.charCodeAt(r) === 0x3a) return false;
    r = at + 1;
  }
  let i = r;
  if (i < end && text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf(']', i);
    if (close < 0 || close >= end || close === i + 1) return false;
    for (let j = i + 1; j < close; j++) if (!isIpv6RefCode(text.charCodeAt(j))) return false;
    i = close + 1;
  } else {
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x3a || c === 0x3b || c === 0x3f) break;
      if (!isHostNameCode(c)) return false;
    }
    if (i === r) return false;
  }
  if (i < end && text.charCodeAt(i) === 0x3a) {
    const ps = ++i;
    let port = 0;
    while (i < end && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) port = port * 10 + text.charCodeAt(i++) - 0x30;
    if (i === ps || i - ps > 5 || port > 65535) return false;
  }
  // uri-parameters up to the first '?' after the host: ";" then non-empty names ("=x" is bad).
  let qi = text.indexOf('?', i);
  if (qi >= end) qi = -1;
  const pe = qi < 0 ? end : qi;
  if (i < pe) {
    if (text.charCodeAt(i) !== 0x3b) return false;
    for (let j = i + 1; j < pe; j++) if (text.charCodeAt(j) === 0x3d && text.charCodeAt(j - 1) === 0x3b) return false;
  }
  if (qi >= 0) {
    // headers: "&"-separated; a non-empty one must have a name before its '='.
    if (qi + 1 < end && text.charCodeAt(qi + 1) === 0x3d) return false;
    for (let j = qi + 2; j < end; j++) if (text.charCodeAt(j) === 0x3d && text.charCodeAt(j - 1) === 0x26) return false;
  }
  return true;
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
