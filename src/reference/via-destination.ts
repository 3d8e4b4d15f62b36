/**
 * Where a response goes (RFC 3261 §18.2.2 with RFC 3581): to the `received` address and `rport`
 * port of the Via it is addressed to, else to its sent-by. Used when a PF relays a response
 * outside a server transaction (2xx retransmissions, §16.7 step 10 / §16.11).
 */
import type { SipMessage } from '../sip/message';
import { vias, type Via } from '../sip/headers/via';
import type { Address, TransportProtocol } from '../sip/transport/address';
import { sameAddress } from '../sip/transport/address';

export function viaDestination(v: Via): { address: Address; protocol: TransportProtocol } {
  const received = typeof v.params['received'] === 'string' ? v.params['received'] : undefined;
  const rport = typeof v.params['rport'] === 'string' && /^\d+$/.test(v.params['rport']) ? Number(v.params['rport']) : undefined;
  const t = v.transport.toLowerCase();
  const protocol: TransportProtocol = t === 'tcp' || t === 'tls' ? t : 'udp';
  return { address: { host: received ?? v.host, port: rport ?? v.port ?? (protocol === 'tls' ? 5061 : 5060) }, protocol };
}

/** True when the response's topmost Via names this address (§16.7 step 3 / §18.1.2 check). */
export function topViaIsOwn(msg: SipMessage, own: Address): boolean {
  const v = vias(msg)[0];
  return v !== undefined && sameAddress({ host: v.host, port: v.port ?? 5060 }, own);
}

/** Destination of a response once the top Via is removed: the second Via. */
export function secondViaDestination(msg: SipMessage): { address: Address; protocol: TransportProtocol } | null {
  const v = vias(msg)[1];
  return v ? viaDestination(v) : null;
}
