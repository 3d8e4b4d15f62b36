/**
 * name-addr / addr-spec with header parameters (RFC 3261 §20.10, §25.1), as used by From, To,
 * Contact, Route, Record-Route, Refer-To, Referred-By, Reply-To.
 *
 * `"Alice \"A\"" <sip:a@x>;tag=1` and `Alice <sip:a@x>;tag=1` are name-addr forms;
 * `sip:a@x;tag=1` is addr-spec form, where — §20.10 — everything after the first `;` is a
 * *header* parameter, not a URI parameter.
 */
import type { SipMessage } from '../../../../src/sip/message';
import { header } from '../../../../src/sip/message';
import { formatParams, parseParams, quote, readQuoted, skipWs, type Params } from './lex';

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
