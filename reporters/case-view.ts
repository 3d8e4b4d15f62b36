/**
 * The per-case view the ladder diagram, the exchange page and the pcap share: the merged trace
 * reduced to wire messages (a message traced at both ends once), one lifeline per device, core and
 * SUT address, the spec step each message belongs to, retransmissions, and the findings placed on
 * the message they judged (docs/reporting.md).
 */
import type { TraceEntry } from '../src/sip/transport/tap';
import type { Address } from '../src/sip/transport/address';
import { formatHostPort } from '../src/sip/transport/address';
import { canonicalName, header, headerValues, splitCommaList, type SipMessage } from '../src/sip/message';
import type { StepRecord, CheckRecord } from '../src/harness/context';
import type { Finding } from '../src/harness/finding';
import type { Verdict } from '../src/harness/verdict';
import { chunkOrdinals, isMsrp, msrpHover, msrpLabel } from './msrp-view';

/** The parts of a CaseResult the views need (kept narrow so tests can build one by hand). */
export interface CaseEvidence {
  key: string;
  title?: string;
  verdict: Verdict;
  trace: readonly TraceEntry[];
  steps: readonly StepRecord[];
  findings: readonly Finding[];
  reason?: Finding;
}

/** A known SUT address and its name on the diagram (e.g. PF A). */
export interface SutAddress {
  host: string;
  port: number;
  label: string;
}

export interface Lifeline {
  index: number;
  label: string;
  /** Address(es) under the label. */
  sub: string;
  /** A lifeline of the system under test (not the harness). */
  sut: boolean;
}

export interface Arrow {
  /** Trace seq of the entry drawn (the kept one of a sent/received twin). */
  seq: number;
  /** Every trace seq this arrow stands for (both ends of a loopback hop). */
  seqs: number[];
  from: number;
  to: number;
  protocol: string;
  /** SIP signalling, or an MSRP frame of a session's media (RFC 4975), which the ladder draws apart. */
  kind: 'sip' | 'msrp';
  /** Method or status line, short. */
  label: string;
  /** CSeq, beside the arrow. */
  cseq: string;
  /** Key headers, shown on hover. */
  hover: string[];
  step?: string;
  retransmission: boolean;
  /** Milliseconds since the first message. */
  atMs: number;
  /** The worst finding placed on this message, with what was expected instead. */
  finding?: Finding;
  entry: TraceEntry;
}

export interface CaseView {
  key: string;
  title?: string;
  verdict: Verdict;
  lifelines: Lifeline[];
  arrows: Arrow[];
  /** Findings that name no message (timeouts, absences that held, harness errors). */
  looseFindings: Finding[];
}

const hostPortKey = (a: Address): string => `${a.host.toLowerCase().replace(/^::ffff:/, '')}|${a.port}`;

function wireEnds(e: TraceEntry): [Address, Address] {
  return e.direction === 'sent' ? [e.flow.local, e.flow.remote] : [e.flow.remote, e.flow.local];
}

/** Octets String.prototype.trim removes from latin1 text: TAB, LF, VT, FF, CR, SP, NBSP. */
const TRIMMED = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0]);

/**
 * CRLF keep-alives (RFC 5626 §3.5.1) are not messages: left out of the views and the pcap. Octets
 * that trim to nothing as latin1 text, read as octets: a message is rejected at its first octet,
 * not decoded whole into a string first (every entry, for each view, issue 14).
 */
export function isKeepAlive(e: TraceEntry): boolean {
  const raw = e.raw;
  for (let i = 0; i < raw.length; i++) if (!TRIMMED.has(raw[i])) return false;
  return true;
}

/** The wire messages of a trace (wireMessages): each once, and which seq stands for a dropped twin. */
export interface WireMessages {
  kept: TraceEntry[];
  alias: Map<number, number>;
}

/**
 * The wire messages of a trace, each once: a message sent by one harness socket and received by
 * another is traced twice; `alias` maps the dropped twin's seq to the kept one.
 */
export function wireMessages(trace: readonly TraceEntry[]): WireMessages {
  const kept: TraceEntry[] = [];
  const alias = new Map<number, number>();
  const pending = new Map<string, TraceEntry[]>();
  for (const e of trace) {
    if (e.dropped || isKeepAlive(e)) continue;
    const [src, dst] = wireEnds(e);
    const wire = `${e.flow.protocol === 'udp' ? 'udp' : 'tcp'}|${hostPortKey(src)}>${hostPortKey(dst)}`;
    const list = pending.get(wire) ?? [];
    const twin = list.findIndex((p) => p.direction !== e.direction && p.raw.equals(e.raw));
    if (twin >= 0) {
      alias.set(e.seq, list[twin].seq);
      list.splice(twin, 1);
      continue;
    }
    list.push(e);
    pending.set(wire, list);
    kept.push(e);
  }
  return { kept, alias };
}

/** Short start line: "INVITE" / "200 OK". */
export function shortLabel(m: SipMessage | null): string {
  if (!m) return 'unparseable octets';
  return m.kind === 'request' ? m.method : `${m.status} ${m.reason}`.trim();
}

function topVia(m: SipMessage): string | undefined {
  return headerValues(m, 'Via')[0];
}

/** Identity of a message for retransmission detection: start line, CSeq, Call-ID, top Via. */
function identity(m: SipMessage | null, raw: Buffer): string {
  if (!m) return `raw:${raw.toString('latin1')}`;
  const start = m.kind === 'request' ? `${m.method} ${m.uri}` : `${m.status}`;
  return [start, header(m, 'CSeq'), header(m, 'Call-ID'), topVia(m), m.kind === 'response' ? header(m, 'To') : ''].join('\n');
}

const RANK: Record<Verdict, number> = { 'n/a': 0, pass: 1, 'non-strict': 2, inconclusive: 3, fail: 4, error: 5 };

/** The key headers an arrow shows on hover, in this order. */
const HOVER_HEADERS = ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Contact', 'Route', 'Record-Route', 'Reason', 'Server', 'User-Agent'];

/**
 * Every header's list elements by canonical name, in wire order: what headerValues() returns for
 * each name, from one pass over the message. Looking each hover header up with headerValues()
 * rescanned every header of every message a dozen times: 1.2 s of a default run (profiled).
 */
function valuesByName(m: SipMessage): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const h of m.headers) {
    const name = canonicalName(h.name);
    const list = out.get(name);
    if (list) list.push(...splitCommaList(h.value));
    else out.set(name, splitCommaList(h.value));
  }
  return out;
}

/** `wire`: the trace's wire messages if the caller has them (the ladder, exchange page and pcap share one pass). */
export function buildCaseView(r: CaseEvidence, sutAddresses: readonly SutAddress[] = [], wire: WireMessages = wireMessages(r.trace)): CaseView {
  const { kept, alias } = wire;
  const canon = (seq: number): number => alias.get(seq) ?? seq;

  // Addresses of harness sockets, by owner name.
  const ours = new Map<string, string>();
  for (const e of r.trace) if (e.owner) ours.set(hostPortKey(e.flow.local), e.owner);
  const sutByAddr = new Map(sutAddresses.map((s) => [hostPortKey(s), s.label]));
  // A SUT request from an unknown (ephemeral, e.g. a new TCP connection) port: its top Via names the PF.
  const remoteAlias = new Map<string, string>();
  for (const e of kept) {
    if (e.direction !== 'received' || !e.message || e.message.kind !== 'request') continue;
    const rk = hostPortKey(e.flow.remote);
    if (ours.has(rk) || sutByAddr.has(rk) || remoteAlias.has(rk)) continue;
    const via = topVia(e.message);
    const sentBy = via && /^\S+\s+(\[[^\]]+\]|[^;:\s]+)(?::(\d+))?/.exec(via);
    if (sentBy) {
      const label = sutByAddr.get(`${sentBy[1].replace(/^\[|\]$/g, '').toLowerCase()}|${sentBy[2] ?? '5060'}`);
      if (label) remoteAlias.set(rk, label);
    }
  }

  const lifelines: Lifeline[] = [];
  const byName = new Map<string, Lifeline>();
  // An MSRP peer that is none of ours is the SUT's media end (a B2BUA CS, RFC 4975 §5.4); it dials
  // from ephemeral ports, so its lane is named by host, all its connections on one lifeline.
  const lane = (a: Address, msrp = false): number => {
    const k = hostPortKey(a);
    const owner = ours.get(k);
    const label = owner ?? sutByAddr.get(k) ?? remoteAlias.get(k) ?? (msrp ? `SUT MSRP ${a.host}` : `SUT ${formatHostPort(a)}`);
    let l = byName.get(label);
    if (!l) {
      l = { index: lifelines.length, label, sub: formatHostPort(a), sut: owner === undefined };
      byName.set(label, l);
      lifelines.push(l);
    } else if (!l.sub.split(', ').includes(formatHostPort(a)) && l.sub.split(', ').length < 3) {
      l.sub += `, ${formatHostPort(a)}`;
    }
    return l.index;
  };

  const stepOf = new Map<number, string>();
  for (const s of r.steps) for (const e of s.entries) stepOf.set(canon(e.seq), s.id);

  const findingOn = new Map<number, Finding>();
  const loose: Finding[] = [];
  for (const f of r.findings) {
    if (f.verdict === 'pass' || f.verdict === 'n/a') continue;
    // The runner's context (the last message the SUT sent) is no judgement of that message.
    if (f.context) continue;
    const seq = f.actual ? canon(f.actual.seq) : undefined;
    if (seq === undefined || !kept.some((e) => e.seq === seq)) {
      loose.push(f);
      continue;
    }
    const prev = findingOn.get(seq);
    if (!prev || RANK[f.verdict] > RANK[prev.verdict]) findingOn.set(seq, f);
  }

  // The twins of each kept entry, in the alias map's order.
  const twins = new Map<number, number[]>();
  for (const [dropped, keptSeq] of alias) {
    const list = twins.get(keptSeq);
    if (list) list.push(dropped);
    else twins.set(keptSeq, [dropped]);
  }

  const t0 = kept[0]?.wallMs ?? 0;
  const at0 = kept[0]?.at;
  const seen = new Set<string>();
  const chunks = chunkOrdinals(kept);
  const arrows: Arrow[] = kept.map((e) => {
    const [src, dst] = wireEnds(e);
    const from = lane(src, isMsrp(e));
    const to = lane(dst, isMsrp(e));
    const id = `${from}>${to}|${identity(e.message, e.raw)}`;
    const retransmission = seen.has(id);
    seen.add(id);
    const m = e.message;
    const hover: string[] = [];
    if (m) {
      hover.push(m.kind === 'request' ? `${m.method} ${m.uri}` : `SIP/2.0 ${m.status} ${m.reason}`);
      const values = valuesByName(m);
      for (const name of HOVER_HEADERS) {
        for (const v of values.get(canonicalName(name)) ?? []) hover.push(`${name}: ${v}`);
      }
    }
    const seqs = [e.seq, ...(twins.get(e.seq) ?? [])];
    const atMs = at0 !== undefined ? Number(e.at - at0) / 1e6 : e.wallMs - t0;
    if (isMsrp(e)) {
      return {
        seq: e.seq, seqs, from, to, protocol: `MSRP/${e.flow.protocol.toUpperCase()}`, kind: 'msrp', label: msrpLabel(e.msrp, chunks.get(e.seq)), cseq: '',
        hover: msrpHover(e.msrp), step: stepOf.get(e.seq), retransmission, atMs, finding: findingOn.get(e.seq), entry: e,
      };
    }
    return {
      kind: 'sip',
      seq: e.seq, seqs, from, to, protocol: e.flow.protocol.toUpperCase(), label: shortLabel(m), cseq: m ? header(m, 'CSeq') ?? '' : '',
      hover, step: stepOf.get(e.seq), retransmission, atMs, finding: findingOn.get(e.seq), entry: e,
    };
  });
  // The spec figure's order, so no arrow crosses a device lane on its way through the SUT.
  const order = [...lifelines].sort((a, b) => laneRank(a.label) - laneRank(b.label) || a.index - b.index);
  const moved = new Map(order.map((l, i) => [l.index, i]));
  for (const a of arrows) {
    a.from = moved.get(a.from)!;
    a.to = moved.get(a.to)!;
  }
  order.forEach((l, i) => { l.index = i; });
  return { key: r.key, title: r.title, verdict: r.verdict, lifelines: order, arrows, looseFindings: loose };
}

/**
 * Left to right as the spec figures draw a session: A's devices, Core A, PF A, PF B, Core B, B's
 * devices (then anything else, e.g. an unknown SUT address, in order of appearance).
 */
export function laneRank(label: string): number {
  if (/^A\d*$/.test(label)) return 0;
  if (/^Core A$/.test(label)) return 1;
  if (/PF A\/B$/.test(label)) return 2.5;
  if (/PF A$/.test(label)) return 2;
  if (/^SUT MSRP /.test(label)) return 2.7;
  if (/PF B$/.test(label)) return 3;
  if (/^Core B$/.test(label)) return 4;
  if (/^B\d*$/.test(label)) return 5;
  return 6;
}

/** Every check of every step, with the trace seq (canonical) it judged. */
export function checksBySeq(r: CaseEvidence, alias: ReadonlyMap<number, number> = wireMessages(r.trace).alias): Map<number, CheckRecord[]> {
  const out = new Map<number, CheckRecord[]>();
  for (const s of r.steps) {
    for (const c of s.checks ?? []) {
      if (c.entrySeq === undefined) continue;
      const seq = alias.get(c.entrySeq) ?? c.entrySeq;
      const list = out.get(seq) ?? [];
      if (!list.includes(c)) list.push(c);
      out.set(seq, list);
    }
  }
  return out;
}

/** What esc replaces: markup characters, and characters XML 1.0 forbids (hostile SUT octets). */
const ESCAPED = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff&<>"']/g;
const NEEDS_ESCAPE = new RegExp(ESCAPED.source);
const MARKUP: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escape text for XML/HTML: markup characters, and characters XML 1.0 forbids (hostile SUT octets),
 * shown as \xNN. One pass, and none for text with nothing to escape (most header lines): six
 * passes over every line of every message were the largest single cost of rendering a case's
 * exchange page (issue 14, profiled). A forbidden character becomes "\xNN", which holds no markup
 * character, so one pass gives what escaping the two classes in turn gave.
 */
export function esc(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(ESCAPED, (c) => MARKUP[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
