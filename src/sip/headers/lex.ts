/**
 * Shared lexical helpers for header values (RFC 3261 §25.1: token, quoted-string, quoted-pair,
 * LWS, generic-param). Every function here is total: bad input yields null or a best effort,
 * never an exception, because the harness must survive whatever a SUT sends.
 */

/** Parameter map: a flag parameter (`;lr`) maps to null, `;a=b` to the value text as on the wire. */
export type Params = Record<string, string | null>;

/** §25.1 token characters: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~". */
const TOKEN = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~') TOKEN[c.charCodeAt(0)] = 1;

/** hostname / IPv4address characters (§25.1): alphanum, "-", "." (and "_", seen in the wild). */
const HOST = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._') HOST[c.charCodeAt(0)] = 1;

export function isHostCode(code: number): boolean {
  return code < 128 && HOST[code] === 1;
}

export function isTokenCode(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

/** True when `s` is a non-empty §25.1 token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenCode(s.charCodeAt(i))) return false;
  return true;
}

/** §25.1 LWS after unfolding is SP / HTAB only. */
export function isWs(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

export function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Read a quoted-string starting at the opening DQUOTE at `i` (§25.1 quoted-string, quoted-pair).
 * Returns the unescaped content and the index after the closing quote, or null when unterminated.
 */
export function readQuoted(s: string, i: number): { text: string; end: number } | null {
  if (s.charCodeAt(i) !== 0x22) return null;
  let out = '';
  let j = i + 1;
  let chunk = j;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) {
      // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F): the escaped octet stands for itself.
      if (j + 1 >= s.length) return null;
      out += s.slice(chunk, j) + s[j + 1];
      j += 2;
      chunk = j;
    } else if (c === 0x22) {
      return { text: out + s.slice(chunk, j), end: j + 1 };
    } else j++;
  }
  return null;
}

/** Unquote a value if it is one whole quoted-string; otherwise return it unchanged. */
export function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.charCodeAt(0) === 0x22) {
    const q = readQuoted(v, 0);
    if (q && q.end === v.length) return q.text;
  }
  return value;
}

/** Build a quoted-string, escaping `"` and `\` as quoted-pairs (§25.1). */
export function quote(text: string): string {
  return '"' + text.replace(/[\\"]/g, (m) => '\\' + m) + '"';
}

/**
 * Parse `*( SEMI generic-param )` (§25.1) from index `i` of `s`. Values keep their wire text
 * (quotes included) so the header can be re-emitted unchanged; use `unquote` to read them.
 * Names are lower-cased: parameter names compare case-insensitively (§7.3.1). Parsing stops at
 * `stop` characters outside quotes (e.g. `,` for list elements). Returns null on a malformed
 * parameter (empty name, unterminated quote).
 */
export function parseParams(s: string, i: number, stop = ''): { params: Params; end: number } | null {
  const params: Params = {};
  const hasStop = stop.length > 0;
  const len = s.length;
  i = skipWs(s, i);
  while (i < len) {
    if (hasStop && stop.includes(s[i]!)) break;
    if (s.charCodeAt(i) !== 0x3b) return null; // ';'
    i = skipWs(s, i + 1);
    const nameStart = i;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x3d || c === 0x3b || c === 0x20 || c === 0x09 || (hasStop && stop.includes(s[i]!))) break;
    }
    if (i === nameStart) return null;
    const name = s.slice(nameStart, i).toLowerCase();
    i = skipWs(s, i);
    if (s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1);
      if (s.charCodeAt(i) === 0x22) {
        const q = readQuoted(s, i);
        if (!q) return null;
        params[name] = s.slice(i, q.end);
        i = q.end;
      } else {
        const vStart = i;
        for (; i < len; i++) {
          const c = s.charCodeAt(i);
          if (c === 0x3b || c === 0x20 || c === 0x09 || (hasStop && stop.includes(s[i]!))) break;
        }
        params[name] = s.slice(vStart, i);
      }
    } else params[name] = null;
    i = skipWs(s, i);
  }
  return { params, end: i };
}

/** Emit parameters as `;name=value` / `;flag`, in insertion order. */
export function formatParams(params: Params): string {
  let out = '';
  for (const [k, v] of Object.entries(params)) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}

/**
 * Where the list element starting at `from` ends: the index of the next comma that separates
 * elements of a list-valued header (§7.3.1), i.e. one outside quoted strings (with quoted-pairs,
 * §25.1) and outside <...>; -1 when the element runs to the end of `value`. The one scanner
 * behind splitList here and the linter's element-by-element check (lint/semantics.ts checkList).
 */
export function nextListComma(value: string, from: number): number {
  let angle = 0;
  let inQuote = false;
  for (let i = from; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === 0x3c) angle++;
    else if (c === 0x3e) angle = angle > 0 ? angle - 1 : 0;
    else if (c === 0x2c && angle === 0) return i;
  }
  return -1;
}

/**
 * Split a list-valued header on top-level commas (§7.3.1), outside quoted strings and <...>;
 * elements are trimmed and empty ones dropped. message.ts splitCommaList is this function.
 */
export function splitList(value: string): string[] {
  if (value.indexOf(',') < 0) {
    const v = value.trim();
    return v.length > 0 ? [v] : [];
  }
  const parts: string[] = [];
  for (let start = 0; ;) {
    const comma = nextListComma(value, start);
    const p = (comma < 0 ? value.slice(start) : value.slice(start, comma)).trim();
    if (p.length > 0) parts.push(p);
    if (comma < 0) return parts;
    start = comma + 1;
  }
}

/*
 * Allocation-free shape checks. The strict parser runs the §25 grammar over every Via, From/To,
 * Contact and Route of every message; building the typed objects just to throw them away was
 * most of its cost. These scanners accept exactly what the parsers above accept (the property
 * test test/property/shape.test.ts compares them on random input), working on a range
 * [start, end) of a string so list elements need not be sliced out.
 */

/**
 * What `String.prototype.trim` and regex `\s` remove: ECMAScript WhiteSpace and LineTerminator.
 * The parsers trim with JS `trim()`, so the range scanners must trim the same set (0xA0 included).
 */
export function isJsSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029
    || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** First index of [start, end) not removed by `trim()` at the front. */
export function trimStart(s: string, start: number, end: number): number {
  while (start < end && isJsSpace(s.charCodeAt(start))) start++;
  return start;
}

/** End of [start, end) after what `trim()` removes at the back. */
export function trimEnd(s: string, start: number, end: number): number {
  while (end > start && isJsSpace(s.charCodeAt(end - 1))) end--;
  return end;
}

/** Index after the quoted-string opening at `i` (same rules as `readQuoted`), or -1 when unterminated. */
export function quotedEnd(s: string, i: number, end: number): number {
  let j = i + 1;
  while (j < end) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) {
      if (j + 1 >= end) return -1;
      j += 2;
    } else if (c === 0x22) return j + 1;
    else j++;
  }
  return -1;
}

/** True when s[start, start + want.length) equals `want` (lower-case ASCII) ignoring ASCII case. */
export function asciiEqualsLower(s: string, start: number, len: number, want: string): boolean {
  if (len !== want.length) return false;
  for (let k = 0; k < len; k++) {
    let c = s.charCodeAt(start + k);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== want.charCodeAt(k)) return false;
  }
  return true;
}

/** `scanParams` result: the parameters are malformed. */
export const PARAMS_BAD = -1;
/** `scanParams` result: well formed, and `want` is absent or (last occurrence) a flag. */
export const PARAMS_OK = 0;
/** `scanParams` result: well formed, and the last `want` parameter has a value. */
export const PARAMS_WANT_VALUE = 1;

/**
 * Shape of `parseParams(s.slice(0, end), i)` (no stop characters): PARAMS_BAD exactly when that
 * returns null. `want` (lower-case ASCII, e.g. "branch", "tag") reports whether the resulting
 * `params[want]` would be a string. Parameter names are lower-cased by `toLowerCase()`, but no
 * non-ASCII character lower-cases to an ASCII letter other than "k" (U+212A KELVIN SIGN), so an
 * ASCII case-insensitive compare decides it for names without "k".
 */
export function scanParams(s: string, i: number, end: number, want = ''): number {
  let has = false;
  const wantLen = want.length;
  while (i < end && isWs(s.charCodeAt(i))) i++;
  while (i < end) {
    if (s.charCodeAt(i) !== 0x3b) return PARAMS_BAD; // ';'
    i++;
    while (i < end && isWs(s.charCodeAt(i))) i++;
    const nameStart = i;
    for (; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x3d || c === 0x3b || c === 0x20 || c === 0x09) break;
    }
    if (i === nameStart) return PARAMS_BAD;
    const isWant = wantLen > 0 && i - nameStart === wantLen && asciiEqualsLower(s, nameStart, wantLen, want);
    while (i < end && isWs(s.charCodeAt(i))) i++;
    if (i < end && s.charCodeAt(i) === 0x3d) {
      i++;
      while (i < end && isWs(s.charCodeAt(i))) i++;
      if (i < end && s.charCodeAt(i) === 0x22) {
        i = quotedEnd(s, i, end);
        if (i < 0) return PARAMS_BAD;
      } else {
        for (; i < end; i++) {
          const c = s.charCodeAt(i);
          if (c === 0x3b || c === 0x20 || c === 0x09) break;
        }
      }
      if (isWant) has = true;
    } else if (isWant) has = false;
    while (i < end && isWs(s.charCodeAt(i))) i++;
  }
  return has ? PARAMS_WANT_VALUE : PARAMS_OK;
}
