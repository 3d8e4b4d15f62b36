/**
 * Shared by every transport: turns octets that crossed a socket into a Tap entry and, for inbound
 * octets, into the InboundMessage handed to the receiver. Parsing here is lenient and never
 * throws (docs/architecture.md: the harness judges what the SUT sends, it never crashes on it).
 */
import type { SipMessage } from '../message';
import type { Diagnostic } from '../codec/diagnostic';
import { parseMessage } from '../codec/parse';
import type { ParseLimits } from '../codec/limits';
import type { Flow } from './address';
import type { Tap, TraceEntry } from './tap';
import type { InboundMessage } from './transport';

export interface Parsed {
  message: SipMessage | null;
  diagnostics: Diagnostic[];
}

/** Parse exactly one message's octets. A parser fault is reported as a diagnostic, not thrown. */
export function parseOctets(raw: Buffer, limits?: Partial<ParseLimits>): Parsed {
  try {
    const r = parseMessage(raw, { mode: 'lenient', framing: 'datagram', limits });
    return { message: r.message, diagnostics: r.diagnostics };
  } catch (err) {
    return {
      message: null,
      diagnostics: [{ rule: 'HARNESS-parser-fault', severity: 'error', message: `the parser failed on these octets: ${(err as Error).message}`, line: 0, column: 0 }],
    };
  }
}

/**
 * Octets from which a parsed message is held weakly on the trace: a 200 (OK) to REGISTER for
 * hundreds of devices (every binding listed, RFC 3261 §10.3 step 8) is tens of kilobytes, and its
 * thousands of parsed header fields, kept for every registration of a case, made the heap (and each
 * garbage collection) grow with the square of the devices. Ordinary messages are far below it.
 */
export const LARGE_MESSAGE = 16 * 1024;

/**
 * Give the entry its `message` from `raw`, parsed when read. A small message, once parsed, stays;
 * a large one stays while anything else holds it (so the object a receiver was handed is the one
 * the trace returns, and `entryOf(message)` finds it) and is parsed again from the same octets
 * once nothing does. `initial` is the message already parsed on receipt, if any.
 */
function keepMessage(e: Omit<TraceEntry, 'seq'>, raw: Buffer, limits: Partial<ParseLimits> | undefined, initial: SipMessage | undefined): void {
  const settle = (target: object, message: SipMessage | null): void => {
    Object.defineProperty(target, 'message', { value: message, writable: true, enumerable: true, configurable: true });
  };
  let held = initial ? new WeakRef(initial) : undefined;
  Object.defineProperty(e, 'message', {
    enumerable: true,
    configurable: true,
    get(this: TraceEntry): SipMessage | null {
      const alive = held?.deref();
      if (alive) return alive;
      const message = parseOctets(raw, limits).message;
      if (message === null || raw.length < LARGE_MESSAGE) settle(this, message);
      else held = new WeakRef(message);
      return message;
    },
    set(this: TraceEntry, message: SipMessage | null) {
      settle(this, message);
    },
  });
}

export class TraceRecorder {
  constructor(
    private readonly tap: Tap,
    private readonly owner: string | undefined,
    /** Parser work bounds for what this transport receives (defaults: DEFAULT_LIMITS). */
    readonly limits?: Partial<ParseLimits>,
  ) {}

  /**
   * Record octets we sent (or that loss injection discarded before sending). The message shown is
   * parsed back from the octets, not the caller's object, so the trace is what was on the wire.
   */
  sent(flow: Flow, raw: Buffer, dropped = false): TraceEntry {
    const e = this.entry('sent', flow, raw, null, dropped);
    // Parsed back when first read, not when sent: a registrar's 200 (OK) to REGISTER lists every
    // binding (RFC 3261 §10.3 step 8), and parsing each of them back on a trace nobody reads made a
    // thousand devices' registration quadratic in parse work and memory. Same octets, same result.
    keepMessage(e, raw, this.limits, undefined);
    return this.tap.record(e);
  }

  /**
   * Record octets we received and build what the receiver gets. `parsed` lets a caller supply
   * an outcome it already knows (e.g. framing errors: no message, the framer's diagnostic).
   */
  received(flow: Flow, raw: Buffer, parsed: Parsed = parseOctets(raw, this.limits), dropped = false): { entry: TraceEntry; inbound: InboundMessage } {
    const e = this.entry('received', flow, raw, parsed.message, dropped);
    if (parsed.message !== null && raw.length >= LARGE_MESSAGE) keepMessage(e, raw, this.limits, parsed.message);
    // Keep what was wrong with malformed input on the trace: the report shows the offending octets with it.
    if (parsed.message === null || parsed.diagnostics.some((d) => d.severity === 'error')) e.diagnostics = parsed.diagnostics;
    const entry = this.tap.record(e);
    return { entry, inbound: { message: parsed.message, raw, diagnostics: parsed.diagnostics, flow, at: entry.at } };
  }

  private entry(direction: TraceEntry['direction'], flow: Flow, raw: Buffer, message: SipMessage | null, dropped: boolean): Omit<TraceEntry, 'seq'> {
    const e: Omit<TraceEntry, 'seq'> = { at: process.hrtime.bigint(), wallMs: Date.now(), direction, flow, raw, message };
    if (this.owner !== undefined) e.owner = this.owner;
    if (dropped) e.dropped = true;
    return e;
  }
}
