/**
 * Where a Participating Function sends a request it relays (RFC 3261 §16.5 target determination,
 * §16.6 steps 6-7), after it popped its own Route entries (§16.4):
 *  - a Route remains → the next Route (core-emulation: back to the SIP/IP Core that triggered
 *    the PF, TS 24.229 §5.4.3.1; in-dialog: the dialog's route set, §16.12);
 *  - in-dialog, no Route → the Request-URI (the remote target);
 *  - initial, no Route, PF A → PF B (direct topology: PF A's originating service control hands
 *    the request to the terminating side);
 *  - initial, no Route, PF B → the AoR's registered contacts (terminating service control,
 *    location service §10.3), 404 for an AoR never registered, 480 when no device is registered now.
 */
import type { SipRequest } from '../sip/message';
import type { Address, TransportProtocol } from '../sip/transport/address';
import { parseUri } from '../sip/uri';
import type { PfContext } from './pf-context';
import { nextHop, ownUri, uriTarget } from './routing';
import type { Binding } from './location-service';

export type ForwardDecision =
  | { kind: 'forward'; address: Address; protocol?: TransportProtocol; requestUri?: string; pushRoute?: string; binding?: Binding }
  | { kind: 'reject'; status: number; reason?: string };

export function inDialogTarget(req: SipRequest): ForwardDecision {
  const hop = nextHop(req);
  return hop ? { kind: 'forward', ...hop } : { kind: 'reject', status: 400, reason: 'Bad Request' };
}

export function initialTarget(ctx: PfContext, req: SipRequest, inboundProtocol: TransportProtocol): ForwardDecision {
  if (req.headers.some((h) => /^route$/i.test(h.name))) return inDialogTarget(req);
  if (ctx.role === 'A') {
    // §16.6 step 6-7: a proxy that routes to a chosen next hop puts it in a Route so the request stays loose-routed.
    return { kind: 'forward', address: ctx.peer, protocol: inboundProtocol, pushRoute: `<${ownUri(ctx.peer, inboundProtocol)};lr>` };
  }
  const uri = parseUri(req.uri);
  if (!uri) return { kind: 'reject', status: 416, reason: 'Unsupported URI Scheme' };
  if (uri.host.toLowerCase() !== ctx.domain.toLowerCase()) {
    // Not an AoR of our domain (e.g. a device contact): route on the Request-URI itself.
    const t = uriTarget(req.uri);
    return t ? { kind: 'forward', ...t } : { kind: 'reject', status: 404 };
  }
  const bindings = ctx.location.lookup(req.uri);
  if (bindings.length === 0) {
    return ctx.location.isKnown(req.uri) ? { kind: 'reject', status: 480 } : { kind: 'reject', status: 404 };
  }
  // One device per AoR for 1-1 sessions; forking to every binding comes with multi-device support.
  const b = bindings[0];
  return { kind: 'forward', address: b.address, protocol: b.protocol, requestUri: b.contact, binding: b };
}
