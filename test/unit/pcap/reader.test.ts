/** readPcap on captures it did not write: other link types, byte orders, pcapng, TCP disorder, damage. */
import { readPcap } from '../../../src/sip/pcap/reader';
import { writePcap } from '../../../src/sip/pcap/writer';
import { IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_PSH, TCP_SYN } from '../../../src/sip/pcap/format';
import { ipPacket, tcpSegment, udpSegment } from '../../../src/sip/pcap/packet';
import { SDP, WALL_US0, entry, invite, ok, rewrap, toPcapng } from './fixtures';

const A: [string, number] = ['127.0.0.1', 5070];
const B: [string, number] = ['127.0.0.2', 5060];
const mixed = (): Buffer => writePcap([
  entry('udp', 'sent', A, B, invite(1, SDP)),
  entry('tcp', 'sent', A, B, invite(2)),
  entry('tcp', 'received', A, B, ok(2)),
  entry('udp', 'sent', ['::1', 5070], ['::1', 5060], ok(1)),
]);
const expected = [invite(1, SDP), invite(2), ok(2), ok(1)];
const ethertype = (ip: Buffer): number => (ip[0] >> 4 === 6 ? 0x86dd : 0x0800);

describe('readPcap', () => {
  it.each([
    ['big-endian µs', { linkType: 101, wrap: (ip: Buffer) => ip, bigEndian: true }],
    ['little-endian ns', { linkType: 101, wrap: (ip: Buffer) => ip, nano: true }],
    ['big-endian ns', { linkType: 101, wrap: (ip: Buffer) => ip, bigEndian: true, nano: true }],
    ['Ethernet with an 802.1Q tag', {
      linkType: 1,
      wrap: (ip: Buffer) => {
        const h = Buffer.alloc(18);
        h.writeUInt16BE(0x8100, 12);
        h.writeUInt16BE(42, 14);
        h.writeUInt16BE(ethertype(ip), 16);
        return Buffer.concat([h, ip]);
      },
    }],
    ['Linux cooked v1', { linkType: 113, wrap: (ip: Buffer) => { const h = Buffer.alloc(16); h.writeUInt16BE(ethertype(ip), 14); return Buffer.concat([h, ip]); } }],
    ['Linux cooked v2', { linkType: 276, wrap: (ip: Buffer) => { const h = Buffer.alloc(20); h.writeUInt16BE(ethertype(ip), 0); return Buffer.concat([h, ip]); } }],
    ['BSD loopback', { linkType: 0, wrap: (ip: Buffer) => Buffer.concat([Buffer.from([2, 0, 0, 0]), ip]) }],
  ])('reads %s captures', (_name, o) => {
    const buf = rewrap(mixed(), o);
    const r = readPcap(buf);
    expect(r.errors).toEqual([]);
    expect(r.payloads.map((p) => p.payload.toString())).toEqual(expected);
    expect(r.payloads[0].timestampUs).toBe(WALL_US0);
  });

  it.each([6, 9])('reads pcapng with if_tsresol 10^-%i', (res) => {
    const r = readPcap(toPcapng(mixed(), res));
    expect(r.errors).toEqual([]);
    expect(r.payloads.map((p) => p.payload.toString())).toEqual(expected);
    expect(r.payloads[0].timestampUs).toBe(WALL_US0);
  });

  describe('TCP reassembly', () => {
    const ep = { srcAddr: Buffer.from([10, 0, 0, 1]), dstAddr: Buffer.from([10, 0, 0, 2]), srcPort: 40000, dstPort: 5060 };
    const pkt = (seq: number, data: string | Buffer, flags = TCP_PSH | TCP_ACK): Buffer =>
      ipPacket(ep, IPPROTO_TCP, tcpSegment(ep, { seq, ack: 1, flags }, Buffer.isBuffer(data) ? data : Buffer.from(data)), 1);
    const file = (packets: Buffer[]): Buffer => {
      const g = Buffer.alloc(24);
      g.writeUInt32LE(0xa1b2c3d4, 0);
      g.writeUInt16LE(2, 4);
      g.writeUInt16LE(4, 6);
      g.writeUInt32LE(65535, 16);
      g.writeUInt32LE(101, 20);
      const parts: Buffer[] = [g];
      packets.forEach((p, i) => {
        const h = Buffer.alloc(16);
        h.writeUInt32LE(1000 + i, 0);
        h.writeUInt32LE(p.length, 8);
        h.writeUInt32LE(p.length, 12);
        parts.push(h, p);
      });
      return Buffer.concat(parts);
    };
    // Two messages and a CRLF keep-alive (RFC 5626) in one stream, cut at awkward places.
    const stream = Buffer.from(`${invite(1, SDP)}\r\n\r\n${ok(1)}`);
    const isn = 0xfffffff0; // the sequence space wraps inside the stream

    it('orders segments by sequence number across wrap-around, ignores retransmissions and splits coalesced messages', () => {
      const cut = [0, 10, 200, 201, stream.length];
      const segs = cut.slice(0, -1).map((c, i) => pkt((isn + 1 + c) >>> 0, stream.subarray(c, cut[i + 1])));
      const r = readPcap(file([pkt(isn, '', TCP_SYN), segs[2], segs[0], segs[1], segs[0], segs[3], segs[2]]));
      expect(r.errors).toEqual([]);
      expect(r.payloads.map((p) => p.payload.toString())).toEqual([invite(1, SDP), ok(1)]);
      // the first octet of the INVITE came in the third record, of the 200 in the sixth
      expect(r.payloads.map((p) => p.index)).toEqual([2, 5]);
    });

    it('reports a capture hole and still frames what follows it', () => {
      const second = Buffer.from(ok(2));
      const first = Buffer.from(invite(1));
      const r = readPcap(file([pkt(100, first.subarray(0, 50)), pkt(100 + first.length, second)]));
      // the cut-off INVITE is returned as captured (the errors say it is incomplete)
      expect(r.payloads.map((p) => p.payload.toString())).toEqual([first.subarray(0, 50).toString(), ok(2)]);
      expect(r.errors.join('\n')).toMatch(/missing \d+ octets/);
      expect(r.errors.join('\n')).toMatch(/not terminated/);
    });

    it('reports a missing Content-Length on a stream', () => {
      const r = readPcap(file([pkt(1, 'OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n')]));
      expect(r.payloads).toHaveLength(1);
      expect(r.errors.join()).toMatch(/no Content-Length/);
    });

    it('skips streams and datagrams that are not SIP', () => {
      const udp = ipPacket(ep, IPPROTO_UDP, udpSegment(ep, Buffer.from('\r\n\r\n')), 1);
      const r = readPcap(file([pkt(1, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10])), udp]));
      expect(r).toEqual({ payloads: [], errors: [] });
    });
  });

  it('reassembles IPv4 fragments of a UDP datagram', () => {
    const ep = { srcAddr: Buffer.from([10, 0, 0, 1]), dstAddr: Buffer.from([10, 0, 0, 2]), srcPort: 5060, dstPort: 5060 };
    const whole = ipPacket(ep, IPPROTO_UDP, udpSegment(ep, Buffer.from(invite(9, SDP))), 77);
    const body = whole.subarray(20);
    const frag = (from: number, to: number, more: boolean): Buffer => {
      const h = Buffer.from(whole.subarray(0, 20));
      h.writeUInt16BE(20 + to - from, 2);
      h.writeUInt16BE((more ? 0x2000 : 0) | (from / 8), 6);
      return Buffer.concat([h, body.subarray(from, to)]);
    };
    const pcap = rewrap(writePcap([entry('udp', 'sent', A, B, 'x')]), { linkType: 101, wrap: () => frag(200, body.length, false) });
    const two = Buffer.concat([pcap, pcap.subarray(24)]);
    // patch the second record to carry the first fragment
    const first = frag(0, 200, true);
    const withFirst = Buffer.concat([two.subarray(0, 24 + 16 + two.readUInt32LE(24 + 8)), Buffer.alloc(16), first]);
    withFirst.writeUInt32LE(first.length, withFirst.length - first.length - 8);
    withFirst.writeUInt32LE(first.length, withFirst.length - first.length - 4);
    const r = readPcap(withFirst);
    expect(r.payloads.map((p) => p.payload.toString())).toEqual([invite(9, SDP)]);
    expect(r.errors).toEqual([]);
  });

  it('never throws on damaged input and says what is wrong', () => {
    expect(readPcap(Buffer.alloc(0)).errors[0]).toMatch(/too short/);
    expect(readPcap(Buffer.from('hello, world, not a capture')).errors[0]).toMatch(/not a pcap/);
    const good = mixed();
    const cut = readPcap(good.subarray(0, good.length - 30));
    expect(cut.payloads.length).toBeGreaterThan(0);
    expect(cut.errors.join()).toMatch(/runs past the end/);
    // Deterministic fuzz: truncations and bit flips anywhere.
    let state = 12345;
    const rnd = (n: number): number => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return state % n; };
    for (const base of [good, toPcapng(good), rewrap(good, { linkType: 1, wrap: (ip) => Buffer.concat([Buffer.alloc(12), Buffer.from([ethertype(ip) >> 8, 0]), ip]) })]) {
      for (let i = 0; i < 300; i++) {
        const b = Buffer.from(base.subarray(0, rnd(base.length + 1)));
        for (let k = 0; k < 1 + rnd(4); k++) if (b.length) b[rnd(b.length)] ^= 1 << rnd(8);
        const r = readPcap(b);
        expect(Array.isArray(r.payloads) && Array.isArray(r.errors)).toBe(true);
      }
    }
  });
});
