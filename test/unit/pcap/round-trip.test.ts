/** writePcap -> readPcap gives back exactly the traced octets, endpoints and times. */
import { readPcap, readPcapSipPayloads } from '../../../src/sip/pcap/reader';
import { writePcap } from '../../../src/sip/pcap/writer';
import { SDP, WALL_US0, entry, invite, ok, records } from './fixtures';

const A: [string, number] = ['127.0.0.1', 5070];
const B: [string, number] = ['127.0.0.2', 5060];

describe('pcap round trip', () => {
  it('writes a classic little-endian µs pcap with LINKTYPE_RAW', () => {
    const pcap = writePcap([entry('udp', 'sent', A, B, invite(1))]);
    expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(pcap.readUInt32LE(20)).toBe(101);
    expect(records(pcap)).toHaveLength(1);
  });

  it('UDP over IPv4: payloads, directions, transport and timestamps', () => {
    const es = [
      entry('udp', 'sent', A, B, invite(1, SDP), 0n),
      entry('udp', 'received', A, B, ok(1), 1_234_567n), // 1.234567 ms later
    ];
    const { payloads, errors } = readPcap(writePcap(es));
    expect(errors).toEqual([]);
    expect(payloads.map((p) => p.payload.toString())).toEqual([invite(1, SDP), ok(1)]);
    expect(payloads.map((p) => [p.src, p.dst, p.transport])).toEqual([
      ['127.0.0.1:5070', '127.0.0.2:5060', 'udp'],
      ['127.0.0.2:5060', '127.0.0.1:5070', 'udp'],
    ]);
    expect(payloads[0].timestampUs).toBe(WALL_US0);
    expect(payloads[1].timestampUs).toBe(WALL_US0 + 1234);
    expect(payloads.map((p) => p.index)).toEqual([0, 1]);
  });

  it('TCP: handshake, both directions, a message larger than one IP packet', () => {
    const big = invite(3, 'x'.repeat(150_000));
    const es = [
      entry('tcp', 'sent', A, B, invite(1, SDP), 0n),
      entry('tcp', 'received', A, B, ok(1), 1000n),
      entry('tcp', 'sent', A, B, big, 2000n),
      entry('tcp', 'received', A, B, ok(3), 3000n),
    ];
    const pcap = writePcap(es);
    // 3 handshake packets + 1 + 1 + 3 (150 kB in ≤ 65 kB segments) + 1
    expect(records(pcap)).toHaveLength(9);
    const { payloads, errors } = readPcap(pcap);
    expect(errors).toEqual([]);
    expect(payloads.map((p) => p.payload.toString())).toEqual([invite(1, SDP), ok(1), big, ok(3)]);
    expect(payloads.every((p) => p.transport === 'tcp')).toBe(true);
    expect(payloads[2].index).toBe(5);
  });

  it('TLS flows are written as TCP carrying the plaintext the tap saw', () => {
    const { payloads } = readPcap(writePcap([entry('tls', 'sent', A, ['127.0.0.2', 5061], invite(1))]));
    expect(payloads).toHaveLength(1);
    expect(payloads[0]).toMatchObject({ transport: 'tcp', dst: '127.0.0.2:5061' });
  });

  it('IPv6 UDP and TCP, and IPv4-mapped addresses shown as IPv4', () => {
    const es = [
      entry('udp', 'sent', ['::1', 5070], ['fd00::1:2', 5060], invite(1)),
      entry('tcp', 'sent', ['::1', 5071], ['::1', 5060], invite(2)),
      entry('udp', 'received', ['::ffff:127.0.0.1', 5072], ['::ffff:127.0.0.3', 5060], ok(3)),
    ];
    const { payloads, errors } = readPcap(writePcap(es));
    expect(errors).toEqual([]);
    expect(payloads.map((p) => [p.src, p.dst])).toEqual([
      ['[::1]:5070', '[fd00::1:2]:5060'],
      ['[::1]:5071', '[::1]:5060'],
      ['127.0.0.3:5060', '127.0.0.1:5072'],
    ]);
  });

  it('leaves out dropped datagrams unless asked', () => {
    const lost = { ...entry('udp', 'sent', A, B, invite(1)), dropped: true };
    const es = [lost, entry('udp', 'sent', A, B, invite(2))];
    expect(readPcapSipPayloads(writePcap(es))).toHaveLength(1);
    expect(readPcapSipPayloads(writePcap(es, { includeDropped: true }))).toHaveLength(2);
  });

  it('writes a message traced at both ends once (either order), but keeps real retransmissions', () => {
    const es = [
      entry('udp', 'sent', A, B, invite(1)),
      entry('udp', 'received', B, A, invite(1)), // the peer end of the same datagram
      entry('udp', 'received', B, A, invite(1)), // retransmission, received first ...
      entry('udp', 'sent', A, B, invite(1)), // ... then its sending end
      entry('udp', 'sent', A, B, invite(1)), // a retransmission only one end saw
    ];
    expect(readPcapSipPayloads(writePcap(es))).toHaveLength(3);
    expect(readPcapSipPayloads(writePcap(es, { dedupe: false }))).toHaveLength(5);
  });

  it('an empty trace is a valid empty capture', () => {
    const { payloads, errors } = readPcap(writePcap([]));
    expect(payloads).toEqual([]);
    expect(errors).toEqual([]);
  });
});
