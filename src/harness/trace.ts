/**
 * The merged trace of one case: every message any device or core sent or received, on one
 * timeline (hrtime), so cross-device order is judged, not hidden (docs/architecture.md, One case).
 * MSRP frames of the sessions' media (RFC 4975) share the timeline; a query sees SIP unless it asks
 * for `protocol: 'msrp'`, so no check written for SIP ever meets a frame with no SIP message.
 */
import type { SipMessage } from '../sip/message';
import type { Tap, TraceEntry } from '../sip/transport/tap';
import { matchMessage, type MessageTemplate } from './template';

/** A trace entry that carries a parsed SIP message: what a query with a template returns. */
export type SipEntry = TraceEntry & { message: SipMessage };

export function hasSipMessage(e: TraceEntry): e is SipEntry {
  return e.message !== null;
}

/** A query with a template matches parsed messages only (entryMatches), so its entries carry one. */
type TemplateQuery = EntryQuery & { template: MessageTemplate };

export interface EntryQuery {
  owner?: string;
  direction?: 'sent' | 'received';
  template?: MessageTemplate;
  /** Only entries after this sequence number (exclusive). */
  after?: number;
  /** Which traffic: SIP (the default) or the MSRP frames of the media sessions. */
  protocol?: 'sip' | 'msrp';
}

/** The protocol of a trace entry: an MSRP frame says so, anything else is SIP. */
export function protocolOf(e: TraceEntry): 'sip' | 'msrp' {
  return e.protocol === 'msrp' ? 'msrp' : 'sip';
}

export function entryMatches(e: TraceEntry, q: EntryQuery): boolean {
  return (
    protocolOf(e) === (q.protocol ?? 'sip') &&
    (q.owner === undefined || e.owner === q.owner) &&
    (q.direction === undefined || e.direction === q.direction) &&
    (q.after === undefined || e.seq > q.after) &&
    (q.template === undefined || (e.message !== null && matchMessage(e.message, q.template).length === 0))
  );
}

export class Trace {
  /** Entries by owner, so per-device lookups stay O(that device's traffic) with hundreds of devices. */
  private readonly byOwner = new Map<string, TraceEntry[]>();

  private readonly unsubscribe: () => void;

  constructor(private readonly tap: Tap) {
    for (const e of tap.entries) this.index(e);
    this.unsubscribe = tap.subscribe((e) => this.index(e));
  }

  /** Stop indexing the tap (a load slot's tap outlives each flow's trace: docs/load.md). */
  dispose(): void {
    this.unsubscribe();
    this.byOwner.clear();
  }

  private index(e: TraceEntry): void {
    if (e.dropped) return;
    const key = e.owner ?? '';
    const list = this.byOwner.get(key);
    if (list) list.push(e);
    else this.byOwner.set(key, [e]);
  }

  /** The SIP entries (what every SIP check reads). */
  get entries(): TraceEntry[] {
    return this.tap.entries.filter((e) => !e.dropped && protocolOf(e) === 'sip');
  }

  /** The MSRP frames of the media sessions, in trace order. */
  get msrpEntries(): TraceEntry[] {
    return this.tap.entries.filter((e) => !e.dropped && protocolOf(e) === 'msrp');
  }

  /** Candidate entries for a query: the owner's own list when the query names one. */
  private candidates(q: EntryQuery): TraceEntry[] {
    return q.owner !== undefined ? this.byOwner.get(q.owner) ?? [] : q.protocol === 'msrp' ? this.msrpEntries : this.entries;
  }

  /** Current end of the trace, to look only at what happens next. */
  mark(): number {
    // The last entry's seq, not its index: `after` compares seqs, and a tap that was cleared or
    // trimmed (Tap.retain; a load slot's tap between flows) no longer starts at seq 0.
    return this.tap.entries.at(-1)?.seq ?? -1;
  }

  find(q: TemplateQuery): SipEntry[];
  find(q: EntryQuery): TraceEntry[];
  find(q: EntryQuery): TraceEntry[] {
    return this.candidates(q).filter((e) => entryMatches(e, q));
  }

  first(q: TemplateQuery): SipEntry | undefined;
  first(q: EntryQuery): TraceEntry | undefined;
  first(q: EntryQuery): TraceEntry | undefined {
    return this.find(q)[0];
  }

  /** The first entry matching the query, already on the trace or arriving within timeoutMs; null on timeout. */
  waitFor(q: TemplateQuery & { test?: (e: TraceEntry) => boolean }, timeoutMs: number): Promise<SipEntry | null>;
  waitFor(q: EntryQuery & { test?: (e: TraceEntry) => boolean }, timeoutMs: number): Promise<TraceEntry | null>;
  waitFor(q: EntryQuery & { test?: (e: TraceEntry) => boolean }, timeoutMs: number): Promise<TraceEntry | null> {
    const ok = (e: TraceEntry) => !e.dropped && entryMatches(e, q) && (q.test === undefined || q.test(e));
    const existing = this.candidates(q).find(ok);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        unsubscribe();
        resolve(null);
      }, timeoutMs);
      const unsubscribe = this.tap.subscribe((e) => {
        if (!ok(e)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(e);
      });
    });
  }

  /** The trace entry that carried this parsed message (by identity, else by octets). */
  entryOf(msg: SipMessage): TraceEntry | undefined {
    return this.tap.entries.find((e) => e.message === msg) ?? undefined;
  }

  /**
   * Partial order over the merged trace: each pair [a, b] requires a before b. Returns the pairs
   * that are violated (b happened before a), for the finding.
   */
  violations(pairs: Array<[TraceEntry, TraceEntry]>): Array<[TraceEntry, TraceEntry]> {
    return pairs.filter(([a, b]) => !(a.at < b.at || (a.at === b.at && a.seq < b.seq)));
  }
}
