/**
 * The tap: one recorder shared by every transport of a test run, so devices, cores and the SUT's
 * messages land on one merged, timestamped trace (docs/cpm-sip-binding.md, A test case).
 *
 * It also hosts network fault injection for datagrams (loss, duplication, reordering, delay),
 * driven by one seeded PRNG so a run with the same seed and the same traffic makes the same
 * decisions. Faults apply to UDP only: TCP and TLS are reliable, ordered byte streams, so losing or
 * reordering a *message* on them would model no real network (packet-level faults on streams are
 * what `tc netem` in test/hardening/netem.test.ts covers). Everything the injection holds back is
 * bounded (`maxHeld`) and owned by a DelayLine its transport clears on close.
 */
import type { SipMessage } from '../message';
import type { Address, Flow } from './address';
import type { Diagnostic } from '../codec/diagnostic';
// Type only, from a module that imports nothing: the tap stays the one merged timeline of a case
// without the SIP engine depending on the MSRP engine's code.
import type { MsrpFrame } from '../../msrp/message';

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
  /** Parsed form when the octets parsed (lenient). Always null on an MSRP entry: it is no SIP message. */
  message: SipMessage | null;
  /**
   * Absent: SIP. 'msrp': a frame of a session's media (RFC 4975 §7), on the same timeline so the
   * order of chat messages against the signalling can be shown and judged; `msrp` holds it.
   */
  protocol?: 'msrp';
  /** The parsed MSRP frame (lenient) of an MSRP entry, null when its octets made no frame. */
  msrp?: MsrpFrame | null;
  /** Who on our side owns the socket (device / core / reference name), for ladder lifelines. */
  owner?: string;
  /** Set when fault injection discarded this datagram. */
  dropped?: boolean;
  /**
   * Received octets that did not make a clean message: what the framer / parser said about them
   * (only kept when the message failed to parse or carries errors, so a clean trace costs nothing).
   */
  diagnostics?: Diagnostic[];
}

export type TapListener = (entry: TraceEntry) => void;

/** Datagram faults the tap injects, in both directions (what a sender emits and what a receiver is handed). */
export interface NetworkFaults {
  /** Share (0..1) of datagrams discarded. */
  lossRate: number;
  /** Share (0..1) of datagrams delivered twice. */
  duplicateRate: number;
  /** Share (0..1) of datagrams held back `reorderDelayMs` so later ones overtake them. */
  reorderRate: number;
  /** How long a reordered datagram is held (ms). */
  reorderDelayMs: number;
  /** Fixed one-way delay added to every datagram (ms). */
  delayMs: number;
  /** Uniform random extra delay 0..jitterMs (ms); jitter alone also reorders close datagrams. */
  jitterMs: number;
  /** Most datagrams held in flight at once; beyond it datagrams pass undelayed (memory bound). */
  maxHeld: number;
}

export const NO_FAULTS: Readonly<NetworkFaults> = Object.freeze({
  lossRate: 0, duplicateRate: 0, reorderRate: 0, reorderDelayMs: 30, delayMs: 0, jitterMs: 0, maxHeld: 1024,
});

/** What happens to one datagram: dropped, or delivered once per entry of `delays` after that many ms. */
export interface DatagramFate {
  drop: boolean;
  delays: number[];
}

const rate = (name: string, v: number): number => {
  if (!(v >= 0 && v <= 1)) throw new RangeError(`network fault ${name} must be a share from 0 to 1, got ${String(v)}`);
  return v;
};
const ms = (name: string, v: number): number => {
  if (!(Number.isFinite(v) && v >= 0 && v <= 60_000)) throw new RangeError(`network fault ${name} must be 0..60000 ms, got ${String(v)}`);
  return v;
};

export class Tap {
  readonly entries: TraceEntry[] = [];
  private readonly listeners = new Set<TapListener>();
  private fault: NetworkFaults = { ...NO_FAULTS };
  /** Deterministic PRNG for fault injection so a run can be repeated (mulberry32). */
  private rngState: number;
  /** Datagrams currently held by DelayLines of this tap. */
  held = 0;
  /**
   * Keep at most this many entries (oldest dropped in blocks): a long-running server's tap must
   * not grow without bound. Undefined = keep all (a test case's trace is bounded by the case).
   */
  retain: number | undefined;
  /**
   * Keep at most about this many octets of entries' raw bytes (oldest dropped in blocks, as with
   * `retain`): entries are not all alike, and a registrar's 200 (OK) listing a thousand bindings
   * (RFC 3261 §10.3 step 8) is 200 kB, so a count alone let 20,000 entries hold gigabytes.
   * Undefined = no byte bound.
   */
  retainBytes: number | undefined;
  /** Raw octets of the entries held now. */
  private heldBytes = 0;
  private nextSeq = 0;

  /** The seq the next entry will get: entries with a lower seq were recorded before now (trimmed or not). */
  get upcomingSeq(): number {
    return this.nextSeq;
  }
  /**
   * Addresses of sockets on this same tap's side (e.g. a test's devices and its core emulators):
   * datagrams between them never cross the network under test, so faults skip them and each
   * datagram to or from the SUT is faulted once, not once per hop inside the harness.
   */
  readonly internal = new Set<string>();

  constructor(seed = 0x5eed) {
    this.rngState = seed >>> 0;
  }

  /** Share (0..1) of UDP datagrams to discard, in both directions. */
  get lossRate(): number {
    return this.fault.lossRate;
  }

  set lossRate(v: number) {
    this.fault.lossRate = rate('lossRate', v);
  }

  get faults(): Readonly<NetworkFaults> {
    return this.fault;
  }

  /** Switch datagram faults on (fields not given keep their value); validates every value. */
  setFaults(f: Partial<NetworkFaults>): void {
    const next = { ...this.fault, ...f };
    rate('lossRate', next.lossRate);
    rate('duplicateRate', next.duplicateRate);
    rate('reorderRate', next.reorderRate);
    ms('reorderDelayMs', next.reorderDelayMs);
    ms('delayMs', next.delayMs);
    ms('jitterMs', next.jitterMs);
    if (!(Number.isSafeInteger(next.maxHeld) && next.maxHeld >= 0)) throw new RangeError(`network fault maxHeld must be a non-negative integer, got ${String(next.maxHeld)}`);
    this.fault = next;
  }

  random(): number {
    let t = (this.rngState += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Decide whether fault injection drops this UDP datagram. */
  shouldDrop(protocol: Flow['protocol']): boolean {
    return protocol === 'udp' && this.fault.lossRate > 0 && this.random() < this.fault.lossRate;
  }

  /** Any fault that needs timers (duplication, reordering, delay) switched on. */
  private get shaping(): boolean {
    const f = this.fault;
    return f.duplicateRate > 0 || f.reorderRate > 0 || f.delayMs > 0 || f.jitterMs > 0;
  }

  /**
   * The fate of one datagram. Loss is decided first (so loss alone consumes the PRNG exactly as
   * before shaping existed); a duplicate gets its own delay, so it may arrive before the original.
   */
  fate(protocol: Flow['protocol'], remote?: Address): DatagramFate {
    if (remote && this.internal.size > 0 && this.internal.has(addressKey(remote))) return { drop: false, delays: [0] };
    if (this.shouldDrop(protocol)) return { drop: true, delays: [] };
    if (protocol !== 'udp' || !this.shaping) return { drop: false, delays: [0] };
    const f = this.fault;
    const copies = f.duplicateRate > 0 && this.random() < f.duplicateRate ? 2 : 1;
    const delays: number[] = [];
    for (let i = 0; i < copies; i++) {
      let d = f.delayMs;
      if (f.jitterMs > 0) d += Math.floor(this.random() * (f.jitterMs + 1));
      if (f.reorderRate > 0 && this.random() < f.reorderRate) d += f.reorderDelayMs;
      // Over the bound nothing more is held: the datagram passes at once (bounded memory wins over fidelity).
      delays.push(this.held + i >= f.maxHeld ? 0 : d);
    }
    return { drop: false, delays };
  }

  /** Numbers the entry in place (it becomes the trace's): a copy would read a lazily parsed message at once. */
  record(entry: Omit<TraceEntry, 'seq'>): TraceEntry {
    const full = Object.assign(entry, { seq: this.nextSeq++ });
    this.entries.push(full);
    this.heldBytes += full.raw.length;
    const overCount = this.retain !== undefined && this.entries.length > this.retain;
    const overBytes = this.retainBytes !== undefined && this.heldBytes > this.retainBytes;
    if (overCount || overBytes) this.trim();
    for (const l of this.listeners) l(full);
    return full;
  }

  subscribe(listener: TapListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear(): void {
    this.entries.length = 0;
    this.heldBytes = 0;
  }

  /** Drop the older half (by count and by octets) in one go: amortised O(1) per entry. */
  private trim(): void {
    const keepCount = this.retain === undefined ? this.entries.length : Math.floor(this.retain / 2);
    const keepBytes = this.retainBytes === undefined ? Number.POSITIVE_INFINITY : this.retainBytes / 2;
    let drop = Math.max(0, this.entries.length - keepCount);
    let bytes = this.heldBytes;
    for (let i = 0; i < drop; i++) bytes -= this.entries[i].raw.length;
    while (drop < this.entries.length - 1 && bytes > keepBytes) bytes -= this.entries[drop++].raw.length;
    this.entries.splice(0, drop);
    this.heldBytes = bytes;
  }
}

/** Key of an address in Tap.internal. */
export function addressKey(a: Address): string {
  return `${a.host.toLowerCase()}|${a.port}`;
}

/**
 * Runs the delayed deliveries of one transport and cancels them all on close, so fault injection
 * never leaves a timer behind (resource hygiene) nor delivers into a closed socket.
 */
export class DelayLine {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly tap: Tap) {}

  /** Run `fn` now (delay 0) or after `delay` ms, unless the line is closed first. */
  run(delay: number, fn: () => void): void {
    if (this.closed) return;
    if (delay <= 0) {
      fn();
      return;
    }
    this.tap.held++;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.tap.held--;
      if (!this.closed) fn();
    }, delay);
    this.timers.add(t);
  }

  /** Held right now (tests of the bound). */
  get pending(): number {
    return this.timers.size;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.tap.held -= this.timers.size;
    this.timers.clear();
  }
}
