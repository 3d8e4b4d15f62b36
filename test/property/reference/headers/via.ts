/**
 * Via (RFC 3261 §20.42, grammar §25.1 via-parm): `SIP / 2.0 / UDP host:port;branch=...;rport`.
 * LWS is allowed around the slashes and before parameters; IPv6 sent-by hosts are bracketed on
 * the wire and stored without brackets (§19.1.1 IPv6reference).
 */
import type { SipMessage } from '../../../../src/sip/message';
import { headerValues } from '../../../../src/sip/message';
import { formatParams, isHostCode, isTokenCode, parseParams, skipWs, type Params } from './lex';

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

export function parseVia(value: string): Via | null {
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
  const first = headerValues(msg, 'via')[0];
  return first === undefined ? null : parseVia(first);
}
