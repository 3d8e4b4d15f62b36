/**
 * Semantic checks of one parsed message, beyond the §25 grammar: what RFC 3261 §8.1.1 and §20
 * require of a well-formed request or response. The parser runs these in strict mode; the lint
 * command shows them. Each check can fail on a real message; none alters the message.
 */
import type { SipMessage } from '../message';
import type { Diagnostic, Severity } from '../codec/diagnostic';
import { isTokenCode, nextListComma, trimEnd, trimStart } from '../headers/lex';
import { nameAddrShape, NAME_ADDR_BAD, NAME_ADDR_TAG } from '../headers/name-addr';
import { viaShape, VIA_BAD, VIA_NO_BRANCH } from '../headers/via';
import { isParsableContentType } from '../headers/content';
import { isParsableUri } from '../uri';
import { checkDate, checkInviteAccept, checkNameAddrGrammar, checkRegisterTo, checkRequestUri, checkRequire, checkViaField } from './fields';

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
export const H_DATE = 14;
export const H_ACCEPT = 15;
export const H_REQUIRE = 16;
export const H_PROXY_REQUIRE = 17;
const KINDS = 18;

const DISPLAY = ['', 'To', 'From', 'CSeq', 'Call-ID', 'Max-Forwards', 'Via', 'Content-Type', 'Expires', 'Min-Expires', 'Content-Length', 'Contact', 'Route', 'Record-Route',
  'Date', 'Accept', 'Require', 'Proxy-Require'];
/** §8.1.1: the six header fields every request carries; §8.2.6.2/§20: what responses copy. */
const REQUEST_MANDATORY = [H_TO, H_FROM, H_CSEQ, H_CALL_ID, H_MAX_FORWARDS, H_VIA];
const RESPONSE_MANDATORY = [H_VIA, H_FROM, H_TO, H_CALL_ID, H_CSEQ];
/** Header fields that may appear once only (§7.3.1: only comma-list headers may repeat); Content-Length repeats are the framer's business. */
const SINGLE = [false, true, true, true, true, true, false, true, true, true, false, false, false, false, false, false, false, false];

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
    // Each name is first compared with its usual spelling (a native string compare), then
    // case-insensitively.
    case 2: return name === 'To' || is(name, 'to') ? H_TO : H_OTHER;
    case 3: return name === 'Via' || is(name, 'via') ? H_VIA : H_OTHER;
    case 4: {
      const c = name.charCodeAt(0) | 0x20;
      if (c === 0x66) return name === 'From' || is(name, 'from') ? H_FROM : H_OTHER;
      if (c === 0x64) return name === 'Date' || is(name, 'date') ? H_DATE : H_OTHER;
      return c === 0x63 && (name === 'CSeq' || is(name, 'cseq')) ? H_CSEQ : H_OTHER;
    }
    case 5: return name === 'Route' || is(name, 'route') ? H_ROUTE : H_OTHER;
    case 6: return name === 'Accept' || is(name, 'accept') ? H_ACCEPT : H_OTHER;
    case 7: {
      const c = name.charCodeAt(0) | 0x20;
      if (c === 0x65) return name === 'Expires' || is(name, 'expires') ? H_EXPIRES : H_OTHER;
      if (c === 0x72) return name === 'Require' || is(name, 'require') ? H_REQUIRE : H_OTHER;
      if (c !== 0x63) return H_OTHER;
      if (name === 'Call-ID' || is(name, 'call-id')) return H_CALL_ID;
      return name === 'Contact' || is(name, 'contact') ? H_CONTACT : H_OTHER;
    }
    case 11: return is(name, 'min-expires') ? H_MIN_EXPIRES : H_OTHER;
    case 12: {
      const c = name.charCodeAt(0) | 0x20;
      if (c === 0x6d) return name === 'Max-Forwards' || is(name, 'max-forwards') ? H_MAX_FORWARDS : H_OTHER;
      if (c === 0x63) return name === 'Content-Type' || is(name, 'content-type') ? H_CONTENT_TYPE : H_OTHER;
      return c === 0x72 && (name === 'Record-Route' || is(name, 'record-route')) ? H_RECORD_ROUTE : H_OTHER;
    }
    case 13: return (name.charCodeAt(0) | 0x20) === 0x70 && (name === 'Proxy-Require' || is(name, 'proxy-require')) ? H_PROXY_REQUIRE : H_OTHER;
    case 14: return (name.charCodeAt(0) | 0x20) === 0x63 && (name === 'Content-Length' || is(name, 'content-length')) ? H_CONTENT_LENGTH : H_OTHER;
    default: return H_OTHER;
  }
}

/** Value of `s` when it is 1 to 10 DIGITs (§25.1 for Max-Forwards, Expires), else -1. */
function digitsValue(s: string): number {
  const n = s.length;
  if (n === 0 || n > 10) return -1;
  let v = 0;
  for (let j = 0; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + c - 0x30;
  }
  return v;
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

function diag(out: Diagnostic[], rule: string, severity: Severity, message: string, line: number, column = 1): void {
  out.push({ rule, severity, message, line, column });
}

/**
 * `checkSemantics` for a caller that already knows each header's kind (`headerKind`), appending
 * to `out`. The happy path allocates nothing: grammar checks use the shape scanners of
 * headers/ (same verdicts as the typed parsers), diagnostics are built only on failure.
 */
export function checkSemanticsInto(msg: SipMessage, kinds: ArrayLike<number>, headerLines: readonly number[], startLine: number, out: Diagnostic[]): void {
  const hs = msg.headers;
  const request = msg.kind === 'request';
  for (let k = 0; k < KINDS; k++) {
    FIRST[k] = -1;
    COUNT[k] = 0;
  }
  let anyDup = false;
  for (let i = 0; i < hs.length; i++) {
    const k = kinds[i]!;
    if (k === H_OTHER) continue;
    if (COUNT[k] === 0) FIRST[k] = i;
    else if (SINGLE[k]) anyDup = true;
    COUNT[k]++;
  }

  // §7.1 / §7.2: this harness speaks SIP/2.0 only.
  if (msg.version !== 'SIP/2.0') {
    if (msg.version.toUpperCase() === 'SIP/2.0') diag(out, 'RFC3261-7.1-sip-version-case', 'warning', `the version is written "${msg.version}"; write SIP/2.0`, startLine);
    else diag(out, 'RFC3261-7.1-sip-version', 'error', `the SIP version is "${msg.version}"; only SIP/2.0 is defined (a server answers 505)`, startLine);
  }

  const mandatory = request ? REQUEST_MANDATORY : RESPONSE_MANDATORY;
  for (let m = 0; m < mandatory.length; m++) {
    const k = mandatory[m]!;
    // Max-Forwards absent is RFC 2543 syntax that RFC 4475 §3.4.1 asks elements to accept (a proxy
    // adds one, RFC 3261 §16.6 step 3): a warning, not an error.
    if (COUNT[k] === 0) diag(out, 'RFC3261-8.1.1-missing-header', k === H_MAX_FORWARDS ? 'warning' : 'error', `the mandatory ${DISPLAY[k]} header is missing`, startLine);
  }

  // Duplicates, reported in order of each header's first appearance.
  if (anyDup) {
    const dups: number[] = [];
    for (let k = 1; k < KINDS; k++) if (SINGLE[k] && COUNT[k]! > 1) dups.push(k);
    dups.sort((x, y) => FIRST[x]! - FIRST[y]!);
    for (const k of dups) {
      let second = FIRST[k]! + 1;
      while (kinds[second] !== k) second++;
      diag(out, 'RFC3261-7.3.1-duplicate-header', 'error', `${DISPLAY[k]} appears ${COUNT[k]} times; it may appear only once`, headerLines[second] ?? 0);
    }
  }

  if (msg.kind === 'response' && (msg.status < 100 || msg.status > 699)) {
    diag(out, 'RFC3261-21-status-range', 'error', `status code ${msg.status} is outside 100–699`, startLine);
  }

  if (msg.kind === 'request') {
    const u = requestUriOk(msg.uri);
    if (u === URI_BAD) diag(out, 'RFC3261-25-request-uri', 'error', `the Request-URI "${msg.uri}" is not a well-formed URI`, startLine, msg.method.length + 2);
    else checkRequestUri(msg.method, msg.uri, u === URI_SIP, startLine, out);
  }

  let idx = FIRST[H_CSEQ]!;
  if (idx >= 0) checkCSeq(msg, hs[idx]!.value, headerLines[idx] ?? 0, out);

  idx = FIRST[H_MAX_FORWARDS]!;
  if (idx >= 0) {
    const v = hs[idx]!.value;
    const n = digitsValue(v);
    if (n < 0) diag(out, 'RFC3261-25-max-forwards', 'error', `Max-Forwards "${v}" is not a number`, headerLines[idx] ?? 0);
    else if (n > 255) diag(out, 'RFC3261-8.1.1.6-max-forwards-range', 'error', `Max-Forwards ${v} is above 255`, headerLines[idx] ?? 0);
    else if (n === 0 && request) {
      // RFC 4475 §3.3.11: legal; a proxy answers 483 instead of forwarding, a UAS processes it.
      diag(out, 'RFC3261-16.3-max-forwards-zero', 'info', 'Max-Forwards is 0: a proxy will not forward this request (it answers 483 Too Many Hops); a UAS processes it', headerLines[idx] ?? 0);
    }
  }

  idx = FIRST[H_CALL_ID]!;
  if (idx >= 0) {
    // §25.1 callid = word [ "@" word ]: visible ASCII, no whitespace.
    const v = hs[idx]!.value;
    let ok = v.length > 0;
    for (let j = 0; ok && j < v.length; j++) {
      const c = v.charCodeAt(j);
      if (c < 0x21 || c > 0x7e) ok = false;
    }
    if (!ok) diag(out, 'RFC3261-25-call-id', 'error', `Call-ID "${v}" must be one word (optionally word@word) without spaces`, headerLines[idx] ?? 0);
  }

  for (let f = 0; f < 2; f++) {
    const k = f === 0 ? H_FROM : H_TO;
    idx = FIRST[k]!;
    if (idx < 0) continue;
    const v = hs[idx]!.value;
    const shape = nameAddrShape(v);
    if (shape === NAME_ADDR_BAD) diag(out, 'RFC3261-25-name-addr', 'error', `the ${DISPLAY[k]} header "${v}" is not a valid name-addr or addr-spec`, headerLines[idx] ?? 0);
    else {
      checkNameAddrGrammar(DISPLAY[k]!, v, 0, v.length, headerLines[idx] ?? 0, out, true);
      // RFC 2543 requests carry no From tag; RFC 4475 §3.4.1 asks elements to accept them.
      if (k === H_FROM && request && shape !== NAME_ADDR_TAG) diag(out, 'RFC3261-8.1.1.3-from-tag', 'warning', 'the From header has no tag parameter', headerLines[idx] ?? 0);
      if (k === H_TO && request && msg.method === 'REGISTER') checkRegisterTo(v, headerLines[idx] ?? 0, out);
    }
  }

  // Every element of every Via, Contact, Route, Record-Route field. One pass in wire order;
  // should it find a problem, it is redone kind by kind so diagnostics come in the documented
  // order (Via, then Contact, Route, Record-Route).
  const mark = out.length;
  const top = FIRST[H_VIA]!;
  for (let i = 0; i < hs.length; i++) {
    const k = kinds[i]!;
    if (k === H_VIA || k === H_CONTACT || k === H_ROUTE || k === H_RECORD_ROUTE) {
      checkList(out, k, hs[i]!.value, headerLines[i] ?? 0, k === H_VIA && request && i === top);
    }
  }
  if (out.length > mark) {
    out.length = mark;
    for (let l = 0; l < 4; l++) {
      const k = l === 0 ? H_VIA : l === 1 ? H_CONTACT : l === 2 ? H_ROUTE : H_RECORD_ROUTE;
      for (let i = FIRST[k]!; i >= 0 && i < hs.length; i++) {
        if (kinds[i] === k) checkList(out, k, hs[i]!.value, headerLines[i] ?? 0, k === H_VIA && request && i === top);
      }
    }
  }

  idx = FIRST[H_CONTENT_TYPE]!;
  if (idx >= 0 && !isParsableContentType(hs[idx]!.value)) diag(out, 'RFC3261-25-content-type', 'error', `Content-Type "${hs[idx]!.value}" is not type/subtype[;params]`, headerLines[idx] ?? 0);
  if (idx < 0 && msg.body.length > 0) diag(out, 'RFC3261-20.15-content-type-missing', 'error', 'the message has a body but no Content-Type', startLine);

  idx = FIRST[H_EXPIRES]!;
  if (idx >= 0 && digitsValue(hs[idx]!.value) < 0) diag(out, 'RFC3261-25-expires', 'error', `Expires "${hs[idx]!.value}" is not a number of seconds`, headerLines[idx] ?? 0);

  if (FIRST[H_DATE]! >= 0 || FIRST[H_ACCEPT]! >= 0 || FIRST[H_REQUIRE]! >= 0 || FIRST[H_PROXY_REQUIRE]! >= 0 || COUNT[H_VIA]! > 0) checkOthers(msg, kinds, headerLines, out);
}

/** Date, Accept, Require, Proxy-Require and the Via details of fields.ts, in wire order. */
function checkOthers(msg: SipMessage, kinds: ArrayLike<number>, headerLines: readonly number[], out: Diagnostic[]): void {
  const hs = msg.headers;
  const request = msg.kind === 'request';
  const top = FIRST[H_VIA]!;
  for (let i = 0; i < hs.length; i++) {
    const k = kinds[i]!;
    const line = headerLines[i] ?? 0;
    if (k === H_VIA) checkViaField(hs[i]!.value, line, request && i === top, out);
    else if (k === H_DATE) checkDate(hs[i]!.value, line, out);
    else if (k === H_ACCEPT && request && msg.method === 'INVITE') checkInviteAccept(hs[i]!.value, line, out);
    else if ((k === H_REQUIRE || k === H_PROXY_REQUIRE) && request) checkRequire(DISPLAY[k]!, hs[i]!.value, line, out);
  }
}

/**
 * Check each element of a Via / Contact / Route / Record-Route field (§7.3.1 comma lists):
 * elements end at the comma `nextListComma` finds (the scanner splitList uses), trimmed as
 * `splitList` trims, empty ones skipped. `topBranch`: the field is the request's first Via,
 * whose elements need a branch (§8.1.1.7). Elements of a real list are sliced out (a cheap
 * view in V8) so the scanners' native indexOf calls stop at the element's end: scanning
 * in place could make one long list quadratic.
 */
function checkList(out: Diagnostic[], kind: number, value: string, line: number, topBranch: boolean): void {
  const len = value.length;
  if (value.indexOf(',') < 0) {
    const b = trimEnd(value, 0, len);
    const a = trimStart(value, 0, b);
    if (b > a) checkElement(out, kind, value, a, b, line, topBranch);
    return;
  }
  for (let start = 0; ;) {
    const comma = nextListComma(value, start);
    const b = trimEnd(value, start, comma < 0 ? len : comma);
    const a = trimStart(value, start, b);
    if (b > a) checkElement(out, kind, value.slice(a, b), 0, b - a, line, topBranch);
    if (comma < 0) return;
    start = comma + 1;
  }
}

function checkElement(out: Diagnostic[], kind: number, v: string, a: number, b: number, line: number, topBranch: boolean): void {
  if (kind === H_VIA) {
    const shape = viaShape(v, a, b);
    if (shape === VIA_BAD) diag(out, 'RFC3261-25-via', 'error', `the Via value "${v.slice(a, b)}" is not SIP/2.0/TRANSPORT host[:port][;params]`, line);
    // RFC 2543 requests carry no branch; §8.1.1.7 / §17.2.3 keep them legal (RFC 4475 §3.1.1.7, §3.4.1).
    else if (topBranch && shape === VIA_NO_BRANCH) diag(out, 'RFC3261-8.1.1.7-via-branch', 'warning', 'the top Via has no branch parameter', line);
    return;
  }
  if (kind === H_CONTACT && b - a === 1 && v.charCodeAt(a) === 0x2a) return; // Contact: * (§10.2.2)
  if (nameAddrShape(v, a, b) === NAME_ADDR_BAD) diag(out, 'RFC3261-25-name-addr', 'error', `the ${DISPLAY[kind]} value "${v.slice(a, b)}" is not a valid name-addr or addr-spec`, line);
  else checkNameAddrGrammar(DISPLAY[kind]!, v, a, b, line, out, kind === H_CONTACT);
}


const URI_BAD = 0;
const URI_SIP = 1;
const URI_OTHER = 2;

/**
 * The Request-URI has an RFC 3986 scheme and, for sip/sips, parses as a SIP-URI (§19.1, §25.1):
 * URI_BAD when not, else URI_SIP or URI_OTHER. ASCII schemes take the scan; anything else takes
 * the original lower-case-and-regex route, where `toLowerCase()` Unicode rules apply.
 */
function requestUriOk(uri: string): number {
  const colon = uri.indexOf(':');
  if (colon <= 0) return URI_BAD;
  let ascii = true;
  for (let j = 0; j < colon; j++) if (uri.charCodeAt(j) >= 0x80) { ascii = false; break; }
  if (!ascii) {
    const scheme = uri.slice(0, colon).toLowerCase();
    if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) return URI_BAD;
    const sip = scheme === 'sip' || scheme === 'sips';
    return sip && !isParsableUri(uri) ? URI_BAD : sip ? URI_SIP : URI_OTHER;
  }
  if (!isAsciiLetter(uri.charCodeAt(0))) return URI_BAD;
  for (let j = 1; j < colon; j++) {
    const c = uri.charCodeAt(j);
    if (!(isAsciiLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return URI_BAD;
  }
  const isSip = (colon === 3 || colon === 4) && (uri.charCodeAt(0) | 0x20) === 0x73 && (uri.charCodeAt(1) | 0x20) === 0x69
    && (uri.charCodeAt(2) | 0x20) === 0x70 && (colon === 3 || (uri.charCodeAt(3) | 0x20) === 0x73);
  if (!isSip) return URI_OTHER;
  return isParsableUri(uri) ? URI_SIP : URI_BAD;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * CSeq = 1*DIGIT LWS Method (§25.1; same acceptance as `parseCSeq`: up to 15 digits, SP/HTAB
 * around, the method a token), the number below 2^31 (§8.1.1.5) and, in a request, the method
 * equal to the request's.
 */
function checkCSeq(msg: SipMessage, v: string, line: number, out: Diagnostic[]): void {
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
    diag(out, 'RFC3261-25-cseq', 'error', `CSeq "${v}" is not a sequence number followed by a method`, line);
    return;
  }
  if (seq >= 2 ** 31) diag(out, 'RFC3261-8.1.1.5-cseq-range', 'error', `CSeq number ${Number(v.slice(ds, de))} is not below 2^31`, line);
  if (msg.kind === 'request' && (me - ms !== msg.method.length || !v.startsWith(msg.method, ms))) {
    diag(out, 'RFC3261-8.1.1.5-cseq-method', 'error', `the CSeq method ${v.slice(ms, me)} differs from the request method ${msg.method}`, line);
  }
}
