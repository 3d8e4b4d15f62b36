/**
 * The SIP message model shared by every layer.
 *
 * Headers are kept as an ordered list of fields exactly as received (name spelling, value text
 * after unfolding, RFC 3261 §7.3.1), so the harness can show and re-emit what a SUT sent octet by
 * octet. Typed views (Via, CSeq, name-addr, ...) live in `headers/` and are computed on demand.
 */
import { splitList } from './headers/lex';

export interface HeaderField {
  /** Header name as it appeared on the wire (may be a compact form, any case). */
  name: string;
  /** Field value with folding replaced by a single SP and surrounding whitespace trimmed. */
  value: string;
}

interface MessageBase {
  version: string;
  headers: HeaderField[];
  /** Body octets, framed by Content-Length (octets, never UTF-16 units: RFC 3261 §20.14). */
  body: Buffer;
}

export interface SipRequest extends MessageBase {
  kind: 'request';
  method: string;
  /** Request-URI text as on the wire. */
  uri: string;
}

export interface SipResponse extends MessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/** RFC 3261 §7.3.3 compact forms, plus those registered by extensions we use (RFC 3515, 3892, 3265). */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type',
  f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via', r: 'refer-to', b: 'referred-by',
  o: 'event', u: 'allow-events', a: 'accept-contact', j: 'reject-contact', d: 'request-disposition',
  x: 'session-expires', y: 'identity', n: 'identity-info',
};

/** Names seen recently → canonical name: header lookups call this once per field scanned. Bounded (hostile input). */
const CANONICAL = new Map<string, string>();

/** Canonical lower-case long name of a header name (compact forms expanded). */
export function canonicalName(name: string): string {
  const hit = CANONICAL.get(name);
  if (hit !== undefined) return hit;
  const lower = name.toLowerCase();
  const canonical = Object.hasOwn(COMPACT_FORMS, lower) ? COMPACT_FORMS[lower] : lower;
  if (CANONICAL.size >= 512) CANONICAL.clear();
  CANONICAL.set(name, canonical);
  return canonical;
}

/**
 * Whether a field's name names the header whose canonical name is `want` (any case, compact or long
 * form). Only a name as long as `want` or a one-letter compact form (§7.3.3) can, so most fields of a
 * scan are ruled out on their length, without a lookup: header lookups scan every field of a
 * message, and that lookup was the SIP engine's busiest function in a default run (issue 14).
 */
export function isHeader(fieldName: string, want: string): boolean {
  const n = fieldName.length;
  return (n === want.length || n === 1) && canonicalName(fieldName) === want;
}

/** All fields of one header (compact and long forms alike), in wire order. */
export function headerFields(msg: Pick<MessageBase, 'headers'>, name: string): HeaderField[] {
  const want = canonicalName(name);
  return msg.headers.filter((h) => isHeader(h.name, want));
}

/** Value of the first field of a header, or undefined. */
export function header(msg: Pick<MessageBase, 'headers'>, name: string): string | undefined {
  const want = canonicalName(name);
  for (const h of msg.headers) if (isHeader(h.name, want)) return h.value;
  return undefined;
}

/**
 * Every element of a list-valued header (RFC 3261 §7.3.1: "field-name: field-value *(,field-value)"
 * is equivalent to several fields), split on commas outside quoted strings and angle brackets.
 */
export function headerValues(msg: Pick<MessageBase, 'headers'>, name: string): string[] {
  const out: string[] = [];
  for (const f of headerFields(msg, name)) out.push(...splitCommaList(f.value));
  return out;
}

/**
 * Split a header value on top-level commas (not inside "..." with quoted-pairs, nor inside <...>,
 * RFC 3261 §7.3.1): the one list splitter, headers/lex.ts splitList.
 */
export function splitCommaList(value: string): string[] {
  return splitList(value);
}

/** Replace every field of a header by one field with this value (appended at the first one's place). */
export function setHeader(msg: MessageBase, name: string, value: string): void {
  const want = canonicalName(name);
  const idx = msg.headers.findIndex((h) => isHeader(h.name, want));
  msg.headers = msg.headers.filter((h) => !isHeader(h.name, want));
  if (idx < 0) msg.headers.push({ name, value });
  else msg.headers.splice(idx, 0, { name, value });
}

/** Add a field after the last existing field of the same header, or at the end. */
export function addHeader(msg: MessageBase, name: string, value: string, position: 'top' | 'bottom' = 'bottom'): void {
  const want = canonicalName(name);
  if (position === 'top') {
    const first = msg.headers.findIndex((h) => isHeader(h.name, want));
    msg.headers.splice(first < 0 ? msg.headers.length : first, 0, { name, value });
    return;
  }
  let last = -1;
  msg.headers.forEach((h, i) => { if (isHeader(h.name, want)) last = i; });
  msg.headers.splice(last < 0 ? msg.headers.length : last + 1, 0, { name, value });
}

export function removeHeader(msg: MessageBase, name: string): void {
  const want = canonicalName(name);
  msg.headers = msg.headers.filter((h) => !isHeader(h.name, want));
}

/** A deep copy (headers and body) so a proxy can forward without touching what it received. */
export function cloneMessage<T extends SipMessage>(msg: T): T {
  return { ...msg, headers: msg.headers.map((h) => ({ ...h })), body: Buffer.from(msg.body) };
}

/** One-line summary for logs and ladder labels: `INVITE sip:b@x` or `200 OK`. */
export function startLine(msg: SipMessage): string {
  return msg.kind === 'request' ? `${msg.method} ${msg.uri}` : `${msg.status} ${msg.reason}`;
}
