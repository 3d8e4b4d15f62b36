/**
 * The tap: one recorder shared by every transport of a test run, so devices, cores and the SUT's
 * messages land on one merged, timestamped trace (design §4 "order over one merged trace").
 * It also hosts network fault injection (datagram loss) for the engine's own tests.
 */
import type { SipMessage } from '../message';
import type { Flow } from './address';

export interface TraceEntry {
  /** Position in the merged trace (0, 1, 2, ...). */
  seq: number;
  /** Monotonic high-resolution time in nanoseconds (process.hrtime.bigint()). */
  at: bigint;
  /** Wall-clock time in ms since the epoch, for reports and pcap. */
  wallMs: number;
  direction: 'sent' | 'received';
  flow: Flow;
  /** Exactly the octets that crossed the socket. */
  raw: Buffer;
  /** Parsed form when the octets parsed (lenient). */
  message: SipMessage | null;
  /** Who on our side owns the socket (device / core / reference name), for ladder lifelines. */
  owner?: string;
  /** Set when fault injection discarded this datagram. */
  dropped?: boolean;
}

export type TapListener = (entry: TraceEntry) => void;

export class Tap {
  readonly entries: TraceEntry[] = [];
  private readonly listeners = new Set<TapListener>();
  /** Share (0..1) of UDP datagrams to discard, in both directions. */
  lossRate = 0;
  /** Deterministic PRNG for loss so a run can be repeated (mulberry32). */
  private rngState: number;

  constructor(seed = 0x5eed) {
    this.rngState = seed >>> 0;
  }

  random(): number {
    let t = (this.rngState += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Decide whether fault injection drops this UDP datagram. */
  shouldDrop(protocol: Flow['protocol']): boolean {
    return protocol === 'udp' && this.lossRate > 0 && this.random() < this.lossRate;
  }

  record(entry: Omit<TraceEntry, 'seq'>): TraceEntry {
    const full: TraceEntry = { ...entry, seq: this.entries.length };
    this.entries.push(full);
    for (const l of this.listeners) l(full);
    return full;
  }

  subscribe(listener: TapListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear(): void {
    this.entries.length = 0;
  }
}
