/**
 * Via processing at the transport layer: stamping received/rport on inbound requests (§18.2.1,
 * RFC 3581 §4) and choosing where a response goes (§18.2.2, RFC 3581 §4).
 */
import type { SipRequest, SipResponse } from '../message';
import { splitCommaList } from '../message';
import { formatVia, topVia } from '../headers/via';
import type { Address } from '../transport/address';
import { isHeader } from '../message';

/**
 * Add `received` when the sent-by host differs from the packet's source address, and fill an
 * empty `rport` with the source port (then `received` is added too, RFC 3581 §4). Edits `req`.
 */
export function stampReceived(req: SipRequest, source: Address): void {
  const via = topVia(req);
  if (!via) return;
  const params = { ...via.params };
  let changed = false;
  if (via.host.toLowerCase() !== source.host.toLowerCase() || 'rport' in params) {
    params['received'] = source.host;
    changed = true;
  }
  if ('rport' in params && (params['rport'] === null || params['rport'] === '')) {
    params['rport'] = String(source.port);
    changed = true;
  }
  if (!changed) return;
  const idx = req.headers.findIndex((h) => isHeader(h.name, 'via'));
  const field = req.headers[idx];
  const parts = splitCommaList(field.value);
  parts[0] = formatVia({ ...via, params });
  req.headers[idx] = { name: field.name, value: parts.join(', ') };
}

/**
 * Where to send a response over an unreliable transport (§18.2.2): maddr, else received (with
 * rport's port when present, RFC 3581 §4), else sent-by; default port 5060.
 * Reliable transports answer over the connection the request came on: the caller uses the flow.
 */
export function responseDestination(res: SipResponse, fallback: Address): Address {
  const via = topVia(res);
  if (!via) return fallback;
  const rport = via.params['rport'];
  const port = typeof rport === 'string' && /^\d+$/.test(rport) ? Number(rport) : via.port ?? 5060;
  const maddr = via.params['maddr'];
  if (typeof maddr === 'string' && maddr.length > 0) return { host: maddr, port: via.port ?? 5060 };
  const received = via.params['received'];
  if (typeof received === 'string' && received.length > 0) return { host: received, port };
  return { host: via.host, port };
}
