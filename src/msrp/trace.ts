/**
 * Recording MSRP frames the way the SIP tap records SIP messages (src/sip/transport/tap.ts
 * TraceEntry): the exact octets, direction, flow, both clocks, the parsed frame and — for octets
 * that did not make a clean frame — what the framer or parser said. Entries go to a callback, so a
 * later step can put them on the merged trace (its `seq` is the tap's to assign) and into the pcap.
 */
import type { Diagnostic } from '../sip/codec/diagnostic';
import type { Flow } from '../sip/transport/address';
import type { Tap } from '../sip/transport/tap';
import type { MsrpFrame } from './message';
import { parseFrame } from './parse';

export interface MsrpTraceEntry {
  /** Tells MSRP entries from SIP ones when both share a trace. */
  protocol: 'msrp';
  /** Monotonic high-resolution time in nanoseconds (process.hrtime.bigint()), as TraceEntry.at. */
  at: bigint;
  /** Wall-clock time in ms since the epoch, for reports and pcap. */
  wallMs: number;
  direction: 'sent' | 'received';
  /** flow.protocol is 'tcp' or 'tls' (msrps): the transport under the MSRP frames. */
  flow: Flow;
  /** Exactly the octets that crossed the socket (for an oversize frame: its kept head). */
  raw: Buffer;
  /** Parsed form (lenient) when the octets parsed. */
  frame: MsrpFrame | null;
  /** Who on our side owns the socket (device / reference name), for ladder lifelines. */
  owner?: string;
  /** Set when the frame failed to parse or carries errors (a clean trace costs nothing). */
  diagnostics?: Diagnostic[];
}

export type MsrpTraceListener = (entry: MsrpTraceEntry) => void;

export class MsrpTraceRecorder {
  constructor(
    private readonly listener: MsrpTraceListener | undefined,
    private readonly owner: string | undefined,
  ) {}

  /** Octets we sent. The frame shown is parsed back from them, so the trace is what was on the wire. */
  sent(flow: Flow, raw: Buffer): MsrpTraceEntry {
    const r = parseFrame(raw);
    return this.emit('sent', flow, raw, r.frame, r.diagnostics);
  }

  /** Octets we received, with what the framer and the parser said about them. */
  received(flow: Flow, raw: Buffer, frame: MsrpFrame | null, diagnostics: Diagnostic[]): MsrpTraceEntry {
    return this.emit('received', flow, raw, frame, diagnostics);
  }

  private emit(direction: MsrpTraceEntry['direction'], flow: Flow, raw: Buffer, frame: MsrpFrame | null, diagnostics: Diagnostic[]): MsrpTraceEntry {
    const e: MsrpTraceEntry = { protocol: 'msrp', at: process.hrtime.bigint(), wallMs: Date.now(), direction, flow, raw, frame };
    if (this.owner !== undefined) e.owner = this.owner;
    if (frame === null || diagnostics.some((d) => d.severity === 'error')) e.diagnostics = diagnostics;
    this.listener?.(e);
    return e;
  }
}

/**
 * A listener that puts MSRP frames on a SIP tap, the case's merged trace: `message` stays null (an
 * MSRP frame is no SIP message) and `protocol: 'msrp'` tells every consumer so.
 */
export function onTap(tap: Pick<Tap, 'record'>): MsrpTraceListener {
  return (e) => {
    const { frame, protocol, ...rest } = e;
    tap.record({ ...rest, protocol, message: null, msrp: frame });
  };
}
