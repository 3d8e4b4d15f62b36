/**
 * writeMsrpPcap without tshark: read the capture back with the SIP engine's own decoders (records,
 * IP, TCP reassembly per direction) and cut the streams with the MSRP framer: the frames must come
 * back octet for octet, on the right connections, interleaved with SIP as traced.
 */
import { readCaptureFile } from '../../../src/sip/pcap/capture-file';
import { decodeIp, ipPayloadOf } from '../../../src/sip/pcap/decode';
import { formatEndpoint } from '../../../src/sip/pcap/ip-address';
import { FragmentReassembler } from '../../../src/sip/pcap/ip-fragments';
import { TCP_SYN } from '../../../src/sip/pcap/format';
import { reassemble, type TcpSegmentRecord } from '../../../src/sip/pcap/tcp-reassembly';
import { MsrpFramer } from '../../../src/msrp/framer';
import { chunkMessage } from '../../../src/msrp/chunker';
import { buildResponse } from '../../../src/msrp/build';
import { serializeFrame } from '../../../src/msrp/serialize';
import { mergeWireEntries, writeMsrpPcap } from '../../../src/msrp/pcap';
import type { MsrpTraceEntry } from '../../../src/msrp/trace';
import { entry as sipEntry, invite } from '../pcap/fixtures';
import { ALICE, BOB } from './frames';

function msrpEntry(direction: 'sent' | 'received', raw: Buffer, at: bigint, host = '127.0.0.1'): MsrpTraceEntry {
  return { protocol: 'msrp', at, wallMs: 1_700_000_000_000, direction, raw, frame: null, flow: { protocol: 'tcp', local: { host, port: 40001 }, remote: { host, port: 40002 } } };
}

/** Per TCP direction `src>dst`: the reassembled octets. */
function tcpStreams(pcap: Buffer): Map<string, Buffer> {
  const flows = new Map<string, TcpSegmentRecord[]>();
  const frags = new FragmentReassembler();
  for (const rec of readCaptureFile(pcap).records) {
    const ip = ipPayloadOf(rec.linkType, rec.data);
    if (!Buffer.isBuffer(ip)) continue;
    const seg = decodeIp(ip, frags);
    if (!seg || !('transport' in seg) || seg.transport !== 'tcp') continue;
    const key = `${formatEndpoint(seg.srcAddr, seg.srcPort)}>${formatEndpoint(seg.dstAddr, seg.dstPort)}`;
    const list = flows.get(key) ?? [];
    list.push({ seq: seg.seq ?? 0, syn: ((seg.flags ?? 0) & TCP_SYN) !== 0, payload: seg.payload, index: rec.index, timestampUs: rec.timestampUs });
    flows.set(key, list);
  }
  const out = new Map<string, Buffer>();
  for (const [key, segs] of flows) out.set(key, Buffer.concat(reassemble(segs).runs.map((r) => r.data)));
  return out;
}

const cut = (octets: Buffer): Buffer[] => new MsrpFramer({ maxFrameBytes: 1 << 20, maxStartLineBytes: 1024 }).push(octets).map((u) => u.octets);

describe('writeMsrpPcap (MSRP frames as TCP segments through src/sip/pcap/writer.ts)', () => {
  it('writes frames so that each direction\'s TCP stream re-frames to exactly the frames sent, IPv4 and IPv6', () => {
    for (const host of ['127.0.0.1', '::1']) {
      // One chunk above 64 KiB: the writer splits it over two segments, reassembly must join them.
      const sends = chunkMessage({ toPath: [BOB], fromPath: [ALICE], body: Buffer.alloc(90_000, 0x2d), chunkSize: 70_000 }).map(serializeFrame);
      const answers = chunkMessage({ toPath: [BOB], fromPath: [ALICE], body: Buffer.alloc(90_000), chunkSize: 70_000 }).map((c) => serializeFrame(buildResponse(c, 200)));
      const es = sends.flatMap((s, i) => [msrpEntry('sent', s, BigInt(2 * i), host), msrpEntry('received', answers[i]!, BigInt(2 * i + 1), host)]);
      const streams = tcpStreams(writeMsrpPcap(es));
      const h = host.includes(':') ? `[${host}]` : host;
      // Buffer.equals, not toEqual: jest compares large buffers element by element.
      const same = (got: Buffer[], want: Buffer[]) => got.length === want.length && got.every((g, i) => g.equals(want[i]!));
      expect(same(cut(streams.get(`${h}:40001>${h}:40002`)!), sends)).toBe(true);
      expect(same(cut(streams.get(`${h}:40002>${h}:40001`)!), answers)).toBe(true);
    }
  });

  it('keeps a frame traced at both ends once, and orders SIP and MSRP by the monotonic clock', () => {
    const frame = serializeFrame(chunkMessage({ toPath: [BOB], fromPath: [ALICE], body: Buffer.from('hi'), chunkSize: 10 })[0]!);
    const sent = msrpEntry('sent', frame, 5n);
    // The same frame as the other end traced it: received, flow seen from there.
    const got: MsrpTraceEntry = { ...sent, direction: 'received', at: 6n, flow: { protocol: 'tcp', local: sent.flow.remote, remote: sent.flow.local } };
    const sip = sipEntry('tcp', 'sent', ['127.0.0.1', 40001], ['127.0.0.1', 40002], invite(1), 0n);
    sip.at = 3n;
    expect(mergeWireEntries([sent, got], [sip]).map((e) => e.at)).toEqual([3n, 5n, 6n]);
    const stream = tcpStreams(writeMsrpPcap([sent, got], { sip: [sip] })).get('127.0.0.1:40001>127.0.0.1:40002')!;
    expect(stream.equals(Buffer.concat([sip.raw, frame]))).toBe(true);
  });
});
