/**
 * Reassembling chunked messages by Message-ID (RFC 4975 §5.1, §7.1.1, §7.3).
 *
 * Each SEND's body lands at the position its Byte-Range start names (1-based); its real extent
 * is the octets that actually arrived, which is what counts for an interrupted chunk (flag `+`
 * with an end of `*` or beyond what came, §5.1). The message is complete when the total is known
 * (from a numeric total, or from the end of the `$` chunk) and every octet up to it has arrived,
 * in whatever order the chunks came. A `#` chunk aborts the message (§9 continuation-flag).
 * Bounded: a message above maxMessageBytes, or one more message than maxMessagesInProgress, is
 * refused with 413 (§10.5: stop sending this message) and its octets are dropped.
 */
import type { MsrpRequest } from './message';
import { H, header } from './message';
import { parseByteRange } from './headers';
import type { MsrpLimits } from './limits';

export interface ReassembledMessage {
  messageId: string;
  /** Content-Type of the chunks (the first that carried one). */
  contentType: string | undefined;
  body: Buffer;
  /** The SEND that carried octet 1 (its headers: From-Path, reports requested...). */
  first: MsrpRequest;
  /** The SEND that completed the message (success REPORTs answer its From-Path, §7.1.2). */
  last: MsrpRequest;
  chunks: number;
}

export type ChunkOutcome =
  /** A bodiless SEND (§7.1): nothing to reassemble or render. */
  | { kind: 'bodiless' }
  | { kind: 'partial'; messageId: string; received: number; total: number | '*' }
  | { kind: 'complete'; message: ReassembledMessage }
  | { kind: 'aborted'; messageId: string; received: number }
  /** Refused: answer with `status` (400 no usable Message-ID or range, 413 too large). */
  | { kind: 'rejected'; messageId: string | undefined; status: 400 | 413; reason: string };

interface Interval {
  start: number;
  end: number;
}

interface InProgress {
  pieces: Array<{ at: number; octets: Buffer }>;
  /** Merged, sorted intervals of received positions (1-based, inclusive). */
  covered: Interval[];
  received: number;
  total: number | '*';
  contentType?: string;
  first?: MsrpRequest;
  chunks: number;
}

/** Insert [s, e] into sorted merged intervals; returns how many positions were new. In-order chunks append in O(1). */
function cover(list: Interval[], s: number, e: number): number {
  let i = list.length;
  while (i > 0 && list[i - 1]!.start > s) i--;
  let added = e - s + 1;
  // Merge with the interval before, then swallow every following one the new range reaches.
  let lo = s;
  let hi = e;
  let from = i;
  if (i > 0 && list[i - 1]!.end >= s - 1) {
    from = i - 1;
    const p = list[from]!;
    added -= Math.max(0, Math.min(p.end, e) - s + 1);
    lo = p.start;
    hi = Math.max(p.end, e);
  }
  let to = i;
  while (to < list.length && list[to]!.start <= hi + 1) {
    const n = list[to]!;
    added -= Math.max(0, Math.min(n.end, e) - Math.max(n.start, s) + 1);
    hi = Math.max(hi, n.end);
    to++;
  }
  list.splice(from, to - from, { start: lo, end: hi });
  return Math.max(0, added);
}

export class Reassembler {
  private readonly messages = new Map<string, InProgress>();

  constructor(private readonly limits: Pick<MsrpLimits, 'maxMessageBytes' | 'maxMessagesInProgress'>) {}

  /** Messages with chunks held right now. */
  get inProgress(): number {
    return this.messages.size;
  }

  /** Octets held across all unfinished messages (tests prove this stays bounded). */
  get heldBytes(): number {
    let n = 0;
    for (const m of this.messages.values()) n += m.received;
    return n;
  }

  /** Take one SEND; says what it completed. */
  push(send: MsrpRequest): ChunkOutcome {
    if (send.body === null) return { kind: 'bodiless' };
    const messageId = header(send, H.messageId);
    if (!messageId) return { kind: 'rejected', messageId: undefined, status: 400, reason: 'the SEND has a body but no Message-ID, so its chunks cannot be put together (RFC 4975 §7.1.1)' };
    const rangeText = header(send, H.byteRange);
    // §7.1.1: no Byte-Range means the whole message in one piece, 1-*/*.
    const range = rangeText === undefined ? { start: 1, end: '*' as const, total: '*' as const } : parseByteRange(rangeText);
    if (!range || range.start < 1) return { kind: 'rejected', messageId, status: 400, reason: `the Byte-Range "${rangeText}" cannot place the chunk (RFC 4975 §9)` };

    let m = this.messages.get(messageId);
    if (!m) {
      if (this.messages.size >= this.limits.maxMessagesInProgress) {
        return { kind: 'rejected', messageId, status: 413, reason: `${this.messages.size} messages are already being reassembled on this connection, the harness limit` };
      }
      m = { pieces: [], covered: [], received: 0, total: '*', chunks: 0 };
      this.messages.set(messageId, m);
    }
    if (send.flag === '#') {
      // §9: "#" — the sender gave up on this message; nothing of it is delivered.
      this.messages.delete(messageId);
      return { kind: 'aborted', messageId, received: m.received + send.body.length };
    }
    const end = range.start + send.body.length - 1;
    if (range.total !== '*') m.total = range.total;
    // §5.1: the last chunk's end is the message's end, whatever its total said.
    if (send.flag === '$' && m.total === '*') m.total = end;
    const limitEnd = Math.max(end, m.total === '*' ? 0 : m.total);
    if (limitEnd > this.limits.maxMessageBytes) {
      this.messages.delete(messageId);
      return { kind: 'rejected', messageId, status: 413, reason: `the message reaches octet ${limitEnd}, above the harness limit of ${this.limits.maxMessageBytes}` };
    }
    m.chunks++;
    if (range.start === 1 || !m.first) m.first = send;
    m.contentType ??= header(send, H.contentType);
    if (send.body.length > 0) {
      m.received += cover(m.covered, range.start, end);
      m.pieces.push({ at: range.start, octets: send.body });
    }
    const total = m.total;
    const whole = total !== '*' && (total === 0 || (m.covered[0]?.start === 1 && m.covered[0].end >= total));
    if (!whole) {
      return { kind: 'partial', messageId, received: m.received, total };
    }
    this.messages.delete(messageId);
    const body = Buffer.alloc(total);
    // Later pieces win where chunks overlap (a resent range carries the same octets anyway).
    for (const p of m.pieces) p.octets.copy(body, p.at - 1, 0, Math.max(0, Math.min(p.octets.length, total - p.at + 1)));
    return {
      kind: 'complete',
      message: { messageId, contentType: m.contentType, body, first: m.first ?? send, last: send, chunks: m.chunks },
    };
  }

  /** Forget everything (connection closed). */
  clear(): void {
    this.messages.clear();
  }
}
