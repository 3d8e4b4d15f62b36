/**
 * Latency of the key transactions of a load run, read off the merged trace as the devices see it:
 * INVITE→200 (a device's INVITE to its first 2xx), CANCEL→487 (a device's CANCEL to the 487 that
 * ends the INVITE it cancels, RFC 3261 §9.1) and BYE→200 (a device's BYE to its 2xx, §15.1.1).
 * Each kind goes into an HdrHistogram (hdr-histogram-js: 3 significant digits, 1 µs to 60 s), so
 * percentiles are exact to the histogram's precision and shards merge exactly from their encoded
 * form (docs/load.md, Beyond one machine). Memory is bounded: pending requests are kept per
 * slot and dropped when the flow that sent them ends (`forget`).
 */
import * as hdr from 'hdr-histogram-js';
import type { TraceEntry } from '../../sip/transport/tap';
import { header, type SipMessage } from '../../sip/message';

export const KEY_TRANSACTIONS = ['INVITE→200', 'CANCEL→487', 'BYE→200'] as const;
export type KeyTransaction = (typeof KEY_TRANSACTIONS)[number];

/** Microseconds: the histogram's unit (1 µs … 60 s, 3 significant digits). */
const LOWEST = 1;
const HIGHEST = 60_000_000;

/** 32-bit counts (about 120 KB a histogram): the packed form costs a lookup per bucket read, measured at 7 % of a run's CPU. */
export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: LOWEST, highestTrackableValue: HIGHEST, numberOfSignificantValueDigits: 3, bitBucketSize: 32, useWebAssembly: false });
}

/** Percentiles of one histogram in milliseconds. */
export interface LatencyFigures {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function figures(h: hdr.Histogram): LatencyFigures {
  const ms = (us: number) => Math.round(us) / 1000;
  if (h.totalCount === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  return { count: h.totalCount, p50: ms(h.getValueAtPercentile(50)), p95: ms(h.getValueAtPercentile(95)), p99: ms(h.getValueAtPercentile(99)), max: ms(h.maxValue) };
}

export function encodeHistogram(h: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decoded into a histogram of our layout, so histograms of any shard add up. */
export function decodeHistogram(encoded: string): hdr.Histogram {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  const h = newHistogram();
  h.add(decoded);
  return h;
}

/** The start of a request line that may open a key transaction (RFC 3261 §7.1: Method SP). */
const KEY_REQUEST_LINE = /^(INVITE|CANCEL|BYE) /;

/** Which key transaction a request opens, if any. */
function kindOf(m: SipMessage): KeyTransaction | undefined {
  if (m.kind !== 'request') return undefined;
  if (m.method === 'INVITE' && !/;\s*tag=/i.test(header(m, 'To') ?? '')) return 'INVITE→200';
  if (m.method === 'CANCEL') return 'CANCEL→487';
  if (m.method === 'BYE') return 'BYE→200';
  return undefined;
}

/** The CSeq number and the Call-ID: a CANCEL shares both with its INVITE (§9.1), a response with its request. */
function txKey(owner: string, m: SipMessage): string | undefined {
  const cs = header(m, 'CSeq')?.trim().split(/\s+/)[0];
  const cid = header(m, 'Call-ID');
  return cs && cid ? `${owner}|${cid}|${cs}` : undefined;
}

/**
 * One recorder per load run: every slot's tap feeds it (`observe`). Time per interval is kept
 * too (one histogram per kind, read and reset each second by the timeline).
 */
export class LatencyRecorder {
  readonly total = new Map<KeyTransaction, hdr.Histogram>(KEY_TRANSACTIONS.map((k) => [k, newHistogram()]));
  private interval = new Map<KeyTransaction, hdr.Histogram>(KEY_TRANSACTIONS.map((k) => [k, newHistogram()]));
  /** Sent requests awaiting their answer, per device: `kind|key` → monotonic ns. Bounded by `maxPending`. */
  private readonly pending = new Map<string, Map<string, { kind: KeyTransaction; at: bigint }>>();
  private pendingTotal = 0;

  constructor(
    /** Only these owners' messages count (the devices: not the cores, whose hops are the SUT's). */
    private readonly counts: (owner: string) => boolean = () => true,
    private readonly maxPending = 100_000,
    /** Every sample as it is recorded (µs): lets a test hold the raw samples beside the histogram. */
    private readonly onSample?: (kind: KeyTransaction, us: number) => void,
  ) {}

  /** A trace entry of one slot (`scope`): a request a device sent, or the response that answers it. */
  observe(e: TraceEntry, scope: string): void {
    // A sent message is parsed back from its octets when first read (trace-recorder.ts): read only
    // those that may open a key transaction, not every response and ACK a device sends.
    if (e.direction === 'sent' && !KEY_REQUEST_LINE.test(e.raw.subarray(0, 8).toString('latin1'))) return;
    const m = e.message;
    if (!m || e.dropped || e.owner === undefined || !this.counts(e.owner)) return;
    if (e.direction === 'sent') {
      const kind = kindOf(m);
      const key = kind && txKey(e.owner, m);
      // A retransmission keeps its first time: latency is from the first send (RFC 3261 §17.1.1.2).
      if (!kind || !key || this.pendingTotal >= this.maxPending) return;
      let mine = this.pending.get(scope);
      if (!mine) this.pending.set(scope, (mine = new Map()));
      if (mine.has(`${kind}|${key}`)) return;
      mine.set(`${kind}|${key}`, { kind, at: e.at });
      this.pendingTotal++;
      return;
    }
    if (m.kind !== 'response') return;
    const method = header(m, 'CSeq')?.trim().split(/\s+/)[1]?.toUpperCase();
    const key = txKey(e.owner, m);
    const mine = this.pending.get(scope);
    if (!key || !mine) return;
    if (method === 'INVITE' && m.status >= 200 && m.status < 300) this.take(mine, `INVITE→200|${key}`, e.at);
    else if (method === 'INVITE' && m.status === 487) this.take(mine, `CANCEL→487|${key}`, e.at);
    else if (method === 'BYE' && m.status >= 200 && m.status < 300) this.take(mine, `BYE→200|${key}`, e.at);
  }

  private take(mine: Map<string, { kind: KeyTransaction; at: bigint }>, pendingKey: string, at: bigint): void {
    const p = mine.get(pendingKey);
    if (!p) return;
    mine.delete(pendingKey);
    this.pendingTotal--;
    const us = Math.max(LOWEST, Math.min(HIGHEST, Number((at - p.at) / 1000n)));
    this.total.get(p.kind)!.recordValue(us);
    this.interval.get(p.kind)!.recordValue(us);
    this.onSample?.(p.kind, us);
  }

  /** Drop what one slot's devices still await (its flow ended): no request outlives its flow here. */
  forget(scope: string): void {
    this.pendingTotal -= this.pending.get(scope)?.size ?? 0;
    this.pending.delete(scope);
  }

  get pendingCount(): number {
    return this.pendingTotal;
  }

  /**
   * Percentiles of the interval since the last call and the interval's histograms in their encoded
   * form (only the kinds with samples), then a fresh interval: the encoded form lets `report --merge`
   * add the shards' histograms of one second exactly, as it does the run's (summary.ts).
   */
  takeInterval(): { latency: Record<KeyTransaction, LatencyFigures>; histograms: Partial<Record<KeyTransaction, string>> } {
    const latency = {} as Record<KeyTransaction, LatencyFigures>;
    const histograms: Partial<Record<KeyTransaction, string>> = {};
    for (const [k, h] of this.interval) {
      latency[k] = figures(h);
      if (h.totalCount > 0) histograms[k] = encodeHistogram(h);
      h.reset();
    }
    return { latency, histograms };
  }

  snapshot(): Record<KeyTransaction, LatencyFigures> {
    const out = {} as Record<KeyTransaction, LatencyFigures>;
    for (const [k, h] of this.total) out[k] = figures(h);
    return out;
  }

  encoded(): Record<KeyTransaction, string> {
    const out = {} as Record<KeyTransaction, string>;
    for (const [k, h] of this.total) out[k] = encodeHistogram(h);
    return out;
  }
}
