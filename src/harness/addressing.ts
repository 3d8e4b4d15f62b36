/** Small URI/address helpers the harness shares (AoR keys, URI → socket address). */
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
