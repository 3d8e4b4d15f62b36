/**
 * MSRP URIs (RFC 4975 §6, grammar §9):
 *
 *   MSRP-URI = msrp-scheme "://" authority ["/" session-id] ";" transport *( ";" URI-parameter )
 *
 * `authority` is RFC 3986's (userinfo, host with IPv6 in brackets, port). The parser is exact: a
 * URI that does not match the grammar yields a reason, never a guess, because a To-Path that is
 * "almost" right is precisely what a conformance harness must point out.
 */
import type { Address } from '../sip/transport/address';

export interface MsrpUri {
  /** `msrps`: the hop is TLS (§6). */
  secure: boolean;
  userinfo?: string;
  /** IP literal or host name, IPv6 without brackets. */
  host: string;
  /** Absent means the default port (MSRP_DEFAULT_PORT). */
  port?: number;
  sessionId?: string;
  /** `tcp`, or an extension transport (§9 `transport = "tcp" / 1*ALPHANUM`). */
  transport: string;
  params: Array<{ name: string; value?: string }>;
}

/** The port an MSRP URI without one resolves to: IANA's port for "msrp", 2855/tcp (used when resolving, RFC 4975 §6.2). */
export const MSRP_DEFAULT_PORT = 2855;

export type UriParse = { ok: true; uri: MsrpUri } | { ok: false; reason: string };

const SESSION_ID = /^[A-Za-z0-9\-._~+=/]+$/;
const ALPHANUM = /^[A-Za-z0-9]+$/;
// RFC 3261 §25.1 token, which §9 URI-parameter reuses.
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
// RFC 3986 §3.2.1 userinfo: unreserved / pct-encoded / sub-delims / ":".
const USERINFO = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*$/;
// RFC 3986 §3.2.2 reg-name (pct-encoded allowed) and IPv4address; IPv6 is checked separately.
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,=]|%[0-9A-Fa-f]{2})+$/;

function isIPv6(s: string): boolean {
  // Enough to reject garbage: hex groups, colons, an optional trailing IPv4, at most one "::".
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(':')) return false;
  const doubles = s.split('::').length - 1;
  if (doubles > 1) return false;
  const groups = s.split(':').filter((g) => g !== '');
  return groups.length <= 8 && groups.every((g, i) => (i === groups.length - 1 && g.includes('.')) || /^[0-9A-Fa-f]{1,4}$/.test(g));
}

/** Parse one MSRP URI; the reason names the broken part in plain words. */
export function parseMsrpUri(text: string): UriParse {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  if (!m) return { ok: false, reason: `"${text}" does not start with msrp:// or msrps://` };
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'msrp' && scheme !== 'msrps') return { ok: false, reason: `the scheme "${m[1]}" is not msrp or msrps` };
  const rest = text.slice(m[0].length);
  const semi = rest.indexOf(';');
  if (semi < 0) return { ok: false, reason: `"${text}" has no ";transport" part (RFC 4975 §9 requires it, e.g. ";tcp")` };
  const hier = rest.slice(0, semi);
  const slash = hier.indexOf('/');
  const authority = slash < 0 ? hier : hier.slice(0, slash);
  const sessionId = slash < 0 ? undefined : hier.slice(slash + 1);
  if (sessionId !== undefined && !SESSION_ID.test(sessionId)) return { ok: false, reason: `the session-id "${sessionId}" holds characters RFC 4975 §9 does not allow` };

  let hostPort = authority;
  let userinfo: string | undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    userinfo = authority.slice(0, at);
    hostPort = authority.slice(at + 1);
    if (!USERINFO.test(userinfo)) return { ok: false, reason: `the userinfo "${userinfo}" is not valid (RFC 3986 §3.2.1)` };
  }
  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) return { ok: false, reason: `the IPv6 host in "${authority}" has no closing bracket` };
    host = hostPort.slice(1, close);
    if (!isIPv6(host)) return { ok: false, reason: `"${host}" is not an IPv6 address` };
    const after = hostPort.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return { ok: false, reason: `unexpected "${after}" after the IPv6 host` };
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = hostPort.lastIndexOf(':');
    host = colon < 0 ? hostPort : hostPort.slice(0, colon);
    portText = colon < 0 ? undefined : hostPort.slice(colon + 1);
    if (!REG_NAME.test(host)) return { ok: false, reason: host === '' ? `"${text}" has no host` : `the host "${host}" is not a valid host name or IPv4 address` };
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return { ok: false, reason: `the port "${portText}" is not a number from 0 to 65535` };
    port = Number(portText);
  }

  const parts = rest.slice(semi + 1).split(';');
  const transport = parts[0]!;
  if (!ALPHANUM.test(transport)) return { ok: false, reason: `the transport "${transport}" is not 1*ALPHANUM (RFC 4975 §9; "tcp" for TCP and TLS)` };
  const params: MsrpUri['params'] = [];
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    const name = eq < 0 ? p : p.slice(0, eq);
    const value = eq < 0 ? undefined : p.slice(eq + 1);
    if (!TOKEN.test(name) || (value !== undefined && !TOKEN.test(value))) return { ok: false, reason: `the URI parameter ";${p}" is not token["="token] (RFC 4975 §9)` };
    params.push(value === undefined ? { name } : { name, value });
  }
  const uri: MsrpUri = { secure: scheme === 'msrps', host, transport, params };
  if (userinfo !== undefined) uri.userinfo = userinfo;
  if (port !== undefined) uri.port = port;
  if (sessionId !== undefined) uri.sessionId = sessionId;
  return { ok: true, uri };
}

/** The URI as text, bracketing an IPv6 host (RFC 3986 §3.2.2). */
export function formatMsrpUri(uri: MsrpUri): string {
  const host = uri.host.includes(':') ? `[${uri.host}]` : uri.host;
  let s = `${uri.secure ? 'msrps' : 'msrp'}://${uri.userinfo !== undefined ? `${uri.userinfo}@` : ''}${host}`;
  if (uri.port !== undefined) s += `:${uri.port}`;
  if (uri.sessionId !== undefined) s += `/${uri.sessionId}`;
  s += `;${uri.transport}`;
  for (const p of uri.params) s += p.value === undefined ? `;${p.name}` : `;${p.name}=${p.value}`;
  return s;
}

/**
 * URI equality for session matching (RFC 4975 §6.1): scheme, host and transport compare
 * case-insensitively, the port by its effective value, the session-id exactly (it is an opaque,
 * case-sensitive identifier); userinfo and parameters do not take part.
 */
export function sameMsrpUri(a: MsrpUri, b: MsrpUri): boolean {
  return a.secure === b.secure
    && a.host.toLowerCase() === b.host.toLowerCase()
    && (a.port ?? MSRP_DEFAULT_PORT) === (b.port ?? MSRP_DEFAULT_PORT)
    && a.sessionId === b.sessionId
    && a.transport.toLowerCase() === b.transport.toLowerCase();
}

/** Where to open the TCP connection for a URI (the first URI of a path: RFC 4975 §5.4, §6.2). */
export function uriAddress(uri: MsrpUri): Address {
  return { host: uri.host, port: uri.port ?? MSRP_DEFAULT_PORT };
}

/** A path (To-Path / From-Path value, SDP a=path): URIs separated by single spaces (§9, §8.2). */
export function parsePath(value: string): { uris: MsrpUri[]; errors: string[] } {
  const uris: MsrpUri[] = [];
  const errors: string[] = [];
  for (const part of value.split(/[ \t]+/).filter((p) => p !== '')) {
    const r = parseMsrpUri(part);
    if (r.ok) uris.push(r.uri);
    else errors.push(r.reason);
  }
  if (uris.length === 0 && errors.length === 0) errors.push('the path holds no URI');
  return { uris, errors };
}

export function formatPath(uris: readonly MsrpUri[]): string {
  return uris.map(formatMsrpUri).join(' ');
}

/** Only for callers that build URIs from known-good parts (tests, SDP built by us). */
export function msrpUri(text: string): MsrpUri {
  const r = parseMsrpUri(text);
  if (!r.ok) throw new Error(`not an MSRP URI: ${r.reason}`);
  return r.uri;
}
