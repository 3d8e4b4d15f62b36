/**
 * Where a delivered message went, read off the wire (issue 17): the TCP peer of the receiver's
 * MSRP connection and the From-Path of the SEND it received (RFC 4975 §7.1.1: the From-Path lists
 * the hops the request took, sender last). On loopback every party has the same host, so the
 * judgement compares listeners (host and port) and MSRP URIs, never hosts alone.
 *
 * - The CS in the media path (5.2.5.1.1 ¶5, "The CPM Conversation Server SHOULD remains in the
 *   media path for this session"): the receiver's connection is not to the transferee's listener,
 *   and the frames name the CS as their last hop, as the binding knob `csMsrpRole` says the CS takes
 *   part (docs/cpm-sip-binding.md): `b2bua`, the MSRP endpoint of each leg (From-Path is exactly the
 *   CS's a=path to the receiver, §8.2), or `relay`, an RFC 4976 relay (From-Path is the relay's
 *   URI first, RFC 4976 §7.2, and the transferee's own URI last).
 * - The CS not in the media path (5.2.5.1.2, T4 "media flows directly"): the frames come From-Path
 *   the transferee's own URI alone, and a receiver that dialled reached the transferee's listener.
 */
import type { TestContext } from '../../src/harness/context';
import { H, header } from '../../src/msrp/message';
import { formatPath, parsePath, sameMsrpUri, type MsrpUri } from '../../src/msrp/uri';
import { sameAddress, formatHostPort, type Address } from '../../src/sip/transport/address';
import type { ChatEnd, Delivery } from './media-delivery';

/** The From-Path of the SEND a delivery's receiver got, and the TCP peer it came from. */
function hop(d: Delivery): { fromPath: MsrpUri[]; peer: Address } {
  const f = d.entry.msrp;
  return { fromPath: f ? parsePath(header(f, H.fromPath) ?? '').uris : [], peer: d.entry.flow.remote };
}

/** The listener a device's MSRP URI names (§6: authority of the URI). */
function listenerOf(uri: MsrpUri): Address {
  return { host: uri.host, port: uri.port ?? 2855 };
}

/**
 * The CS kept itself in the MSRP path of the message `d` that `transferee` sent to `receiver`:
 * true, or what is wrong. `csPath` is the a=path the CS gave the receiver in its SDP.
 */
export function csInMsrpPath(t: TestContext, d: Delivery, receiver: ChatEnd, transferee: ChatEnd): true | string {
  const { fromPath, peer } = hop(d);
  const own = transferee.session.localUri;
  const role = t.target.binding.csMsrpRole;
  const csPath = receiver.session.peerPath;
  if (sameAddress(peer, listenerOf(own))) return `${receiver.device.name}'s MSRP connection goes to the transferee ${transferee.device.name}'s own listener ${formatHostPort(peer)}: the media goes device to device`;
  const hosts = t.target.ixit.csMsrpHosts;
  if (hosts && !hosts.some((h) => h.toLowerCase() === peer.host.toLowerCase())) return `${receiver.device.name}'s MSRP connection goes to ${formatHostPort(peer)}, not a CS MSRP host (ixit.csMsrpHosts: ${hosts.join(', ')})`;
  const first = fromPath[0];
  if (!first) return 'the SEND carries no parseable From-Path (RFC 4975 §7.1.1)';
  if (fromPath.length === 1 && sameMsrpUri(first, own)) return `the SEND came From-Path ${formatPath(fromPath)}, the transferee's own URI alone: no CS hop in the MSRP path, whatever the SDP says`;
  if (role === 'b2bua') {
    const ok = fromPath.length === csPath.length && fromPath.every((u, i) => i < csPath.length && sameMsrpUri(u, csPath[i]));
    return ok || `the SEND came From-Path ${formatPath(fromPath)}, not the CS's own a=path ${formatPath(csPath)} (binding csMsrpRole: b2bua, RFC 4975 §8.2)`;
  }
  const last = fromPath[fromPath.length - 1];
  const relay = csPath[0];
  const ok = fromPath.length >= 2 && relay !== undefined && sameMsrpUri(first, relay) && sameMsrpUri(last, own);
  return ok || `the SEND came From-Path ${formatPath(fromPath)}: an RFC 4976 relay names itself first (${csPath[0] ? formatPath([csPath[0]]) : 'the a=path\'s first URI'}) and the transferee ${formatPath([own])} last (binding csMsrpRole: relay, RFC 4976 §7.2)`;
}

/** The message `d` went directly from `transferee` to `receiver` (no hop between them): true, or what is wrong. */
export function directMsrpPath(d: Delivery, receiver: ChatEnd, transferee: ChatEnd): true | string {
  const { fromPath, peer } = hop(d);
  const own = transferee.session.localUri;
  if (fromPath.length !== 1 || !sameMsrpUri(fromPath[0]!, own)) return `the SEND came From-Path ${formatPath(fromPath)}, not the transferee ${transferee.device.name}'s own URI ${formatPath([own])} alone: a hop is in the MSRP path`;
  if (receiver.session.role === 'active' && !sameAddress(peer, listenerOf(own))) return `${receiver.device.name} dialled ${formatHostPort(peer)}, not the transferee's listener ${formatHostPort(listenerOf(own))}`;
  return true;
}
