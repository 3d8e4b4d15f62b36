/**
 * Trace -> classic pcap file (docs/reporting.md: "the trace as pcap (opens in Wireshark)").
 *
 * The tap records SIP octets per socket, not packets, so the writer synthesizes the layers below:
 * LINKTYPE_RAW (101) records holding an IPv4/IPv6 packet with a UDP or TCP segment. Raw IP avoids
 * inventing MAC addresses and is decoded by every Wireshark/tshark. TCP (and TLS, whose plaintext
 * the tap sees; it is written as TCP so the SIP is readable) gets a synthesized three-way
 * handshake per connection and consistent sequence/acknowledgement numbers per direction
 * (RFC 9293 §3.4), so tshark's stream reassembly and SIP-over-TCP dissection work.
 */
import type { TraceEntry } from '../transport/tap';
import type { Address } from '../transport/address';
import { IPPROTO_TCP, IPPROTO_UDP, LINKTYPE_RAW, PCAP_MAGIC_US, SNAPLEN, TCP_ACK, TCP_PSH, TCP_SYN } from './format';
import { ipToBytes, mapIPv4, unmapIPv4 } from './ip-address';
import { type Endpoints, MAX_IP_PAYLOAD, ipPacket, tcpSegment, udpSegment } from './packet';

export interface PcapWriteOptions {
  /** Write datagrams that fault injection dropped (they never reached the peer). Default false. */
  includeDropped?: boolean;
  /**
   * When both ends of a socket pair are ours, one wire message is traced twice (sent by one end,
   * received by the other). Default true: write it once.
   */
  dedupe?: boolean;
  /** Synthesize SYN / SYN-ACK / ACK before a TCP connection's first data. Default true. */
  tcpHandshake?: boolean;
}

/**
 * What the writer needs of an entry: the octets, their direction and flow, and both clocks. SIP
 * TraceEntry and MSRP entries (src/msrp/trace.ts) both have it, so one capture can hold both,
 * MSRP frames on the same synthesized TCP connections as they crossed.
 */
export type WireEntry = Pick<TraceEntry, 'at' | 'wallMs' | 'direction' | 'flow' | 'raw' | 'dropped'>;

/** Per TCP connection: next sequence number of each direction, keyed by the sender's endpoint text. */
interface TcpConnection {
  next: Map<string, number>;
}

const UNSPECIFIED_V4 = Buffer.alloc(4);

function endpointsOf(src: Address, dst: Address): Endpoints {
  let s = ipToBytes(src.host) ?? UNSPECIFIED_V4;
  let d = ipToBytes(dst.host) ?? UNSPECIFIED_V4;
  // Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2): show plain IPv4.
  const s4 = unmapIPv4(s);
  const d4 = unmapIPv4(d);
  if (s4 && (d4 || d.length === 4)) s = s4;
  if (d4 && s.length === 4) d = d4;
  if (s.length !== d.length) {
    s = s.length === 4 ? mapIPv4(s) : s;
    d = d.length === 4 ? mapIPv4(d) : d;
  }
  return { srcAddr: s, dstAddr: d, srcPort: src.port, dstPort: dst.port };
}

function key(a: Address): string {
  return `${a.host.toLowerCase()}|${a.port}`;
}

/** Deterministic initial sequence number per connection, distinct per side. */
function isn(connKey: string, side: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < connKey.length; i++) h = Math.imul(h ^ connKey.charCodeAt(i), 0x01000193);
  return ((h >>> 0) ^ (side * 0x5bd1e995)) >>> 0;
}

/** Source and destination on the wire: a sent entry goes local -> remote, a received one the reverse. */
function wireEnds(e: WireEntry): [Address, Address] {
  return e.direction === 'sent' ? [e.flow.local, e.flow.remote] : [e.flow.remote, e.flow.local];
}

/**
 * The entries that become packets, in order: dropped datagrams left out (unless asked), and a
 * message traced at both ends (sent by one of ours, received by another) kept once.
 */
export function wireEntries<E extends WireEntry>(entries: readonly E[], options: PcapWriteOptions = {}): E[] {
  const includeDropped = options.includeDropped ?? false;
  const dedupe = options.dedupe ?? true;
  const out: E[] = [];
  /** Unpaired entries per wire direction (`proto|src>dst`). Either end may be traced first. */
  const pending = new Map<string, E[]>();
  for (const e of entries) {
    if (e.dropped && !includeDropped) continue;
    if (dedupe) {
      const [src, dst] = wireEnds(e);
      const wire = `${e.flow.protocol === 'udp' ? 'udp' : 'tcp'}|${key(src)}>${key(dst)}`;
      const list = pending.get(wire) ?? [];
      const twin = list.findIndex((p) => p.direction !== e.direction && p.raw.equals(e.raw));
      if (twin >= 0) {
        list.splice(twin, 1);
        continue;
      }
      list.push(e);
      pending.set(wire, list);
    }
    out.push(e);
  }
  return out;
}

/** Serialize a trace as a classic pcap file (magic a1b2c3d4, microseconds, LINKTYPE_RAW). */
export function writePcap(entries: readonly WireEntry[], options: PcapWriteOptions = {}): Buffer {
  const handshake = options.tcpHandshake ?? true;
  const chunks: Buffer[] = [globalHeader()];
  const live = wireEntries(entries, options);
  if (live.length === 0) return chunks[0];

  // Absolute time from the wall clock of the first entry; relative times from the monotonic clock,
  // which has sub-millisecond resolution and never steps backwards.
  const baseUs = BigInt(Math.round(live[0].wallMs * 1000));
  const at0 = live[0].at;
  const tcp = new Map<string, TcpConnection>();
  let ident = 1;

  const emit = (tsUs: bigint, packet: Buffer): void => {
    const rec = Buffer.alloc(16);
    const sec = tsUs / 1000000n;
    rec.writeUInt32LE(Number(sec & 0xffffffffn), 0);
    rec.writeUInt32LE(Number(tsUs - sec * 1000000n), 4);
    rec.writeUInt32LE(packet.length, 8);
    rec.writeUInt32LE(packet.length, 12);
    chunks.push(rec, packet);
  };

  for (const e of live) {
    const [src, dst] = wireEnds(e);
    let tsUs = baseUs + (e.at - at0) / 1000n;
    if (tsUs < 0n) tsUs = 0n;
    const ep = endpointsOf(src, dst);

    if (e.flow.protocol === 'udp') {
      emit(tsUs, ipPacket(ep, IPPROTO_UDP, udpSegment(ep, e.raw), ident++));
      continue;
    }

    const ks = key(src);
    const kd = key(dst);
    const connKey = ks < kd ? `${ks}~${kd}` : `${kd}~${ks}`;
    let conn = tcp.get(connKey);
    const back: Endpoints = { srcAddr: ep.dstAddr, dstAddr: ep.srcAddr, srcPort: ep.dstPort, dstPort: ep.srcPort };
    if (!conn) {
      // The first sender on a connection is taken as the one that opened it.
      const c = isn(connKey, 1);
      const s = isn(connKey, 2);
      conn = { next: new Map([[ks, c], [kd, s]]) };
      tcp.set(connKey, conn);
      if (handshake) {
        emit(tsUs, ipPacket(ep, IPPROTO_TCP, tcpSegment(ep, { seq: c, ack: 0, flags: TCP_SYN }, Buffer.alloc(0)), ident++));
        emit(tsUs, ipPacket(back, IPPROTO_TCP, tcpSegment(back, { seq: s, ack: c + 1, flags: TCP_SYN | TCP_ACK }, Buffer.alloc(0)), ident++));
        emit(tsUs, ipPacket(ep, IPPROTO_TCP, tcpSegment(ep, { seq: c + 1, ack: s + 1, flags: TCP_ACK }, Buffer.alloc(0)), ident++));
        // SYN consumes one sequence number (RFC 9293 §3.4).
        conn.next.set(ks, (c + 1) >>> 0);
        conn.next.set(kd, (s + 1) >>> 0);
      }
    }
    const max = MAX_IP_PAYLOAD - 20;
    for (let off = 0; off < e.raw.length || off === 0; off += max) {
      const part = e.raw.subarray(off, off + max);
      const seq = conn.next.get(ks) ?? 0;
      const ack = conn.next.get(kd) ?? 0;
      emit(tsUs, ipPacket(ep, IPPROTO_TCP, tcpSegment(ep, { seq, ack, flags: TCP_PSH | TCP_ACK }, part), ident++));
      conn.next.set(ks, (seq + part.length) >>> 0);
      if (part.length === 0) break;
    }
  }
  return Buffer.concat(chunks);
}

function globalHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(PCAP_MAGIC_US, 0); // little-endian file: readers detect order from the magic
  h.writeUInt16LE(2, 4); // version 2.4
  h.writeUInt16LE(4, 6);
  h.writeInt32LE(0, 8); // thiszone: timestamps are UTC
  h.writeUInt32LE(0, 12); // sigfigs
  h.writeUInt32LE(SNAPLEN, 16);
  h.writeUInt32LE(LINKTYPE_RAW, 20);
  return h;
}
