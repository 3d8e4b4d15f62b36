/**
 * One captured frame -> the transport segment inside it. Link layers: Ethernet (with 802.1Q /
 * 802.1ad tags), Linux cooked v1/v2 (what `tcpdump -i any` writes), raw IP, BSD/OpenBSD loopback.
 * Network: IPv4 (RFC 791, fragments reassembled) and IPv6 (RFC 8200, extension headers skipped,
 * fragments reassembled). Transport: UDP (RFC 768) and TCP (RFC 9293).
 */
import {
  ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_VLAN, IPPROTO_TCP, IPPROTO_UDP,
  LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW,
} from './format';
import { FragmentReassembler } from './ip-fragments';

export interface Segment {
  transport: 'udp' | 'tcp';
  srcAddr: Buffer;
  dstAddr: Buffer;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
  /** TCP only. */
  seq?: number;
  flags?: number;
}

/** Result of decoding: a segment, nothing of interest (`null`), or an error text. */
export type Decoded = Segment | null | { error: string };

/** Find the IP packet inside a link-layer frame; null when the frame carries something else. */
export function ipPayloadOf(linkType: number, frame: Buffer): Buffer | null | { error: string } {
  switch (linkType) {
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return frame;
    case LINKTYPE_ETHERNET: {
      if (frame.length < 14) return { error: 'Ethernet frame shorter than its header' };
      let off = 12;
      let type = frame.readUInt16BE(off);
      while ((type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) && off + 6 <= frame.length) {
        off += 4;
        type = frame.readUInt16BE(off);
      }
      return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? frame.subarray(off + 2) : null;
    }
    case LINKTYPE_LINUX_SLL: {
      // 16-octet header; protocol type at offset 14.
      if (frame.length < 16) return { error: 'Linux cooked (SLL) frame shorter than its header' };
      const type = frame.readUInt16BE(14);
      return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? frame.subarray(16) : null;
    }
    case LINKTYPE_LINUX_SLL2: {
      // 20-octet header; protocol type first.
      if (frame.length < 20) return { error: 'Linux cooked v2 (SLL2) frame shorter than its header' };
      const type = frame.readUInt16BE(0);
      return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? frame.subarray(20) : null;
    }
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      // 4-octet address family (host order for NULL, network order for LOOP): let the IP
      // version nibble decide instead of guessing the capturing host's AF_INET6 number.
      if (frame.length < 4) return { error: 'loopback frame shorter than its header' };
      return frame.subarray(4);
    }
    default:
      return { error: `unsupported link type ${linkType}` };
  }
}

/** Decode one IP packet to its UDP/TCP segment (reassembling fragments across calls). */
export function decodeIp(packet: Buffer, frags: FragmentReassembler): Decoded {
  if (packet.length < 1) return { error: 'empty IP packet' };
  const version = packet[0] >> 4;
  if (version === 4) return decodeIPv4(packet, frags);
  if (version === 6) return decodeIPv6(packet, frags);
  return { error: `IP version ${version} is neither 4 nor 6` };
}

function decodeIPv4(p: Buffer, frags: FragmentReassembler): Decoded {
  if (p.length < 20) return { error: 'IPv4 packet shorter than its header' };
  const ihl = (p[0] & 0x0f) * 4;
  const total = p.readUInt16BE(2);
  if (ihl < 20 || ihl > p.length) return { error: `bad IPv4 header length ${ihl}` };
  // total length 0 happens with TCP segmentation offload captures: trust the captured length.
  const end = total === 0 ? p.length : Math.min(total, p.length);
  if (end < ihl) return { error: `IPv4 total length ${total} below header length` };
  const proto = p[9];
  const src = p.subarray(12, 16);
  const dst = p.subarray(16, 20);
  const fragField = p.readUInt16BE(6);
  const moreFragments = (fragField & 0x2000) !== 0;
  const fragOffset = (fragField & 0x1fff) * 8;
  let body = p.subarray(ihl, end);
  if (moreFragments || fragOffset > 0) {
    const whole = frags.add(`4|${src.toString('hex')}|${dst.toString('hex')}|${proto}|${p.readUInt16BE(4)}`, fragOffset, moreFragments, body);
    if (!whole) return null;
    body = whole;
  }
  return decodeTransport(proto, src, dst, body);
}

function decodeIPv6(p: Buffer, frags: FragmentReassembler): Decoded {
  if (p.length < 40) return { error: 'IPv6 packet shorter than its header' };
  const payloadLen = p.readUInt16BE(4);
  const src = p.subarray(8, 24);
  const dst = p.subarray(24, 40);
  // payload length 0 = jumbogram or offload capture: trust the captured length.
  const end = payloadLen === 0 ? p.length : Math.min(40 + payloadLen, p.length);
  let next = p[6];
  let off = 40;
  let frag: { offset: number; more: boolean; id: number; start: number } | null = null;
  // Walk extension headers (RFC 8200 §4): hop-by-hop 0, routing 43, fragment 44, dest opts 60.
  for (let guard = 0; guard < 16; guard++) {
    if (next === 0 || next === 43 || next === 60) {
      if (off + 2 > end) return { error: 'truncated IPv6 extension header' };
      const nh = p[off];
      off += (p[off + 1] + 1) * 8;
      next = nh;
    } else if (next === 44) {
      if (off + 8 > end) return { error: 'truncated IPv6 fragment header' };
      const nh = p[off];
      const field = p.readUInt16BE(off + 2);
      frag = { offset: field & 0xfff8, more: (field & 1) === 1, id: p.readUInt32BE(off + 4), start: off + 8 };
      off += 8;
      next = nh;
    } else break;
  }
  if (off > end) return { error: 'IPv6 extension headers run past the packet' };
  let body = p.subarray(off, end);
  if (frag && (frag.more || frag.offset > 0)) {
    const whole = frags.add(`6|${src.toString('hex')}|${dst.toString('hex')}|${frag.id}`, frag.offset, frag.more, body);
    if (!whole) return null;
    body = whole;
  }
  return decodeTransport(next, src, dst, body);
}

function decodeTransport(proto: number, src: Buffer, dst: Buffer, body: Buffer): Decoded {
  if (proto === IPPROTO_UDP) {
    if (body.length < 8) return { error: 'UDP datagram shorter than its header' };
    const len = body.readUInt16BE(4);
    // Length 0 or past the packet (jumbo/offload): take what was captured.
    const end = len >= 8 && len <= body.length ? len : body.length;
    return { transport: 'udp', srcAddr: src, dstAddr: dst, srcPort: body.readUInt16BE(0), dstPort: body.readUInt16BE(2), payload: body.subarray(8, end) };
  }
  if (proto === IPPROTO_TCP) {
    if (body.length < 20) return { error: 'TCP segment shorter than its header' };
    const dataOff = (body[12] >> 4) * 4;
    if (dataOff < 20 || dataOff > body.length) return { error: `bad TCP data offset ${dataOff}` };
    return {
      transport: 'tcp', srcAddr: src, dstAddr: dst, srcPort: body.readUInt16BE(0), dstPort: body.readUInt16BE(2),
      payload: body.subarray(dataOff), seq: body.readUInt32BE(4), flags: body[13],
    };
  }
  return null;
}
