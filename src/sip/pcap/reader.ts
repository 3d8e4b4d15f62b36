/**
 * Capture file -> the SIP messages in it, in capture order. Used by the project's tests to read
 * back what the writer produced and what SIPp/tcpdump captured, and by reports to import a trace.
 * Never throws: damaged input yields whatever could be read plus `errors`.
 *
 * UDP: one datagram is one message (RFC 3261 §18.3), datagrams that are not SIP (keep-alives,
 * STUN) are skipped. TCP: each direction's octets are reassembled in sequence order and cut into
 * messages by Content-Length; streams that do not start like SIP (TLS, HTTP) are skipped, unless
 * the caller names another stream protocol to cut them with (`options.streams`: lint passes MSRP,
 * src/sip/lint/msrp.ts). The protocol is passed in, not imported, so the pcap code stays SIP's own.
 */
import type { Diagnostic } from '../codec/diagnostic';
import { readCaptureFile } from './capture-file';
import { type Segment, decodeIp, ipPayloadOf } from './decode';
import { TCP_SYN } from './format';
import { FragmentReassembler } from './ip-fragments';
import { formatEndpoint } from './ip-address';
import { type FramedMessage, frameSipStream, looksLikeSip } from './sip-framing';
import { type TcpSegmentRecord, markAt, reassemble } from './tcp-reassembly';

export interface SipPayload {
  /** 0-based index of the capture record carrying the message's first octet. */
  index: number;
  /** Capture time of that record, microseconds since the epoch. */
  timestampUs: number;
  payload: Buffer;
  transport: 'udp' | 'tcp';
  /** `host:port`, IPv6 in brackets. */
  src: string;
  dst: string;
  /** The `name` of the caller's StreamProtocol that framed it; absent for SIP. */
  protocol?: string;
  /** TCP: offset of the first octet in its direction's stream (octets after the SYN). */
  streamOffset?: number;
  /** What that protocol's framer remarked about this message (e.g. stray octets before it). */
  framing?: Diagnostic[];
}

/** A protocol besides SIP carried in TCP streams, recognised by a stream's first octets. */
export interface StreamProtocol {
  name: string;
  detect(data: Buffer): boolean;
  /** Cut one reassembled run into messages; `errors` are reported per flow, as SIP framing errors are. */
  frame(data: Buffer): { messages: Array<FramedMessage & { framing?: Diagnostic[] }>; errors: string[] };
}

export interface PcapReadOptions {
  /** Tried in order on TCP runs that do not start like SIP. */
  streams?: readonly StreamProtocol[];
}

const SIP_STREAM: StreamProtocol = { name: 'sip', detect: looksLikeSip, frame: frameSipStream };

export interface PcapReadResult {
  payloads: SipPayload[];
  /** What could not be read (damaged records, capture holes, missing Content-Length, ...). */
  errors: string[];
}

interface TcpFlow {
  src: string;
  dst: string;
  segments: TcpSegmentRecord[];
}

/** Every SIP message in a pcap/pcapng capture (and those of `options.streams`), with the errors met on the way. */
export function readPcap(buf: Buffer, options: PcapReadOptions = {}): PcapReadResult {
  const payloads: Array<SipPayload & { order: number }> = [];
  const errors: string[] = [];
  try {
    const file = readCaptureFile(buf);
    errors.push(...file.errors);
    const frags = new FragmentReassembler();
    const flows = new Map<string, TcpFlow[]>();
    for (const rec of file.records) {
      try {
        const ip = ipPayloadOf(rec.linkType, rec.data);
        if (ip === null) continue;
        if (!Buffer.isBuffer(ip)) { errors.push(`record ${rec.index}: ${ip.error}`); continue; }
        const seg = decodeIp(ip, frags);
        if (seg === null) continue;
        if (!('transport' in seg)) { errors.push(`record ${rec.index}: ${seg.error}`); continue; }
        const src = formatEndpoint(seg.srcAddr, seg.srcPort);
        const dst = formatEndpoint(seg.dstAddr, seg.dstPort);
        if (seg.transport === 'udp') {
          if (looksLikeSip(seg.payload)) {
            payloads.push({ index: rec.index, timestampUs: rec.timestampUs, payload: Buffer.from(seg.payload), transport: 'udp', src, dst, order: 0 });
          }
          continue;
        }
        addTcp(flows, src, dst, seg, rec.index, rec.timestampUs);
      } catch (err) {
        errors.push(`record ${rec.index}: ${(err as Error).message}`);
      }
    }
    for (const key of frags.incomplete()) errors.push(`IP datagram ${key} is missing fragments`);
    for (const list of flows.values()) {
      for (const flow of list) {
        const { runs, errors: holes } = reassemble(flow.segments);
        let known = false;
        const flowErrors: string[] = [...holes];
        for (const run of runs) {
          const proto = [SIP_STREAM, ...(options.streams ?? [])].find((p) => p.detect(run.data));
          if (!proto) continue;
          known = true;
          const framing = proto.frame(run.data);
          flowErrors.push(...framing.errors);
          for (const m of framing.messages) {
            const at = markAt(run, m.offset);
            payloads.push({
              index: at.index, timestampUs: at.timestampUs, payload: Buffer.from(run.data.subarray(m.offset, m.offset + m.length)),
              transport: 'tcp', src: flow.src, dst: flow.dst, streamOffset: run.start + m.offset, order: run.start + m.offset,
              ...(proto === SIP_STREAM ? {} : { protocol: proto.name }),
              ...(m.framing?.length ? { framing: m.framing } : {}),
            });
          }
        }
        // Errors of streams in no protocol we were asked for (TLS, HTTP) are not ours to report.
        if (known) errors.push(...flowErrors.map((e) => `tcp ${flow.src} -> ${flow.dst}: ${e}`));
      }
    }
  } catch (err) {
    errors.push(`unexpected: ${(err as Error).message}`);
  }
  payloads.sort((a, b) => a.index - b.index || a.order - b.order);
  return { payloads: payloads.map(({ order: _order, ...p }) => p), errors };
}

/** The array-only form: every SIP message that could be read (errors dropped). */
export function readPcapSipPayloads(buf: Buffer): SipPayload[] {
  return readPcap(buf).payloads;
}

function addTcp(flows: Map<string, TcpFlow[]>, src: string, dst: string, seg: Segment, index: number, timestampUs: number): void {
  const key = `${src}>${dst}`;
  let list = flows.get(key);
  if (!list) {
    list = [];
    flows.set(key, list);
  }
  const syn = ((seg.flags ?? 0) & TCP_SYN) !== 0;
  let flow = list[list.length - 1];
  // A SYN after data means the 4-tuple was reused for a new connection: a new stream.
  if (!flow || (syn && flow.segments.some((s) => s.payload.length > 0))) {
    flow = { src, dst, segments: [] };
    list.push(flow);
  }
  flow.segments.push({ seq: seg.seq ?? 0, syn, payload: seg.payload, index, timestampUs });
}
