/**
 * Where a Participating Function sends a request it relays (RFC 3261 §16.5 target determination,
 * §16.6 steps 6-7), after it popped its own Route entries (§16.4):
 *  - in-dialog: the next Route (the dialog's route set, §16.12), else the Request-URI;
 *  - initial, PF A: the next Route if one remains (core-emulation: back to the SIP/IP Core that
 *    triggered it, TS 24.229 §5.4.3.1), else PF B (direct topology: PF A's originating service
 *    control hands the request to the terminating side);
 *  - initial, PF B (terminating service control), in both topologies: when the Request-URI is an
 *    AoR with registered bindings (location service, §10.3), one branch per binding (§16.5-16.6,
 *    forked for INVITE, CPM-MLD-007): Request-URI = the binding's contact; next hop = the Route
 *    that remains if any (core-emulation keeps `<core;lr;hop=t2>` in front), else the binding's
 *    Path as Route (RFC 3327 §5.3), else the contact itself. An AoR without bindings is forwarded
 *    unchanged along a remaining Route; with no Route it gets 404 (never registered) or 480
 *    (no device registered now). A Request-URI that is the contact of a binding (a transfer names
 *    the transferee's device, RFC 3891) goes to that binding alone, the same way.
 */
import type { SipRequest } from '../sip/message';
import { headerValues } from '../sip/message';
import type { Address, TransportProtocol } from '../sip/transport/address';
import { parseNameAddr } from '../sip/headers/name-addr';
import { parseUri } from '../sip/uri';
import type { PfContext } from './pf-context';
import { nextHop, ownUri, uriTarget } from './routing';
import type { Binding } from './location-service';

export type ForwardDecision =
  | { kind: 'forward'; address: Address; protocol?: TransportProtocol; requestUri?: string; pushRoute?: string; binding?: Binding }
  | { kind: 'reject'; status: number; reason?: string };

/** One branch of terminating service control: one registered device of the AoR. */
export interface BranchTarget {
  address: Address;
  protocol?: TransportProtocol;
  /** The binding's contact (§16.5: the Request-URI of the branch). */
  requestUri: string;
  /** Route entries (name-addr text) the branch carries: the remaining Route, else the binding's Path, else none. */
  routes: string[];
  binding: Binding;
}

export type InitialDecision = ForwardDecision | { kind: 'fork'; branches: BranchTarget[] };

export function inDialogTarget(req: SipRequest): ForwardDecision {
  const hop = nextHop(req);
  return hop ? { kind: 'forward', ...hop } : { kind: 'reject', status: 400, reason: 'Bad Request' };
}

/** The branch towards one binding: remaining Route, else Path (RFC 3327), else the contact. */
export function branchTarget(req: SipRequest, b: Binding): BranchTarget | null {
  const remaining = headerValues(req, 'Route');
  const routes = remaining.length > 0 ? remaining : b.path;
  if (routes.length === 0) return { address: b.address, protocol: b.protocol, requestUri: b.contact, routes: [], binding: b };
  const uri = parseNameAddr(routes[0])?.uri;
  const hop = uri ? uriTarget(uri) : null;
  if (!hop) return null;
  return { address: hop.address, protocol: hop.protocol ?? b.protocol, requestUri: b.contact, routes, binding: b };
}

export function initialTarget(ctx: PfContext, req: SipRequest, inboundProtocol: TransportProtocol): InitialDecision {
  const hasRoute = req.headers.some((h) => /^route$/i.test(h.name));
  if (ctx.role === 'A') {
    if (hasRoute) return inDialogTarget(req);
    // §16.6 step 6-7: a proxy that routes to a chosen next hop puts it in a Route so the request stays loose-routed.
    return { kind: 'forward', address: ctx.peer, protocol: inboundProtocol, pushRoute: `<${ownUri(ctx.peer, inboundProtocol)};lr>` };
  }
  const uri = parseUri(req.uri);
  if (!uri) return hasRoute ? inDialogTarget(req) : { kind: 'reject', status: 416, reason: 'Unsupported URI Scheme' };
  // Terminating service control: the AoR's registered devices (a contact URI names no AoR, so it has none).
  const bindings = uri.user ? ctx.location.lookup(req.uri) : [];
  if (bindings.length > 0) {
    const branches = bindings.map((b) => branchTarget(req, b)).filter((b): b is BranchTarget => b !== null);
    return branches.length > 0 ? { kind: 'fork', branches } : { kind: 'reject', status: 480 };
  }
  // A Request-URI that is a registered contact (e.g. a transferee named by Replaces, 5.2.5.1.2): that binding only.
  const device = ctx.location.findByContact(req.uri);
  if (device) {
    const branch = branchTarget(req, device);
    return branch ? { kind: 'fork', branches: [branch] } : { kind: 'reject', status: 480 };
  }
  if (hasRoute) return inDialogTarget(req);
  if (uri.host.toLowerCase() !== ctx.domain.toLowerCase()) {
    // Not an AoR of our domain (e.g. a device contact): route on the Request-URI itself.
    const t = uriTarget(req.uri);
    return t ? { kind: 'forward', ...t } : { kind: 'reject', status: 404 };
  }
  return ctx.location.isKnown(req.uri) ? { kind: 'reject', status: 480 } : { kind: 'reject', status: 404 };
}

/** A non-INVITE request to an AoR goes to one device only (the first binding); only INVITE forks. */
export function firstBranch(d: InitialDecision): ForwardDecision & { routes?: string[] } {
  if (d.kind !== 'fork') return d;
  const b = d.branches[0];
  return { kind: 'forward', address: b.address, protocol: b.protocol, requestUri: b.requestUri, binding: b.binding, routes: b.routes };
}
