/**
 * Strict checks of single fields that semantics.ts delegates here: §25.1 details the shape
 * scanners do not judge, and the application-layer findings of RFC 4475 §3.2–§3.4 (a message
 * that is well formed but that an element would reject or treat specially). Each appends to
 * `out`; none allocates on the happy path beyond what a regular expression test costs.
 */
import type { Diagnostic, Severity } from '../codec/diagnostic';
import { RULE } from '../codec/rules';
import { sipUriHeadersAt } from '../uri';
import { nameAddrGrammarIssue, NA_ANGLE_SPACE, NA_DISPLAY_NAME } from '../headers/name-addr';
import { parseVia } from '../headers/via';
import { splitList, trimEnd, trimStart } from '../headers/lex';

function diag(out: Diagnostic[], rule: string, severity: Severity, message: string, line: number, column = 1): void {
  out.push({ rule, severity, message, line, column });
}

/** SIP-date = rfc1123-date = wkday "," SP date1 SP time SP "GMT" (§25.1; ABNF literals are case-insensitive). */
const SIP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/i;

/** Date (§20.17): only GMT is a time zone (RFC 4475 §3.1.2.12: "UT", "UTC", "EST" are not). */
export function checkDate(v: string, line: number, out: Diagnostic[]): void {
  if (!SIP_DATE.test(v)) diag(out, RULE.sipDate, 'error', `Date "${v}" is not of the form "Sat, 13 Nov 2010 23:29:00 GMT" (the time zone must be GMT)`, line);
}

/**
 * Request-URI beyond "is it a URI": a SIP/SIPS URI carries no headers (§19.1.1 Table 1: headers
 * are not allowed in a Request-URI; RFC 4475 §3.1.2.11), and a scheme other than sip/sips may be
 * one the receiving element does not support (§8.2.2.1: it answers 416; RFC 4475 §3.3.2, §3.3.3).
 */
export function checkRequestUri(method: string, uri: string, sip: boolean, line: number, out: Diagnostic[]): void {
  if (sip) {
    const q = sipUriHeadersAt(uri);
    if (q >= 0) diag(out, RULE.requestUriHeaders, 'error', `the Request-URI carries headers ("${uri.slice(q)}"); a Request-URI may not (RFC 3261 §19.1.1)`, line, method.length + 2 + q);
    return;
  }
  const scheme = uri.slice(0, uri.indexOf(':'));
  diag(out, RULE.uriScheme, 'info', `the Request-URI scheme "${scheme}" is not sip or sips: an element that does not support it answers 416 Unsupported URI Scheme`, line, method.length + 2);
}

/** From / To / Contact element: the §25.1 name-addr details of `nameAddrGrammarIssue`. */
export function checkNameAddrGrammar(name: string, v: string, a: number, b: number, line: number, out: Diagnostic[], bracketsRule: boolean): void {
  const r = nameAddrGrammarIssue(v, a, b, bracketsRule);
  if (r < 0) return;
  const code = r & 3;
  const at = r >> 2;
  const text = v.slice(a, b);
  if (code === NA_ANGLE_SPACE) diag(out, RULE.angleSpace, 'error', `the ${name} value "${text}" has whitespace inside its angle brackets (at "${v.slice(at - 1, at + 2)}")`, line);
  else if (code === NA_DISPLAY_NAME) diag(out, RULE.displayName, 'error', `the ${name} display name "${v.slice(a, v.indexOf('<', at)).trim()}" has "${v[at]}", which only a quoted display name may hold`, line);
  else diag(out, RULE.addrSpecBrackets, 'error', `the ${name} URI "${text}" holds "${v[at]}" outside angle brackets; such a URI must be written <...> (RFC 3261 §20.10)`, line);
}

/** Scheme of the URI of a name-addr / addr-spec value, lower-cased ('' when none is found). */
function uriScheme(v: string): string {
  const lt = v.indexOf('<');
  const s = lt >= 0 ? lt + 1 : trimStart(v, 0, v.length);
  const colon = v.indexOf(':', s);
  return colon < 0 ? '' : v.slice(s, colon).trim().toLowerCase();
}

/** REGISTER: the To header is the address-of-record, a SIP or SIPS URI (§10.2; RFC 4475 §3.3.4: a registrar answers 400). */
export function checkRegisterTo(v: string, line: number, out: Diagnostic[]): void {
  const scheme = uriScheme(v);
  if (scheme !== 'sip' && scheme !== 'sips') diag(out, RULE.aorScheme, 'error', `the To header of a REGISTER is the address-of-record and must be a SIP or SIPS URI, not "${scheme}:" (a registrar answers 400)`, line);
}

const RECEIVED_BRACKET = /;\s*received\s*=\s*\[/i;
const COOKIE_ONLY = /;\s*branch\s*=\s*z9hG4bK\s*(;|,|$)/i;

/**
 * Via field: `received` with an IPv6 reference in brackets (§25.1 via-received takes a bare
 * IPv6address; RFC 5118 §4.5: receivers accept both), a sent-by or received of the broadcast
 * address (RFC 4475 §3.3.10: a proxy must not send a response there), and, for the top Via of a
 * request, a branch that is the magic cookie alone (§8.1.1.7; RFC 4475 §3.2.1).
 */
export function checkViaField(v: string, line: number, top: boolean, out: Diagnostic[]): void {
  if (v.indexOf('[') >= 0 && RECEIVED_BRACKET.test(v)) {
    diag(out, RULE.viaReceived, 'warning', 'a Via received parameter holds an IPv6 reference in brackets; RFC 3261 §25.1 writes it without them (RFC 5118 §4.5 asks receivers to accept both)', line);
  }
  if (v.indexOf('255.255.255.255') >= 0) {
    for (const el of splitList(v)) {
      const via = parseVia(el);
      if (via && (via.host === '255.255.255.255' || via.params['received'] === '255.255.255.255')) {
        diag(out, RULE.broadcastVia, 'warning', 'a Via names the broadcast address 255.255.255.255; an element must not send a response there (an endpoint discards such a response, a proxy drops it)', line);
        break;
      }
    }
  }
  if (top && cookieThenDelimiter(v) && COOKIE_ONLY.test(v.slice(0, endOfFirst(v)))) {
    diag(out, RULE.branchCookieOnly, 'warning', 'the top Via branch is the magic cookie z9hG4bK with nothing after it: no transaction identifier (a server may answer 400 or fall back to RFC 2543 matching)', line);
  }
}

/** Cheap pre-test for COOKIE_ONLY: some "z9hG4bK" is followed by the end, ";", ",", SP or HTAB. */
function cookieThenDelimiter(v: string): boolean {
  for (let i = v.indexOf('z9hG4bK'); i >= 0; i = v.indexOf('z9hG4bK', i + 7)) {
    const n = v.charCodeAt(i + 7);
    if (Number.isNaN(n) || n === 0x3b || n === 0x2c || n === 0x20 || n === 0x09) return true;
  }
  return false;
}

/** End of the first element of a Via field (its first top-level comma), for the top-Via check. */
function endOfFirst(v: string): number {
  const c = v.indexOf(',');
  return c < 0 ? v.length : c;
}

const SDP_RANGES = new Set(['application/sdp', 'application/*', '*/*']);

/** INVITE with an Accept that excludes application/sdp (RFC 4475 §3.3.15: the UAS answers 406, or 400). */
export function checkInviteAccept(v: string, line: number, out: Diagnostic[]): void {
  for (const r of splitList(v)) {
    const semi = r.indexOf(';');
    const range = (semi < 0 ? r : r.slice(0, semi)).replace(/[ \t]/g, '').toLowerCase();
    if (SDP_RANGES.has(range) || range === '') return;
  }
  diag(out, RULE.acceptSdp, 'warning', `this INVITE's Accept ("${v}") excludes application/sdp, which every UA supporting INVITE must accept (the UAS answers 406 or 400)`, line);
}

/** Option tags registered with IANA that an element may well support (RFC 3261 §27.1 registry, extensions in use). */
const KNOWN_OPTION_TAGS = new Set(['100rel', 'timer', 'replaces', 'join', 'path', 'gruu', 'outbound', 'precondition', 'norefersub', 'tdialog',
  'from-change', 'histinfo', 'resource-priority', 'sec-agree', 'answermode', 'ice', 'recipient-list-invite', 'recipient-list-subscribe',
  'recipient-list-message', 'pref', 'privacy', 'eventlist', 'early-session', 'multiple-refer', '199', 'explicitsub', 'nosub', 'policy',
  'record-aware', 'siprec', 'uui', 'sdp-anat', 'target-dialog', 'geolocation-sip', 'geolocation-http']);

/** Require / Proxy-Require naming option tags an element is unlikely to support (§8.2.2.3, §16.3: it answers 420 Bad Extension). */
export function checkRequire(name: string, v: string, line: number, out: Diagnostic[]): void {
  if (KNOWN_OPTION_TAGS.has(v)) return; // the usual single tag, without splitting
  const unknown = splitList(v).map((t) => t.slice(0, trimEnd(t, 0, t.length))).filter((t) => !KNOWN_OPTION_TAGS.has(t.toLowerCase()));
  if (unknown.length > 0) diag(out, RULE.requireUnknown, 'info', `${name} names extensions that are not registered option tags (${unknown.join(', ')}): an element that does not support them answers 420 Bad Extension`, line);
}
