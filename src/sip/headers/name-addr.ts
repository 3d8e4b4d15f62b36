/**
 * name-addr / addr-spec with header parameters (RFC 3261 §20.10, §25.1), as used by From, To,
 * Contact, Route, Record-Route, Refer-To, Referred-By, Reply-To.
 *
 * `"Alice \"A\"" <sip:a@x>;tag=1` and `Alice <sip:a@x>;tag=1` are name-addr forms;
 * `sip:a@x;tag=1` is addr-spec form, where — §20.10 — everything after the first `;` is a
 * *header* parameter, not a URI parameter.
 */
import type { SipMessage } from '../message';
import { header } from '../message';
import { formatParams, isTokenCode, isWs, parseParams, quote, quotedEnd, readQuoted, scanParams, skipWs, trimEnd, trimStart, PARAMS_BAD, type Params } from './lex';

export interface NameAddr {
  /** Display name, unquoted (quoted-pairs resolved) when it was a quoted-string. */
  displayName?: string;
  /** The URI text between the angle brackets (or the addr-spec). */
  uri: string;
  /** Header parameters, names lower-cased, values as on the wire. */
  params: Params;
  raw: string;
}

export function parseNameAddr(value: string): NameAddr | null {
  const s = value.trim();
  if (s.length === 0) return null;
  let i = 0;
  let displayName: string | undefined;
  let uri: string;
  if (s[0] === '"') {
    const q = readQuoted(s, 0);
    if (!q) return null;
    displayName = q.text;
    i = skipWs(s, q.end);
    if (s[i] !== '<') return null;
  } else {
    const lt = s.indexOf('<');
    const semi = s.indexOf(';');
    if (lt >= 0 && (semi < 0 || lt < semi)) {
      // display-name = *(token LWS): kept as written, without the trailing LWS.
      const dn = s.slice(0, lt).trim();
      if (dn.length > 0) displayName = dn;
      i = lt;
    }
  }
  if (s[i] === '<') {
    const close = s.indexOf('>', i);
    if (close < 0) return null;
    uri = s.slice(i + 1, close).trim();
    i = close + 1;
  } else {
    // addr-spec: the URI runs to the first ';' or whitespace.
    const start = i;
    while (i < s.length && s[i] !== ';' && s[i] !== ' ' && s[i] !== '\t') i++;
    uri = s.slice(start, i);
  }
  if (uri.length === 0 || !uri.includes(':')) return null;
  const p = parseParams(s, i);
  if (!p || p.end !== s.length) return null;
  const out: NameAddr = { uri, params: p.params, raw: s };
  if (displayName !== undefined) out.displayName = displayName;
  return out;
}

/** `nameAddrShape` result: not a name-addr / addr-spec (`parseNameAddr` returns null). */
export const NAME_ADDR_BAD = -1;
/** `nameAddrShape` result: well formed, no tag value. */
export const NAME_ADDR_NO_TAG = 0;
/** `nameAddrShape` result: well formed with a tag parameter value (§8.1.1.3, §19.3). */
export const NAME_ADDR_TAG = 1;

/**
 * What `parseNameAddr(value.slice(start, end))` would conclude, without building it: NAME_ADDR_BAD
 * when it returns null, else whether `params.tag` is a string. Strict mode checks every From, To,
 * Contact, Route and Record-Route (§25.1); test/property/shape.test.ts holds the two in step.
 */
export function nameAddrShape(value: string, start = 0, end = value.length): number {
  const e = trimEnd(value, start, end);
  const b = trimStart(value, start, e);
  if (b === e) return NAME_ADDR_BAD;
  let i = b;
  if (value.charCodeAt(b) === 0x22) {
    const q = quotedEnd(value, b, e);
    if (q < 0) return NAME_ADDR_BAD;
    i = q;
    while (i < e && isWs(value.charCodeAt(i))) i++;
    if (i >= e || value.charCodeAt(i) !== 0x3c) return NAME_ADDR_BAD;
  } else {
    // display-name is anything before a '<' that comes before any ';'.
    let lt = value.indexOf('<', b);
    if (lt >= e) lt = -1;
    if (lt >= 0) {
      // A ';' found past the element's end is after `lt` too, so it needs no bound check.
      const semi = value.indexOf(';', b);
      if (semi < 0 || lt < semi) i = lt;
    }
  }
  let colon = false;
  if (i < e && value.charCodeAt(i) === 0x3c) {
    const close = value.indexOf('>', i);
    if (close < 0 || close >= e) return NAME_ADDR_BAD;
    // The URI (trimmed) must be non-empty and hold a ':'; a ':' is never trimmed.
    const c = value.indexOf(':', i + 1);
    colon = c >= 0 && c < close;
    i = close + 1;
  } else {
    for (; i < e; i++) {
      const c = value.charCodeAt(i);
      if (c === 0x3b || c === 0x20 || c === 0x09) break;
      if (c === 0x3a) colon = true;
    }
  }
  if (!colon) return NAME_ADDR_BAD;
  const p = scanParams(value, i, e, 'tag');
  return p === PARAMS_BAD ? NAME_ADDR_BAD : p === 1 ? NAME_ADDR_TAG : NAME_ADDR_NO_TAG;
}

/** Always emits the name-addr form (angle brackets), which §20.10 allows everywhere. */
export function formatNameAddr(n: NameAddr): string {
  const dn = n.displayName !== undefined && n.displayName.length > 0 ? quote(n.displayName) + ' ' : '';
  return `${dn}<${n.uri}>${formatParams(n.params)}`;
}

function tagOf(msg: Pick<SipMessage, 'headers'>, name: string): string | null {
  const v = header(msg, name);
  const tag = v === undefined ? null : parseNameAddr(v)?.params['tag'];
  return typeof tag === 'string' ? tag : null;
}

/** From tag (§8.1.1.3), null when absent. */
export function fromTag(msg: Pick<SipMessage, 'headers'>): string | null {
  return tagOf(msg, 'from');
}

/** To tag (§8.2.6.2, §12.1.1), null when absent. */
export function toTag(msg: Pick<SipMessage, 'headers'>): string | null {
  return tagOf(msg, 'to');
}

/** Call-ID (§20.8), trimmed, null when absent or empty. */
export function callId(msg: Pick<SipMessage, 'headers'>): string | null {
  const v = header(msg, 'call-id')?.trim();
  return v ? v : null;
}

/** `nameAddrGrammarIssue` codes (low two bits of its result). */
export const NA_ANGLE_SPACE = 1;
export const NA_DISPLAY_NAME = 2;
export const NA_ADDR_SPEC_RESERVED = 3;

function isTokenOrWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || isTokenCode(c);
}

/**
 * §25.1 details `nameAddrShape` leaves to the strict checks, for a value it accepted: -1 when
 * none is broken, else `(index << 2) | code` with `index` into `value`:
 * - NA_ANGLE_SPACE: whitespace just inside "<" or ">" (LAQUOT = SWS "<", RAQUOT = ">" SWS: the
 *   addr-spec itself has none; RFC 4475 §3.1.2.14 `< sip:t.watson@example.org >`);
 * - NA_DISPLAY_NAME: an unquoted display-name that is not *(token LWS) (RFC 4475 §3.1.2.15
 *   `Bell, Alexander <sip:...>`; a token run straight into "<" is accepted, §3.1.1.6);
 * - NA_ADDR_SPEC_RESERVED (`bracketsRule`): an addr-spec URI holding "?" or ","; RFC 3261 §20.10:
 *   such a URI MUST be enclosed in "<" ">" (RFC 4475 §3.1.2.13 `Contact: sip:user@example.com?Route=...`).
 */
export function nameAddrGrammarIssue(value: string, start = 0, end = value.length, bracketsRule = true): number {
  const e = trimEnd(value, start, end);
  const b = trimStart(value, start, e);
  let lt = -1;
  if (value.charCodeAt(b) === 0x22) {
    lt = value.indexOf('<', quotedEnd(value, b, e));
  } else {
    const l = value.indexOf('<', b);
    const semi = value.indexOf(';', b);
    if (l >= 0 && l < e && (semi < 0 || l < semi)) {
      lt = l;
      for (let j = b; j < l; j++) if (!isTokenOrWs(value.charCodeAt(j))) return (j << 2) | NA_DISPLAY_NAME;
    }
  }
  if (lt >= 0) {
    const gt = value.indexOf('>', lt);
    if (isWs(value.charCodeAt(lt + 1))) return ((lt + 1) << 2) | NA_ANGLE_SPACE;
    if (gt > lt + 1 && isWs(value.charCodeAt(gt - 1))) return ((gt - 1) << 2) | NA_ANGLE_SPACE;
    return -1;
  }
  if (!bracketsRule) return -1;
  for (let j = b; j < e; j++) {
    const c = value.charCodeAt(j);
    if (c === 0x3b || c === 0x20 || c === 0x09) break;
    if (c === 0x3f || c === 0x2c) return (j << 2) | NA_ADDR_SPEC_RESERVED;
  }
  return -1;
}
