/** Builders shared by the pcap unit tests: trace entries, SIP texts, re-framed capture files. */
import type { TraceEntry } from '../../../src/sip/transport/tap';
import type { TransportProtocol } from '../../../src/sip/transport/address';

let seq = 0;
const T0 = 1_700_000_000_000; // a fixed wall clock, so timestamps are predictable
const AT0 = 5_000_000_000n;

export function entry(
  protocol: TransportProtocol, direction: 'sent' | 'received',
  local: [string, number], remote: [string, number], raw: string | Buffer, atOffsetNs = 0n,
): TraceEntry {
  const s = seq++;
  return {
    seq: s, at: AT0 + atOffsetNs, wallMs: T0 + Number(atOffsetNs / 1_000_000n), direction,
    flow: { protocol, local: { host: local[0], port: local[1] }, remote: { host: remote[0], port: remote[1] } },
    raw: Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'utf8'), message: null,
  };
}

export const WALL_US0 = T0 * 1000;

export function invite(n: number, body = '', contentType = 'application/sdp'): string {
  return [
    `INVITE sip:bob@example.com SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-${n}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>',
    `Call-ID: call-${n}@127.0.0.1`,
    'CSeq: 1 INVITE',
    'Contact: <sip:alice@127.0.0.1:5070>',
    ...(body ? [`Content-Type: ${contentType}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '', body,
  ].join('\r\n');
}

export function ok(n: number): string {
  return [
    'SIP/2.0 200 OK',
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-${n}`,
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>;tag=b1',
    `Call-ID: call-${n}@127.0.0.1`,
    'CSeq: 1 INVITE',
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}

export const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=message 7394 TCP/MSRP *\r\na=path:msrp://127.0.0.1:7394/s1;tcp\r\n';

/** Records of a little-endian µs classic pcap as written by writePcap. */
export function records(pcap: Buffer): Array<{ sec: number; usec: number; data: Buffer }> {
  const out: Array<{ sec: number; usec: number; data: Buffer }> = [];
  for (let off = 24; off + 16 <= pcap.length;) {
    const len = pcap.readUInt32LE(off + 8);
    out.push({ sec: pcap.readUInt32LE(off), usec: pcap.readUInt32LE(off + 4), data: pcap.subarray(off + 16, off + 16 + len) });
    off += 16 + len;
  }
  return out;
}

/** Re-write a capture with another link type / byte order / time resolution. */
export function rewrap(pcap: Buffer, o: { linkType: number; wrap: (ip: Buffer) => Buffer; bigEndian?: boolean; nano?: boolean }): Buffer {
  const w32 = (b: Buffer, v: number, off: number): void => { if (o.bigEndian) b.writeUInt32BE(v >>> 0, off); else b.writeUInt32LE(v >>> 0, off); };
  const w16 = (b: Buffer, v: number, off: number): void => { if (o.bigEndian) b.writeUInt16BE(v, off); else b.writeUInt16LE(v, off); };
  const g = Buffer.alloc(24);
  w32(g, o.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(g, 2, 4);
  w16(g, 4, 6);
  w32(g, 262144, 16);
  w32(g, o.linkType, 20);
  const parts: Buffer[] = [g];
  for (const r of records(pcap)) {
    const data = o.wrap(r.data);
    const h = Buffer.alloc(16);
    w32(h, r.sec, 0);
    w32(h, o.nano ? r.usec * 1000 + 7 : r.usec, 4);
    w32(h, data.length, 8);
    w32(h, data.length, 12);
    parts.push(h, data);
  }
  return Buffer.concat(parts);
}

/** A minimal pcapng file (SHB, one IDB with the given tsresol, one EPB per record). */
export function toPcapng(pcap: Buffer, tsresol = 6): Buffer {
  const block = (type: number, body: Buffer): Buffer => {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const len = 12 + padded.length;
    const b = Buffer.alloc(len);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(len, 4);
    padded.copy(b, 8);
    b.writeUInt32LE(len, len - 4);
    return b;
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeInt32LE(-1, 8); // section length unknown (two 32-bit halves of -1)
  shb.writeInt32LE(-1, 12);
  const idb = Buffer.alloc(8 + 12);
  idb.writeUInt16LE(101, 0);
  idb.writeUInt32LE(262144, 4);
  idb.writeUInt16LE(9, 8); // if_tsresol
  idb.writeUInt16LE(1, 10);
  idb[12] = tsresol;
  // opt_endofopt follows as zeros
  const parts: Buffer[] = [block(0x0a0d0d0a, shb), block(1, idb)];
  for (const r of records(pcap)) {
    const units = (BigInt(r.sec) * 1000000n + BigInt(r.usec)) * 10n ** BigInt(tsresol) / 1000000n;
    const epb = Buffer.alloc(20);
    epb.writeUInt32LE(0, 0);
    epb.writeUInt32LE(Number(units >> 32n), 4);
    epb.writeUInt32LE(Number(units & 0xffffffffn), 8);
    epb.writeUInt32LE(r.data.length, 12);
    epb.writeUInt32LE(r.data.length, 16);
    parts.push(block(6, Buffer.concat([epb, r.data])));
  }
  return Buffer.concat(parts);
}
