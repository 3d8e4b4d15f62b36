/**
 * Builders for the IP packets the pcap writer synthesizes around each traced SIP message:
 * IPv4 (RFC 791) or IPv6 (RFC 8200) carrying UDP (RFC 768) or TCP (RFC 9293). Every checksum is
 * computed, so Wireshark's validation (when enabled) finds nothing to flag; UDP over IPv6 must
 * carry one anyway (RFC 8200 §8.1).
 */
import { internetChecksum } from './checksum';
import { IPPROTO_TCP, IPPROTO_UDP } from './format';

export interface Endpoints {
  /** 4 octets (IPv4) or 16 (IPv6); both ends the same family. */
  srcAddr: Buffer;
  dstAddr: Buffer;
  srcPort: number;
  dstPort: number;
}

export interface TcpFields {
  seq: number;
  ack: number;
  flags: number;
  window?: number;
}

/** Largest transport payload one IP packet can carry (IPv4 total length is 16 bits). */
export const MAX_IP_PAYLOAD = 65535 - 60;

function pseudoHeader(e: Endpoints, proto: number, length: number): Buffer {
  if (e.srcAddr.length === 4) {
    // RFC 768 / RFC 9293 §3.1: src, dst, zero, protocol, transport length.
    const p = Buffer.alloc(12);
    e.srcAddr.copy(p, 0);
    e.dstAddr.copy(p, 4);
    p[9] = proto;
    p.writeUInt16BE(length, 10);
    return p;
  }
  // RFC 8200 §8.1: src, dst, 32-bit upper-layer length, 3 zero octets, next header.
  const p = Buffer.alloc(40);
  e.srcAddr.copy(p, 0);
  e.dstAddr.copy(p, 16);
  p.writeUInt32BE(length, 32);
  p[39] = proto;
  return p;
}

export function udpSegment(e: Endpoints, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(e.srcPort, 0);
  h.writeUInt16BE(e.dstPort, 2);
  h.writeUInt16BE(Math.min(8 + payload.length, 0xffff), 4);
  let sum = internetChecksum(pseudoHeader(e, IPPROTO_UDP, 8 + payload.length), h, payload);
  // RFC 768: a computed zero is sent as all ones (zero means "no checksum").
  if (sum === 0) sum = 0xffff;
  h.writeUInt16BE(sum, 6);
  return Buffer.concat([h, payload]);
}

export function tcpSegment(e: Endpoints, t: TcpFields, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(e.srcPort, 0);
  h.writeUInt16BE(e.dstPort, 2);
  h.writeUInt32BE(t.seq >>> 0, 4);
  h.writeUInt32BE(t.ack >>> 0, 8);
  h[12] = 5 << 4; // data offset: 5 words, no options
  h[13] = t.flags;
  h.writeUInt16BE(t.window ?? 0xffff, 14);
  h.writeUInt16BE(internetChecksum(pseudoHeader(e, IPPROTO_TCP, 20 + payload.length), h, payload), 16);
  return Buffer.concat([h, payload]);
}

/** Wrap a transport segment in an IPv4 or IPv6 header (family from the address length). */
export function ipPacket(e: Endpoints, proto: number, segment: Buffer, ident: number): Buffer {
  if (e.srcAddr.length === 4) {
    const h = Buffer.alloc(20);
    h[0] = 0x45; // version 4, IHL 5 words
    h.writeUInt16BE(20 + segment.length, 2);
    h.writeUInt16BE(ident & 0xffff, 4);
    h.writeUInt16BE(0x4000, 6); // DF: the loopback never fragments
    h[8] = 64; // TTL
    h[9] = proto;
    e.srcAddr.copy(h, 12);
    e.dstAddr.copy(h, 16);
    h.writeUInt16BE(internetChecksum(h), 10);
    return Buffer.concat([h, segment]);
  }
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000, 0); // version 6, traffic class 0, flow label 0
  h.writeUInt16BE(segment.length, 4);
  h[6] = proto;
  h[7] = 64; // hop limit
  e.srcAddr.copy(h, 8);
  e.dstAddr.copy(h, 24);
  return Buffer.concat([h, segment]);
}
