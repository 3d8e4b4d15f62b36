/** Small URI/address helpers the harness shares (AoR keys, URI → socket address). */
import { isIP } from 'node:net';
import type { Address, TransportProtocol } from '../sip/transport/address';
import { parseUri } from '../sip/uri';

/** Canonical key of an AoR: scheme, user and host, lower-cased host (RFC 3261 §10.3 step 5). */
export function aorKey(uri: string): string {
  const u = parseUri(uri.replace(/^<|>$/g, ''));
  if (!u) return uri.toLowerCase();
  return `${u.scheme === 'sips' ? 'sip' : u.scheme}:${u.user ?? ''}@${u.host.toLowerCase()}`;
}

/** Socket address a SIP URI points at (no DNS: the harness works with IP literals). */
export function uriAddress(uri: string): Address | null {
  const u = parseUri(uri.replace(/^<|>$/g, ''));
  if (!u || !u.host) return null;
  const maddr = u.params['maddr'];
  return { host: maddr ?? u.host, port: u.port ?? (u.scheme === 'sips' ? 5061 : 5060) };
}

/** `sip:host:port;transport=x` for an address we listen on (IPv6 bracketed, RFC 3261 §19.1.1). */
export function hostPortUri(a: Address, protocol: TransportProtocol, user?: string): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host;
  const transport = protocol === 'udp' ? '' : `;transport=${protocol}`;
  return `sip:${user ? `${user}@` : ''}${host}:${a.port}${transport}`;
}

/**
 * The address if the harness may send to it without a DNS query: an IP literal, or a host the
 * target config itself names (`known`: the outbound proxy, the SUT's PF hosts). A host name the
 * SUT wrote (a Route, a remote target, a Via) is never resolved: the harness sends nothing beyond
 * loopback and the SUT the config gives (docs/architecture.md), so such a hop is unroutable.
 */
export function withoutDns(a: Address | null, known: readonly string[]): Address | null {
  if (!a) return null;
  const host = a.host.toLowerCase();
  return isIP(a.host) !== 0 || known.some((k) => k.toLowerCase() === host) ? a : null;
}
