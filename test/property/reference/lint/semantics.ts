/**
 * Semantic checks of one parsed message, beyond the §25 grammar: what RFC 3261 §8.1.1 and §20
 * require of a well-formed request or response. The parser runs these in strict mode; the lint
 * command shows them. Each check can fail on a real message; none alters the message.
 */
import type { SipMessage } from '../../../../src/sip/message';
import { COMPACT_FORMS } from '../../../../src/sip/message';
import { splitList } from '../headers/lex';
import type { Diagnostic, Severity } from '../../../../src/sip/codec/diagnostic';
import { parseCSeq } from '../headers/cseq';
import { parseNameAddr } from '../headers/name-addr';
import { parseVia } from '../headers/via';
import { parseContentType } from '../headers/content';
import { parseUri } from '../uri';

/** §8.1.1: the six header fields every request carries; §8.2.6.2/§20: what responses copy. */
const REQUEST_MANDATORY = ['to', 'from', 'cseq', 'call-id', 'max-forwards', 'via'];
const RESPONSE_MANDATORY = ['via', 'from', 'to', 'call-id', 'cseq'];
/** Header fields that may appear once only (§7.3.1: only comma-list headers may repeat). */
const SINGLE = new Set(['to', 'from', 'cseq', 'call-id', 'max-forwards', 'content-type', 'expires', 'min-expires', 'content-length']);
const NAME_ADDR_LISTS = new Set(['contact', 'route', 'record-route']);
const DISPLAY: Record<string, string> = {
  to: 'To', from: 'From', cseq: 'CSeq', 'call-id': 'Call-ID', 'max-forwards': 'Max-Forwards', via: 'Via',
  'content-type': 'Content-Type', expires: 'Expires', 'min-expires': 'Min-Expires', 'content-length': 'Content-Length',
  contact: 'Contact', route: 'Route', 'record-route': 'Record-Route',
};

/** canonicalName with a bounded cache: the same few dozen names recur in every message. */
const CANON = new Map<string, string>();
function canon(name: string): string {
  let c = CANON.get(name);
  if (c === undefined) {
    // Own lookup with hasOwn: a header named "constructor" or "__proto__" must stay a plain name.
    const lower = name.toLowerCase();
    c = Object.hasOwn(COMPACT_FORMS, lower) ? COMPACT_FORMS[lower]! : lower;
    if (CANON.size < 4096) CANON.set(name, c);
  }
  return c;
}

export function checkSemantics(msg: SipMessage, headerLines: number[] = [], startLine = 1): Diagnostic[] {
  const out: Diagnostic[] = [];
  const add = (rule: string, severity: Severity, message: string, line = startLine, column = 1): void => {
    out.push({ rule, severity, message, line, column });
  };
  // One pass: indices of each header's fields (only the names we check are kept).
  const seen = new Map<string, number[]>();
  const hs = msg.headers;
  for (let i = 0; i < hs.length; i++) {
    const c = canon(hs[i]!.name);
    if (!Object.hasOwn(DISPLAY, c)) continue;
    const list = seen.get(c);
    if (list) list.push(i);
    else seen.set(c, [i]);
  }
  const lineOf = (i: number): number => headerLines[i] ?? 0;
  const first = (name: string): { value: string; line: number } | null => {
    const idx = seen.get(name)?.[0];
    return idx === undefined ? null : { value: hs[idx]!.value, line: lineOf(idx) };
  };

  // §7.1 / §7.2: this harness speaks SIP/2.0 only.
  if (msg.version !== 'SIP/2.0') {
    if (msg.version.toUpperCase() === 'SIP/2.0') add('RFC3261-7.1-sip-version-case', 'warning', `the version is written "${msg.version}"; write SIP/2.0`);
    else add('RFC3261-7.1-sip-version', 'error', `the SIP version is "${msg.version}"; only SIP/2.0 is defined (a server answers 505)`);
  }

  const mandatory = msg.kind === 'request' ? REQUEST_MANDATORY : RESPONSE_MANDATORY;
  for (const name of mandatory) {
    if (!seen.has(name)) add('RFC3261-8.1.1-missing-header', 'error', `the mandatory ${DISPLAY[name]} header is missing`);
  }

  for (const [name, idx] of seen) {
    if (SINGLE.has(name) && idx.length > 1 && name !== 'content-length') {
      add('RFC3261-7.3.1-duplicate-header', 'error', `${DISPLAY[name]} appears ${idx.length} times; it may appear only once`, lineOf(idx[1]!));
    }
  }

  if (msg.kind === 'response' && (msg.status < 100 || msg.status > 699)) {
    add('RFC3261-21-status-range', 'error', `status code ${msg.status} is outside 100–699`);
  }

  if (msg.kind === 'request') {
    const colon = msg.uri.indexOf(':');
    const scheme = colon > 0 ? msg.uri.slice(0, colon).toLowerCase() : '';
    if (!/^[a-z][a-z0-9+.-]*$/.test(scheme) || ((scheme === 'sip' || scheme === 'sips') && !parseUri(msg.uri))) {
      add('RFC3261-25-request-uri', 'error', `the Request-URI "${msg.uri}" is not a well-formed URI`, startLine, msg.method.length + 2);
    }
  }

  const cs = first('cseq');
  if (cs) {
    const c = parseCSeq(cs.value);
    if (!c) add('RFC3261-25-cseq', 'error', `CSeq "${cs.value}" is not a sequence number followed by a method`, cs.line);
    else {
      if (c.seq >= 2 ** 31) add('RFC3261-8.1.1.5-cseq-range', 'error', `CSeq number ${c.seq} is not below 2^31`, cs.line);
      if (msg.kind === 'request' && c.method !== msg.method) {
        add('RFC3261-8.1.1.5-cseq-method', 'error', `the CSeq method ${c.method} differs from the request method ${msg.method}`, cs.line);
      }
    }
  }

  const mf = first('max-forwards');
  if (mf) {
    if (!/^[0-9]{1,10}$/.test(mf.value)) add('RFC3261-25-max-forwards', 'error', `Max-Forwards "${mf.value}" is not a number`, mf.line);
    else if (Number(mf.value) > 255) add('RFC3261-8.1.1.6-max-forwards-range', 'error', `Max-Forwards ${mf.value} is above 255`, mf.line);
  }

  const cid = first('call-id');
  if (cid && !/^[\x21-\x7e]+$/.test(cid.value)) {
    add('RFC3261-25-call-id', 'error', `Call-ID "${cid.value}" must be one word (optionally word@word) without spaces`, cid.line);
  }

  for (const name of ['from', 'to']) {
    const f = first(name);
    if (!f) continue;
    const n = parseNameAddr(f.value);
    if (!n) add('RFC3261-25-name-addr', 'error', `the ${DISPLAY[name]} header "${f.value}" is not a valid name-addr or addr-spec`, f.line);
    else if (name === 'from' && msg.kind === 'request' && typeof n.params['tag'] !== 'string') {
      add('RFC3261-8.1.1.3-from-tag', 'error', 'the From header has no tag parameter', f.line);
    }
  }

  for (const idx of seen.get('via') ?? []) {
    for (const v of splitList(msg.headers[idx]!.value)) {
      const via = parseVia(v);
      if (!via) add('RFC3261-25-via', 'error', `the Via value "${v}" is not SIP/2.0/TRANSPORT host[:port][;params]`, lineOf(idx));
      else if (msg.kind === 'request' && idx === seen.get('via')![0] && via.branch === undefined) {
        add('RFC3261-8.1.1.7-via-branch', 'error', 'the top Via has no branch parameter', lineOf(idx));
      }
    }
  }

  for (const name of NAME_ADDR_LISTS) {
    for (const idx of seen.get(name) ?? []) {
      for (const v of splitList(msg.headers[idx]!.value)) {
        if (name === 'contact' && v === '*') continue;
        if (!parseNameAddr(v)) add('RFC3261-25-name-addr', 'error', `the ${DISPLAY[name]} value "${v}" is not a valid name-addr or addr-spec`, lineOf(idx));
      }
    }
  }

  const ct = first('content-type');
  if (ct && !parseContentType(ct.value)) add('RFC3261-25-content-type', 'error', `Content-Type "${ct.value}" is not type/subtype[;params]`, ct.line);
  if (!ct && msg.body.length > 0) add('RFC3261-20.15-content-type-missing', 'error', 'the message has a body but no Content-Type');

  const ex = first('expires');
  if (ex && !/^[0-9]{1,10}$/.test(ex.value)) add('RFC3261-25-expires', 'error', `Expires "${ex.value}" is not a number of seconds`, ex.line);
  return out;
}
