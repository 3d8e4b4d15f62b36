/**
 * Semantic checks of one parsed message, beyond the §25 grammar: what RFC 3261 §8.1.1 and §20
 * require of a well-formed request or response. The parser runs these in strict mode; the lint
 * command shows them. Each check can fail on a real message; none alters the message.
 */
import type { SipMessage } from '../message';
import type { Diagnostic, Severity } from '../codec/diagnostic';
import { isTokenCode, trimEnd, trimStart } from '../headers/lex';
import { nameAddrShape, NAME_ADDR_BAD, NAME_ADDR_TAG } from '../headers/name-addr';
import { viaShape, VIA_BAD, VIA_NO_BRANCH } from '../headers/via';
import { isParsableContentType } from '../headers/content';
import { isParsableUri } from '../uri';

/*
 * Header kinds: the header fields these checks look at, as small integers. The parser classifies
 * each name once (compact forms of §7.3.3 included) and hands the kinds over, so no name is
 * lower-cased or looked up in a map per message.
 */
export const H_OTHER = 0;
export const H_TO = 1;
export const H_FROM = 2;
export const H_CSEQ = 3;
export const H_CALL_ID = 4;
export const H_MAX_FORWARDS = 5;
export const H_VIA = 6;
export const H_CONTENT_TYPE = 7;
export const H_EXPIRES = 8;
export const H_MIN_EXPIRES = 9;
export const H_CONTENT_LENGTH = 10;
export const H_CONTACT = 11;
export const H_ROUTE = 12;
export const H_RECORD_ROUTE = 13;
const KINDS = 14;

const DISPLAY = ['', 'To', 'From', 'CSeq', 'Call-ID', 'Max-Forwards', 'Via', 'Content-Type', 'Expires', 'Min-Expires', 'Content-Length', 'Contact', 'Route', 'Record-Route'];
/** §8.1.1: the six header fields every request carries; §8.2.6.2/§20: what responses copy. */
const REQUEST_MANDATORY = [H_TO, H_FROM, H_CSEQ, H_CALL_ID, H_MAX_FORWARDS, H_VIA];
const RESPONSE_MANDATORY = [H_VIA, H_FROM, H_TO, H_CALL_ID, H_CSEQ];
/** Header fields that may appear once only (§7.3.1: only comma-list headers may repeat); Content-Length repeats are the framer's business. */
const SINGLE = [false, true, true, true, true, true, false, true, true, true, false, false, false, false];

/** ASCII case-insensitive `name.toLowerCase() === want` for `want` lower-case ASCII (see lex.ts on why ASCII suffices). */
function is(name: string, want: string): boolean {
  const n = want.length;
  for (let k = 0; k < n; k++) {
    let c = name.charCodeAt(k);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== want.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * Kind of a header name: its canonical long name (RFC 3261 §7.3.1 case-insensitive, §7.3.3
 * compact forms) among those checked here, else H_OTHER. Dispatches on length so a name is
 * compared with at most three candidates.
 */
export function headerKind(name: string): number {
  switch (name.length) {
    case 1:
      switch (name.charCodeAt(0) | 0x20) {
        case 0x74: return name === 't' || name === 'T' ? H_TO : H_OTHER;
        case 0x66: return name === 'f' || name === 'F' ? H_FROM : H_OTHER;
        case 0x69: return name === 'i' || name === 'I' ? H_CALL_ID : H_OTHER;
        case 0x76: return name === 'v' || name === 'V' ? H_VIA : H_OTHER;
        case 0x63: return name === 'c' || name === 'C' ? H_CONTENT_TYPE : H_OTHER;
        case 0x6c: return name === 'l' || name === 'L' ? H_CONTENT_LENGTH : H_OTHER;
        case 0x6d: return name === 'm' || name === 'M' ? H_CONTACT : H_OTHER;
        default: return H_OTHER;
      }
    case 2: return is(name, 'to') ? H_TO : H_OTHER;
    case 3: return is(name, 'via') ? H_VIA : H_OTHER;
    case 4: return is(name, 'from') ? H_FROM : is(name, 'cseq') ? H_CSEQ : H_OTHER;
    case 5: return is(name, 'route') ? H_ROUTE : H_OTHER;
    case 7: return is(name, 'call-id') ? H_CALL_ID : is(name, 'contact') ? H_CONTACT : is(name, 'expires') ? H_EXPIRES : H_OTHER;
    case 11: return is(name, 'min-expires') ? H_MIN_EXPIRES : H_OTHER;
    case 12: return is(name, 'max-forwards') ? H_MAX_FORWARDS : is(name, 'content-type') ? H_CONTENT_TYPE : is(name, 'record-route') ? H_RECORD_ROUTE : H_OTHER;
    case 14: return is(name, 'content-length') ? H_CONTENT_LENGTH : H_OTHER;
    default: return H_OTHER;
  }
}

/** 1*DIGIT of at most `max` digits filling [start, end) (§25.1 for Max-Forwards, Expires). */
function isDigits(s: string, start: number, end: number, max: number): boolean {
  if (end <= start || end - start > max) return false;
  for (let j = start; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Scratch for the per-kind first index and count: reset on every call, never carried over. */
const FIRST = new Int32Array(KINDS);
const COUNT = new Int32Array(KINDS);

export function checkSemantics(msg: SipMessage, headerLines: number[] = [], startLine = 1): Diagnostic[] {
  const hs = msg.headers;
  const kinds = new Uint8Array(hs.length);
  for (let i = 0; i < hs.length; i++) kinds[i] = headerKind(hs[i]!.name);
  const out: Diagnostic[] = [];
  checkSemanticsInto(msg, kinds, headerLines, startLine, out);
  return out;
}

/**
 * `checkSemantics` for a caller that already knows each header's kind (`headerKind`), appending
 * to `out`. The happy path allocates nothing: grammar checks use the shape scanners of
 * headers/ (same verdicts as the typed parsers), diagnostics are built only on failure.
 */
export function checkSemanticsInto(msg: SipMessage, kinds: ArrayLike<number>, headerLines: readonly number[], startLine: number, out: Diagnostic[]): void {
  const add = (rule: string, severity: Severity, message: string, line = startLine, column = 1): void => {
    out.push({ rule, severity, message, line, column });
  };
  const hs = msg.headers;
  FIRST.fill(-1);
  COUNT.fill(0);
  for (let i = 0; i < hs.length; i++) {
    const k = kinds[i]!;
    if (k === H_OTHER) continue;
    if (COUNT[k] === 0) FIRST[k] = i;
    COUNT[k]++;
  }
  const lineOf = (i: number): number => headerLines[i] ?? 0;

  // §7.1 / §7.2: this harness speaks SIP/2.0 only.
  if (msg.version !== 'SIP/2.0') {
    if (msg.version.toUpperCase() === 'SIP/2.0') add('RFC3261-7.1-sip-version-case', 'warning', `the version is written "${msg.version}"; write SIP/2.0`);
    else add('RFC3261-7.1-sip-version', 'error', `the SIP version is "${msg.version}"; only SIP/2.0 is defined (a server answers 505)`);
  }

  const mandatory = msg.kind === 'request' ? REQUEST_MANDATORY : RESPONSE_MANDATORY;
  for (let m = 0; m < mandatory.length; m++) {
    const k = mandatory[m]!;
    if (COUNT[k] === 0) add('RFC3261-8.1.1-missing-header', 'error', `the mandatory ${DISPLAY[k]} header is missing`);
  }

  // Duplicates, reported in order of each header's first appearance.
  let dups: number[] | null = null;
  for (let k = 1; k < KINDS; k++) if (SINGLE[k] && COUNT[k]! > 1) (dups ??= []).push(k);
  if (dups) {
    dups.sort((a, b) => FIRST[a]! - FIRST[b]!);
    for (const k of dups) {
      let second = FIRST[k]! + 1;
      while (kinds[second] !== k) second++;
      add('RFC3261-7.3.1-duplicate-header', 'error', `${DISPLAY[k]} appears ${COUNT[k]} times; it may appear only once`, lineOf(second));
    }
  }

  if (msg.kind === 'response' && (msg.status < 100 || msg.status > 699)) {
    add('RFC3261-21-status-range', 'error', `status code ${msg.status} is outside 100–699`);
  }

  if (msg.kind === 'request' && !requestUriOk(msg.uri)) {
    add('RFC3261-25-request-uri', 'error', `the Request-URI "${msg.uri}" is not a well-formed URI`, startLine, msg.method.length + 2);
  }

  if (FIRST[H_CSEQ]! >= 0) checkCSeq(msg, hs[FIRST[H_CSEQ]!]!.value, lineOf(FIRST[H_CSEQ]!), add);

  if (FIRST[H_MAX_FORWARDS]! >= 0) {
    const v = hs[FIRST[H_MAX_FORWARDS]!]!.value;
    const line = lineOf(FIRST[H_MAX_FORWARDS]!);
    if (!isDigits(v, 0, v.length, 10)) add('RFC3261-25-max-forwards', 'error', `Max-Forwards "${v}" is not a number`, line);
    else if (Number(v) > 255) add('RFC3261-8.1.1.6-max-forwards-range', 'error', `Max-Forwards ${v} is above 255`, line);
  }

  if (FIRST[H_CALL_ID]! >= 0) {
    // §25.1 callid = word [ "@" word ]: visible ASCII, no whitespace.
    const v = hs[FIRST[H_CALL_ID]!]!.value;
    let ok = v.length > 0;
    for (let j = 0; ok && j < v.length; j++) {
      const c = v.charCodeAt(j);
      if (c < 0x21 || c > 0x7e) ok = false;
    }
    if (!ok) add('RFC3261-25-call-id', 'error', `Call-ID "${v}" must be one word (optionally word@word) without spaces`, lineOf(FIRST[H_CALL_ID]!));
  }

  for (const k of FROM_TO) {
    const idx = FIRST[k]!;
    if (idx < 0) continue;
    const v = hs[idx]!.value;
    const shape = nameAddrShape(v);
    if (shape === NAME_ADDR_BAD) add('RFC3261-25-name-addr', 'error', `the ${DISPLAY[k]} header "${v}" is not a valid name-addr or addr-spec`, lineOf(idx));
    else if (k === H_FROM && msg.kind === 'request' && shape !== NAME_ADDR_TAG) {
      add('RFC3261-8.1.1.3-from-tag', 'error', 'the From header has no tag parameter', lineOf(idx));
    }
  }

  if (COUNT[H_VIA]! > 0) {
    const top = FIRST[H_VIA]!;
    for (let idx = top; idx < hs.length; idx++) {
      if (kinds[idx] !== H_VIA) continue;
      const topBranch = msg.kind === 'request' && idx === top;
      forEachElement(hs[idx]!.value, (v, a, b) => {
        const shape = viaShape(v, a, b);
        if (shape === VIA_BAD) add('RFC3261-25-via', 'error', `the Via value "${v.slice(a, b)}" is not SIP/2.0/TRANSPORT host[:port][;params]`, lineOf(idx));
        else if (topBranch && shape === VIA_NO_BRANCH) add('RFC3261-8.1.1.7-via-branch', 'error', 'the top Via has no branch parameter', lineOf(idx));
      });
    }
  }

  for (const k of NAME_ADDR_LISTS) {
    if (COUNT[k] === 0) continue;
    for (let idx = FIRST[k]!; idx < hs.length; idx++) {
      if (kinds[idx] !== k) continue;
      forEachElement(hs[idx]!.value, (v, a, b) => {
        if (k === H_CONTACT && b - a === 1 && v.charCodeAt(a) === 0x2a) return; // Contact: * (§10.2.2)
        if (nameAddrShape(v, a, b) === NAME_ADDR_BAD) add('RFC3261-25-name-addr', 'error', `the ${DISPLAY[k]} value "${v.slice(a, b)}" is not a valid name-addr or addr-spec`, lineOf(idx));
      });
    }
  }

  const ct = FIRST[H_CONTENT_TYPE]!;
  if (ct >= 0 && !isParsableContentType(hs[ct]!.value)) add('RFC3261-25-content-type', 'error', `Content-Type "${hs[ct]!.value}" is not type/subtype[;params]`, lineOf(ct));
  if (ct < 0 && msg.body.length > 0) add('RFC3261-20.15-content-type-missing', 'error', 'the message has a body but no Content-Type');

  const ex = FIRST[H_EXPIRES]!;
  if (ex >= 0 && !isDigits(hs[ex]!.value, 0, hs[ex]!.value.length, 10)) add('RFC3261-25-expires', 'error', `Expires "${hs[ex]!.value}" is not a number of seconds`, lineOf(ex));
}

const FROM_TO = [H_FROM, H_TO];
const NAME_ADDR_LISTS = [H_CONTACT, H_ROUTE, H_RECORD_ROUTE];

/**
 * The Request-URI has an RFC 3986 scheme and, for sip/sips, parses as a SIP-URI (§19.1, §25.1).
 * ASCII schemes take the scan; anything else takes the original lower-case-and-regex route,
 * where `toLowerCase()` Unicode rules apply.
 */
function requestUriOk(uri: string): boolean {
  const colon = uri.indexOf(':');
  if (colon <= 0) return false;
  let ascii = true;
  for (let j = 0; j < colon; j++) if (uri.charCodeAt(j) >= 0x80) { ascii = false; break; }
  if (!ascii) {
    const scheme = uri.slice(0, colon).toLowerCase();
    return /^[a-z][a-z0-9+.-]*$/.test(scheme) && !((scheme === 'sip' || scheme === 'sips') && !isParsableUri(uri));
  }
  if (!isAsciiLetter(uri.charCodeAt(0))) return false;
  for (let j = 1; j < colon; j++) {
    const c = uri.charCodeAt(j);
    if (!(isAsciiLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  const isSip = (colon === 3 || colon === 4) && (uri.charCodeAt(0) | 0x20) === 0x73 && (uri.charCodeAt(1) | 0x20) === 0x69
    && (uri.charCodeAt(2) | 0x20) === 0x70 && (colon === 3 || (uri.charCodeAt(3) | 0x20) === 0x73);
  return !isSip || isParsableUri(uri);
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * CSeq = 1*DIGIT LWS Method (§25.1; same acceptance as `parseCSeq`: up to 15 digits, SP/HTAB
 * around, the method a token), the number below 2^31 (§8.1.1.5) and, in a request, the method
 * equal to the request's.
 */
function checkCSeq(msg: SipMessage, v: string, line: number, add: (rule: string, severity: Severity, message: string, line?: number) => void): void {
  const end = v.length;
  let i = 0;
  while (i < end && (v.charCodeAt(i) === 0x20 || v.charCodeAt(i) === 0x09)) i++;
  const ds = i;
  let seq = 0;
  while (i < end && v.charCodeAt(i) >= 0x30 && v.charCodeAt(i) <= 0x39) seq = seq * 10 + v.charCodeAt(i++) - 0x30;
  const de = i;
  while (i < end && (v.charCodeAt(i) === 0x20 || v.charCodeAt(i) === 0x09)) i++;
  const ms = i;
  while (i < end && isTokenCode(v.charCodeAt(i))) i++;
  const me = i;
  while (i < end && (v.charCodeAt(i) === 0x20 || v.charCodeAt(i) === 0x09)) i++;
  if (de === ds || de - ds > 15 || ms === de || me === ms || i !== end) {
    add('RFC3261-25-cseq', 'error', `CSeq "${v}" is not a sequence number followed by a method`, line);
    return;
  }
  if (seq >= 2 ** 31) add('RFC3261-8.1.1.5-cseq-range', 'error', `CSeq number ${Number(v.slice(ds, de))} is not below 2^31`, line);
  if (msg.kind === 'request' && (me - ms !== msg.method.length || !v.startsWith(msg.method, ms))) {
    add('RFC3261-8.1.1.5-cseq-method', 'error', `the CSeq method ${v.slice(ms, me)} differs from the request method ${msg.method}`, line);
  }
}

/**
 * Call `fn` with each element [a, b) of a comma list (§7.3.1), trimmed as `splitList` trims and
 * skipping empty ones: commas inside quoted strings (with quoted-pairs) or <...> do not split.
 */
function forEachElement(value: string, fn: (s: string, a: number, b: number) => void): void {
  const len = value.length;
  let angle = 0;
  let inQuote = false;
  let start = 0;
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === 0x3c) angle++;
    else if (c === 0x3e) angle = angle > 0 ? angle - 1 : 0;
    else if (c === 0x2c && angle === 0) {
      const b = trimEnd(value, start, i);
      const a = trimStart(value, start, b);
      if (b > a) fn(value, a, b);
      start = i + 1;
    }
  }
  const b = trimEnd(value, start, len);
  const a = trimStart(value, start, b);
  if (b > a) fn(value, a, b);
}
