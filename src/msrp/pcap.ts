/**
 * MSRP frames into a pcap, through the SIP engine's writer (src/sip/pcap/writer.ts): each frame
 * becomes the payload of a TCP segment on its connection, with the synthesized handshake and
 * consistent sequence numbers the writer gives every TCP flow, so Wireshark/tshark reassemble the
 * stream and dissect MSRP. TLS (msrps) frames are written as plaintext TCP, as SIP over TLS is:
 * the trace holds what the application read and wrote.
 */
import { writePcap, type PcapWriteOptions, type WireEntry } from '../sip/pcap/writer';
import type { MsrpTraceEntry } from './trace';

/** Entries of several traces (SIP TraceEntry, MSRP entries) in wire order, by the monotonic clock. */
export function mergeWireEntries(...lists: ReadonlyArray<readonly WireEntry[]>): WireEntry[] {
  // Stable sort: entries recorded at the same instant keep their order within their own trace.
  return lists.flat().sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** A pcap of MSRP frames, optionally interleaved with the SIP entries of the same run. */
export function writeMsrpPcap(entries: readonly MsrpTraceEntry[], options: PcapWriteOptions & { sip?: readonly WireEntry[] } = {}): Buffer {
  const { sip, ...rest } = options;
  return writePcap(sip ? mergeWireEntries(sip, entries) : entries, rest);
}
