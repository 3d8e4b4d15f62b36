/**
 * Capture file -> packet records. Reads classic pcap in either byte order with microsecond or
 * nanosecond magic, and pcapng (Enhanced/Simple/obsolete Packet Blocks, several interfaces and
 * sections), so a capture from tcpdump, tshark or Wireshark can be fed to the reader.
 * Never throws: a damaged file yields the records before the damage plus an error.
 */
import { PCAPNG_BYTE_ORDER_MAGIC, PCAPNG_SHB, PCAP_MAGIC_NS, PCAP_MAGIC_US } from './format';

export interface CaptureRecord {
  /** 0-based position of the packet in the file (Wireshark's frame number minus one). */
  index: number;
  /** Capture time in microseconds since the epoch (Number: exact up to year 2255). */
  timestampUs: number;
  linkType: number;
  data: Buffer;
}

export interface CaptureFile {
  records: CaptureRecord[];
  errors: string[];
}

export function readCaptureFile(buf: Buffer): CaptureFile {
  if (buf.length < 4) return { records: [], errors: ['file too short for a capture header'] };
  const first = buf.readUInt32BE(0);
  if (first === PCAPNG_SHB) return readPcapng(buf);
  return readClassic(buf);
}

function readClassic(buf: Buffer): CaptureFile {
  const records: CaptureRecord[] = [];
  const errors: string[] = [];
  if (buf.length < 24) return { records, errors: ['file too short for a pcap global header'] };
  const be = buf.readUInt32BE(0);
  const le = buf.readUInt32LE(0);
  let little: boolean;
  let nano: boolean;
  if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) { little = true; nano = le === PCAP_MAGIC_NS; }
  else if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) { little = false; nano = be === PCAP_MAGIC_NS; }
  else return { records, errors: [`not a pcap or pcapng file (magic 0x${be.toString(16).padStart(8, '0')})`] };
  const u32 = (o: number): number => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  // The link type is the low 16 bits; the upper bits may carry the FCS-length flag.
  const linkType = u32(20) & 0xffff;
  let off = 24;
  while (off < buf.length) {
    if (off + 16 > buf.length) { errors.push(`record ${records.length}: truncated record header at offset ${off}`); break; }
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    if (off + 16 + incl > buf.length) { errors.push(`record ${records.length}: captured length ${incl} runs past the end of the file`); break; }
    records.push({
      index: records.length,
      timestampUs: sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac),
      linkType,
      data: buf.subarray(off + 16, off + 16 + incl),
    });
    off += 16 + incl;
  }
  return { records, errors };
}

interface Interface {
  linkType: number;
  /** Timestamp units per second (if_tsresol, default 10^6). */
  unitsPerSecond: number;
}

function readPcapng(buf: Buffer): CaptureFile {
  const records: CaptureRecord[] = [];
  const errors: string[] = [];
  let little = true;
  let ifaces: Interface[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 12 > buf.length) { errors.push(`truncated pcapng block at offset ${off}`); break; }
    const type = buf.readUInt32LE(off); // the SHB type reads the same in both orders
    if (type === PCAPNG_SHB) {
      const bom = buf.readUInt32LE(off + 8);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) little = true;
      else if (buf.readUInt32BE(off + 8) === PCAPNG_BYTE_ORDER_MAGIC) little = false;
      else { errors.push(`bad pcapng byte-order magic at offset ${off}`); break; }
      ifaces = []; // interface ids are per section
    }
    const u32 = (o: number): number => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const u16 = (o: number): number => (little ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    const btype = u32(off);
    const blen = u32(off + 4);
    if (blen < 12 || blen % 4 !== 0 || off + blen > buf.length) { errors.push(`bad pcapng block length ${blen} at offset ${off}`); break; }
    try {
      if (btype === 1) {
        // Interface Description Block: link type, reserved, snaplen, options (if_tsresol = 9).
        let unitsPerSecond = 1e6;
        let o = off + 16;
        while (o + 4 <= off + blen - 4) {
          const code = u16(o);
          const len = u16(o + 2);
          if (code === 0) break;
          if (code === 9 && len >= 1) {
            const v = buf[o + 4];
            unitsPerSecond = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
          }
          o += 4 + ((len + 3) & ~3);
        }
        ifaces.push({ linkType: u16(off + 8), unitsPerSecond });
      } else if (btype === 6 || btype === 2) {
        // Enhanced Packet Block (6) / obsolete Packet Block (2, 16-bit interface id + drops count).
        const ifId = btype === 6 ? u32(off + 8) : u16(off + 8);
        const iface = ifaces[ifId];
        const hi = u32(off + 12);
        const lo = u32(off + 16);
        const capLen = u32(off + 20);
        if (!iface) errors.push(`packet block at offset ${off} names unknown interface ${ifId}`);
        else if (28 + capLen > blen) errors.push(`packet block at offset ${off}: captured length ${capLen} exceeds the block`);
        else {
          const units = hi * 4294967296 + lo;
          records.push({
            index: records.length,
            timestampUs: Math.floor((units * 1e6) / iface.unitsPerSecond),
            linkType: iface.linkType,
            data: buf.subarray(off + 28, off + 28 + capLen),
          });
        }
      } else if (btype === 3) {
        // Simple Packet Block: interface 0, no timestamp; original length, then data.
        const iface = ifaces[0];
        const orig = u32(off + 8);
        const capLen = Math.min(orig, blen - 16);
        if (iface) records.push({ index: records.length, timestampUs: 0, linkType: iface.linkType, data: buf.subarray(off + 12, off + 12 + capLen) });
      }
    } catch (err) {
      errors.push(`pcapng block at offset ${off}: ${(err as Error).message}`);
    }
    off += blen;
  }
  return { records, errors };
}
