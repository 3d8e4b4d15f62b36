/**
 * Via (RFC 3261 §20.42, grammar §25.1 via-parm): `SIP / 2.0 / UDP host:port;branch=...;rport`.
 * LWS is allowed around the slashes and before parameters; IPv6 sent-by hosts are bracketed on
 * the wire and stored without brackets (§19.1.1 IPv6reference).
 */
import type { SipMessage } from '../message';
import { headerFields, headerValues, splitCommaList } from '../message';
import { formatParams, isHostCode, isTokenCode, isWs, parseParams, scanParams, skipWs, trimEnd, trimStart, PARAMS_BAD, type Params } from './lex';

export interface Via {
  /** `SIP/2.0` (protocol-name "/" protocol-version). */
  protocol: string;
  /** Transport token as on the wire (UDP, TCP, TLS, SCTP, WS, ...). */
  transport: string;
  host: string;
  port?: number;
  /** All via-params including branch/received/rport, names lower-cased, values as on the wire. */
  params: Params;
  /** The branch parameter (§8.1.1.7), when present. */
  branch?: string;
  raw: string;
}

function readToken(s: string, i: number): number {
  while (i < s.length && isTokenCode(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Via values parsed recently → their Via: a transaction looks at the top Via of one message many
 * times (matching §17.1.3/§17.2.3, the response's destination §18.2.2, the branch), and each
 * parse cost a parameter scan. Bounded (hostile input); each caller gets its own copy.
 */
const PARSED = new Map<string, Via | null>();

export function parseVia(value: string): Via | null {
  // A long value (hostile, or a far-fetched one) is parsed each time: 1,024 of them held would be megabytes.
  if (value.length > 512) return parseViaValue(value);
  let v = PARSED.get(value);
  if (v === undefined) {
    v = parseViaValue(value);
    if (PARSED.size >= 1024) PARSED.clear();
    PARSED.set(value, v);
  }
  return v && { ...v, params: { ...v.params } };
}

function parseViaValue(value: string): Via | null {
  const s = value.trim();
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport (SLASH = SWS "/" SWS).
  const parts: string[] = [];
  let i = 0;
  for (let k = 0; k < 3; k++) {
    i = skipWs(s, i);
    const start = i;
    i = readToken(s, i);
    if (i === start) return null;
    parts.push(s.slice(start, i));
    i = skipWs(s, i);
    if (k < 2) {
      if (s[i] !== '/') return null;
      i++;
    }
  }
  const [name, version, transport] = parts as [string, string, string];
  i = skipWs(s, i);
  let host: string;
  if (s[i] === '[') {
    const close = s.indexOf(']', i);
    if (close < 0) return null;
    host = s.slice(i + 1, close);
    if (!/^[0-9A-Fa-f:.]+$/.test(host)) return null;
    i = close + 1;
  } else {
    const start = i;
    while (i < s.length && isHostCode(s.charCodeAt(i))) i++;
    host = s.slice(start, i);
    if (host.length === 0) return null;
  }
  let port: number | undefined;
  i = skipWs(s, i);
  if (s[i] === ':') {
    i = skipWs(s, i + 1);
    const ps = i;
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    if (i === ps || i - ps > 5) return null;
    port = Number(s.slice(ps, i));
    if (port > 65535) return null;
  }
  const p = parseParams(s, i);
  if (!p || p.end !== s.length) return null;
  const via: Via = { protocol: `${name}/${version}`, transport, host, params: p.params, raw: s };
  if (port !== undefined) via.port = port;
  const branch = p.params['branch'];
  if (typeof branch === 'string') via.branch = branch;
  return via;
}

/** `viaShape` result: not a via-parm (`parseVia` returns null). */
export const VIA_BAD = -1;
/** `viaShape` result: a via-parm without a branch value (`parseVia(...).branch === undefined`). */
export const VIA_NO_BRANCH = 0;
/** `viaShape` result: a via-parm with a branch parameter value. */
export const VIA_BRANCH = 1;

function isIpv6RefCode(c: number): boolean {
  return (c >= 0x30 && c <= 0x3a) || c === 0x2e || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * What `parseVia(value.slice(start, end))` would conclude, without building it: VIA_BAD when it
 * returns null, else whether it has a branch. The strict parser checks every Via of every message
 * (§25.1 via-parm, §8.1.1.7 branch); test/property/shape.test.ts holds the two in step.
 */
export function viaShape(value: string, start = 0, end = value.length): number {
  const e = trimEnd(value, start, end);
  let i = trimStart(value, start, e);
  // sent-protocol: three tokens separated by SWS "/" SWS.
  for (let k = 0; k < 3; k++) {
    while (i < e && isWs(value.charCodeAt(i))) i++;
    const s = i;
    while (i < e && isTokenCode(value.charCodeAt(i))) i++;
    if (i === s) return VIA_BAD;
    while (i < e && isWs(value.charCodeAt(i))) i++;
    if (k < 2) {
      if (i >= e || value.charCodeAt(i) !== 0x2f) return VIA_BAD;
      i++;
    }
  }
  while (i < e && isWs(value.charCodeAt(i))) i++;
  if (i < e && value.charCodeAt(i) === 0x5b) {
    // IPv6reference: "[" hex, ":" and "." "]" (non-empty).
    const close = value.indexOf(']', i);
    if (close < 0 || close >= e || close === i + 1) return VIA_BAD;
    for (let j = i + 1; j < close; j++) if (!isIpv6RefCode(value.charCodeAt(j))) return VIA_BAD;
    i = close + 1;
  } else {
    const s = i;
    while (i < e && isHostCode(value.charCodeAt(i))) i++;
    if (i === s) return VIA_BAD;
  }
  while (i < e && isWs(value.charCodeAt(i))) i++;
  if (i < e && value.charCodeAt(i) === 0x3a) {
    i++;
    while (i < e && isWs(value.charCodeAt(i))) i++;
    const ps = i;
    let port = 0;
    while (i < e && value.charCodeAt(i) >= 0x30 && value.charCodeAt(i) <= 0x39) port = port * 10 + value.charCodeAt(i++) - 0x30;
    if (i === ps || i - ps > 5 || port > 65535) return VIA_BAD;
  }
  const p = scanParams(value, i, e, 'branch');
  return p === PARAMS_BAD ? VIA_BAD : p === 1 ? VIA_BRANCH : VIA_NO_BRANCH;
}

/** Emit a Via value; `branch` set on the object wins over a stale params entry. */
export function formatVia(v: Via): string {
  const host = v.host.includes(':') ? `[${v.host}]` : v.host;
  const params: Params = { ...v.params };
  if (v.branch !== undefined) params['branch'] = v.branch;
  return `${v.protocol}/${v.transport} ${host}${v.port !== undefined ? ':' + v.port : ''}${formatParams(params)}`;
}

/** Every Via of a message in order, splitting comma-separated lists (§7.3.1); unparseable entries are skipped. */
export function vias(msg: Pick<SipMessage, 'headers'>): Via[] {
  const out: Via[] = [];
  for (const v of headerValues(msg, 'via')) {
    const parsed = parseVia(v);
    if (parsed) out.push(parsed);
  }
  return out;
}

/** The topmost Via (§8.2.6.1, §17.1.3 transaction matching), or null when absent or unparseable. */
export function topVia(msg: Pick<SipMessage, 'headers'>): Via | null {
  // The first element of the Via fields (§7.3.1): the fields after the one holding it need not be split.
  for (const f of headerFields(msg, 'via')) {
    const first = splitCommaList(f.value)[0];
    if (first !== undefined) return parseVia(first);
  }
  return null;
}

/** The branch of the topmost Via: what a response is matched to its client transaction by (§17.1.3). */
export function topBranch(msg: Pick<SipMessage, 'headers'>): string | undefined {
  return topVia(msg)?.branch;
}
