/**
 * The start line (RFC 3261 §7.1 Request-Line, §7.2 Status-Line, grammar §25.1) and the small text
 * helpers the parser shares with it. Columns are 1-based positions in the latin1 line text, which
 * holds one character per octet.
 */
import type { Diagnostic, Severity } from './diagnostic';
import { RULE } from './rules';

export const SP = 0x20;
export const HT = 0x09;
const HIGH = /[\x80-\xff]/;

/** ASCII case-insensitive "SIP/" at the start of `s` (the start line is latin1 text: no other character upper-cases to these). */
export function startsWithSipSlash(s: string): boolean {
  return s.length >= 4 && (s.charCodeAt(0) | 0x20) === 0x73 && (s.charCodeAt(1) | 0x20) === 0x69
    && (s.charCodeAt(2) | 0x20) === 0x70 && s.charCodeAt(3) === 0x2f;
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (§25.1; "SIP" case-insensitive). */
export function isVersion(s: string): boolean {
  if (!startsWithSipSlash(s)) return false;
  let i = 4;
  const a = i;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  if (i === a || s.charCodeAt(i) !== 0x2e) return false;
  const b = ++i;
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  return i > b && i === s.length;
}

export function diag(rule: string, severity: Severity, message: string, line = 0, column = 0): Diagnostic {
  return { rule, severity, message, line, column };
}

/** Trim SP/HTAB only: JS `trim()` would also eat 0xA0, the last octet of UTF-8 sequences like "à" (C3 A0). */
export function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === SP || s.charCodeAt(a) === HT)) a++;
  while (b > a && (s.charCodeAt(b - 1) === SP || s.charCodeAt(b - 1) === HT)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

export const TOKEN = new Uint8Array(256);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~') TOKEN[c.charCodeAt(0)] = 1;
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return false;
  }
  return true;
}

/** Decode latin1-held octets as UTF-8; in strict mode report malformed sequences (§25 TEXT-UTF8char). */
export function utf8(s: string, strict: boolean, diags: Diagnostic[], line: number): string {
  if (!HIGH.test(s)) return s;
  const out = Buffer.from(s, 'latin1').toString('utf8');
  if (strict && out.includes('\ufffd') && !s.includes('\xef\xbf\xbd')) {
    diags.push(diag(RULE.utf8, 'error', 'the text is not valid UTF-8', line, 1));
  }
  return out;
}

export interface StartLine {
  kind: 'request' | 'response';
  method: string;
  uri: string;
  status: number;
  reason: string;
  version: string;
}

export function parseStartLine(line: string, strict: boolean, diags: Diagnostic[], ln: number): StartLine | null {
  const first = line.charCodeAt(0);
  if (first === SP || first === HT) {
    diags.push(diag(RULE.startLine, strict ? 'error' : 'warning', 'the start line begins with whitespace', ln, 1));
    line = trimWs(line);
  }
  // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§7.2, §25.1).
  if (startsWithSipSlash(line)) {
    let i = 4;
    while (i < line.length && line.charCodeAt(i) !== SP && line.charCodeAt(i) !== HT) i++;
    const version = line.slice(0, i);
    let j = i;
    while (j < line.length && (line.charCodeAt(j) === SP || line.charCodeAt(j) === HT)) j++;
    if (strict && (j - i !== 1 || line.charCodeAt(i) !== SP)) {
      diags.push(diag(RULE.startLineSpacing, 'error', 'the version and status code must be separated by exactly one space', ln, i + 1));
    }
    const code = line.slice(j, j + 3);
    const after = line.charCodeAt(j + 3);
    if (code.length !== 3 || !isDigit(code.charCodeAt(0)) || !isDigit(code.charCodeAt(1)) || !isDigit(code.charCodeAt(2))
      || (j + 3 < line.length && after !== SP && after !== HT)) {
      diags.push(diag(RULE.statusCode, 'error', 'the status line has no three-digit status code', ln, j + 1));
      return null;
    }
    if (strict && !isVersion(version)) {
      diags.push(diag(RULE.versionGrammar, 'error', `"${version}" is not a SIP version of the form SIP/1.0`, ln, 1));
    }
    let reason = '';
    if (j + 3 >= line.length) {
      if (strict) diags.push(diag(RULE.reasonPhrase, 'warning', 'the status code must be followed by a space, even when the reason phrase is empty', ln, j + 4));
    } else reason = line.slice(j + 4);
    return { kind: 'response', method: '', uri: '', status: Number(code), reason: utf8(reason, strict, diags, ln), version };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version (§7.1, §25.1).
  // Up to four whitespace-separated parts, kept as offsets: three is a request line.
  let parts = 0;
  let m0 = 0;
  let m1 = 0;
  let u0 = 0;
  let u1 = 0;
  let v0 = 0;
  let v1 = 0;
  let i = 0;
  const len = line.length;
  while (i < len && parts < 4) {
    while (i < len && (line.charCodeAt(i) === SP || line.charCodeAt(i) === HT)) i++;
    const s = i;
    while (i < len && line.charCodeAt(i) !== SP && line.charCodeAt(i) !== HT) i++;
    if (i > s) {
      if (parts === 0) { m0 = s; m1 = i; } else if (parts === 1) { u0 = s; u1 = i; } else if (parts === 2) { v0 = s; v1 = i; }
      parts++;
    }
  }
  if (parts !== 3) {
    diags.push(diag(RULE.startLine, 'error', parts > 3
      ? 'the request line has more than three parts (a space inside the Request-URI?)'
      : 'the first line is neither a request line (METHOD URI SIP/2.0) nor a status line (SIP/2.0 CODE reason)', ln, 1));
    return null;
  }
  const method = line.slice(m0, m1);
  const uri = line.slice(u0, u1);
  const version = line.slice(v0, v1);
  if (!isVersion(version)) {
    diags.push(diag(RULE.versionGrammar, 'error', `"${version}" is not a SIP version; a request line ends with SIP/2.0`, ln, line.lastIndexOf(version) + 1));
    if (!startsWithSipSlash(version)) return null;
  }
  if (strict) {
    // Exactly "Method SP Request-URI SP SIP-Version", nothing before or after.
    if (m0 !== 0 || u0 !== m1 + 1 || line.charCodeAt(m1) !== SP || v0 !== u1 + 1 || line.charCodeAt(u1) !== SP || v1 !== len) {
      diags.push(diag(RULE.startLineSpacing, 'error', 'the request line parts must be separated by exactly one space, with nothing before or after', ln, 1));
    }
    if (!isToken(method)) diags.push(diag(RULE.method, 'error', `the method "${method}" contains characters not allowed in a token`, ln, 1));
  }
  return { kind: 'request', method, uri, status: 0, reason: '', version };
}
