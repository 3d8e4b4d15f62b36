/**
 * Where the CS put itself in the media path (issue 17): the a=path it answers the transfer target
 * with (T5), and where a delivered message went, read off the wire (T9): the TCP peer of the
 * receiver's MSRP connection and the From-Path of the SEND it received (RFC 4975 §7.1.1: the
 * From-Path lists the hops the request took, sender last). On loopback every party has the same
 * host, so the judgement compares listeners (host and port) and MSRP URIs, never hosts alone.
 *
 * - The CS in the media path (5.2.5.1.1 ¶5, "The CPM Conversation Server SHOULD remains in the
 *   media path for this session"): the receiver's connection is to a CS MSRP host, and the SDP and
 *   the frames name the CS as the binding knob `csMsrpRole` says it takes part
 *   (docs/cpm-sip-binding.md): `b2bua`, the MSRP endpoint of each leg (its a=path its own URIs, the
 *   From-Path exactly that a=path, §8.2; the transferee's URI in neither), or `relay`, an RFC 4976
 *   relay (its URI first in the a=path and the transferee's last, §6; the From-Path the relay's URI
 *   first and the transferee's own URI last, §7.1).
 * - The CS not in the media path (5.2.5.1.2, T4 "media flows directly"): the frames come From-Path
 *   the transferee's own URI alone, and a receiver that dialled reached the transferee's listener.
 *
 * In path, a receiver's connection that leads to the transferee's own listener is not judged: it
 * cannot carry what the case sends. The transferee sends on its session from before the transfer,
 * which the precondition chat bound (chatInSession), and a device's listener refuses a second
 * connection for a bound session (506, §10.10) and a first request from another peer than the
 * session's (481, §5.4) — so such a message never arrives, and is judged undelivered instead.
 */
import type { TestContext } from '../../src/harness/context';
import { H, header } from '../../src/msrp/message';
import { messageMedia } from '../../src/msrp/sdp';
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

const isCsHost = (t: TestContext, host: string) => {
  const hosts = t.target.ixit.csMsrpHosts;
  return !hosts || hosts.some((h) => h.toLowerCase() === host.toLowerCase());
};

/**
 * T5: the CS answered the target with an a=path that keeps it in the media path, as `csMsrpRole`
 * says: true, or what is wrong. `answer` is the SDP of the CS's 2xx to the target, `transferee` the
 * transferee's own SDP answer in the session.
 */
export function csInSdpPath(t: TestContext, answer: Buffer, transferee: Buffer | undefined): true | string {
  const got = messageMedia(answer)?.path ?? [];
  const own = messageMedia(transferee)?.path ?? [];
  const ownUri = own[own.length - 1];
  const isOwn = (u: MsrpUri | undefined) => u !== undefined && ownUri !== undefined && sameMsrpUri(u, ownUri);
  const first = got[0];
  const said = `the target was answered with a=path ${formatPath(got)}`;
  if (!first) return 'the target was answered with no MSRP a=path';
  if (got.length === own.length && got.every((u, i) => i < own.length && sameMsrpUri(u, own[i]))) return `${said}, the transferee's own path: the CS left the media path`;
  // §5.4 and RFC 4976 §6: a device connects to the first URI of the path it was given.
  if (isOwn(first)) return `${said}: its first hop is the transferee's own URI, so the target connects to the transferee`;
  if (!isCsHost(t, first.host)) return `${said}, not a CS MSRP address (ixit.csMsrpHosts: ${t.target.ixit.csMsrpHosts?.join(', ') ?? ''})`;
  if (t.target.binding.csMsrpRole === 'b2bua') {
    return !got.some(isOwn) || `${said}: the CS's URI then the transferee's, an RFC 4976 relay's path, not the CS as the endpoint of the target's leg (binding csMsrpRole: b2bua, RFC 4975 §8.2)`;
  }
  return (got.length >= 2 && isOwn(got[got.length - 1])) || `${said}: an RFC 4976 relay gives its own URI first and the transferee's ${ownUri ? formatPath([ownUri]) : 'URI'} last (binding csMsrpRole: relay, RFC 4976 §6)`;
}

/**
 * T9: the CS kept itself in the MSRP path of the message `d` that `transferee` sent to `receiver`:
 * true, or what is wrong. `csPath` is the a=path the CS gave the receiver in its SDP.
 */
export function csInMsrpPath(t: TestContext, d: Delivery, receiver: ChatEnd, transferee: ChatEnd): true | string {
  const { fromPath, peer } = hop(d);
  const own = transferee.session.localUri;
  const csPath = receiver.session.peerPath;
  if (!isCsHost(t, peer.host)) return `${receiver.device.name}'s MSRP connection goes to ${formatHostPort(peer)}, not a CS MSRP host (ixit.csMsrpHosts: ${t.target.ixit.csMsrpHosts?.join(', ') ?? ''})`;
  const first = fromPath[0];
  const last = fromPath[fromPath.length - 1];
  if (!first || !last) return 'the SEND carries no parseable From-Path (RFC 4975 §7.1.1)';
  if (fromPath.length === 1 && sameMsrpUri(first, own)) return `the SEND came From-Path ${formatPath(fromPath)}, the transferee's own URI alone: no CS hop in the MSRP path, whatever the SDP says`;
  if (t.target.binding.csMsrpRole === 'b2bua') {
    if (fromPath.some((u) => sameMsrpUri(u, own))) return `the SEND came From-Path ${formatPath(fromPath)}, naming the transferee ${formatPath([own])} behind the CS: an RFC 4976 relay's From-Path, not the CS as the endpoint of the leg (binding csMsrpRole: b2bua, RFC 4975 §8.2)`;
    const ok = fromPath.length === csPath.length && fromPath.every((u, i) => i < csPath.length && sameMsrpUri(u, csPath[i]));
    return ok || `the SEND came From-Path ${formatPath(fromPath)}, not the CS's own a=path ${formatPath(csPath)} (binding csMsrpRole: b2bua, RFC 4975 §8.2)`;
  }
  const relay = csPath[0];
  const ok = fromPath.length >= 2 && relay !== undefined && sameMsrpUri(first, relay) && sameMsrpUri(last, own);
  return ok || `the SEND came From-Path ${formatPath(fromPath)}: an RFC 4976 relay names itself first (${relay ? formatPath([relay]) : 'the a=path\'s first URI'}) and the transferee ${formatPath([own])} last (binding csMsrpRole: relay, RFC 4976 §7.1)`;
}

/** The message `d` went directly from `transferee` to `receiver` (no hop between them): true, or what is wrong. */
export function directMsrpPath(d: Delivery, receiver: ChatEnd, transferee: ChatEnd): true | string {
  const { fromPath, peer } = hop(d);
  const own = transferee.session.localUri;
  const only = fromPath.length === 1 ? fromPath[0] : undefined;
  if (!only || !sameMsrpUri(only, own)) return `the SEND came From-Path ${formatPath(fromPath)}, not the transferee ${transferee.device.name}'s own URI ${formatPath([own])} alone: a hop is in the MSRP path`;
  if (receiver.session.role === 'active' && !sameAddress(peer, listenerOf(own))) return `${receiver.device.name} dialled ${formatHostPort(peer)}, not the transferee's listener ${formatHostPort(listenerOf(own))}`;
  return true;
}
