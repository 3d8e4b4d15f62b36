/**
 * Cuts an MSRP byte stream into frames (RFC 4975 §5.1, grammar §9). MSRP has no length field: the
 * first line names the transaction id, and the frame ends with the end-line
 * `-------<transaction-id>` followed by a continuation flag ($, + or #) and CRLF. The sender
 * guarantees the body never contains that string (§9 data), so the first occurrence after the
 * start line ends the frame. The framer reads only these octets; each frame is then parsed as one
 * unit by parse.ts.
 *
 * Memory stays bounded whatever the peer sends: a frame longer than `maxFrameBytes` is not held —
 * its first octets are kept for the report, the rest is skipped up to its end-line (still
 * findable, so the stream stays in sync) and an `oversize` unit reports it, which lets the
 * connection answer 413 (§10.5). Octets that cannot start a frame at all end the stream with an
 * `error` unit, as the SIP framer does (src/sip/transport/stream-framer.ts).
 */
import type { Diagnostic } from '../sip/codec/diagnostic';
import { framingDiagnostic as diag, isBinaryLine as isBinary, StreamFramerBase, type StreamError } from '../sip/transport/stream-framing';
import type { MsrpLimits } from './limits';
import { MSRP_RULE } from './rules';

export type MsrpUnit =
  /** One whole frame: start line through end-line. `diagnostics` are framing remarks. */
  | { kind: 'frame'; octets: Buffer; transactionId: string; diagnostics: Diagnostic[] }
  /** A frame above maxFrameBytes, skipped to its end-line: its first octets and its real size. */
  | { kind: 'oversize'; octets: Buffer; transactionId: string; totalBytes: number; diagnostic: Diagnostic }
  /** The stream cannot be framed any further; the connection must be closed. */
  | StreamError;

const CR = 0x0d;
const LF = 0x0a;
const FLAGS = new Set([0x24, 0x2b, 0x23]); // $ + #
/** Octets of an oversize frame kept for the trace and the report (its start line and headers). */
const OVERSIZE_HEAD = 16 * 1024;

type State = 'start' | 'frame' | 'skip';

export class MsrpFramer extends StreamFramerBase<MsrpUnit> {
  private state: State = 'start';
  private transactionId = '';
  private needle: Buffer = Buffer.alloc(0);
  /** Where the end-line search resumes (avoids rescanning a trickled frame). */
  private scanFrom = 0;
  /** Skip state: the kept head of the oversize frame and the octets counted so far. */
  private head: Buffer = Buffer.alloc(0);
  private skipped = 0;
  private pending: Diagnostic[] = [];

  constructor(private readonly limits: Pick<MsrpLimits, 'maxFrameBytes' | 'maxStartLineBytes'>) {
    // An error unit keeps the unreadable first line.
    super(limits.maxStartLineBytes);
  }

  /** Octets held right now (tests prove this stays bounded). */
  get buffered(): number {
    return this.queue.length + this.head.length;
  }

  /**
   * Slices that fit the bound: the queue never grows past maxFrameBytes plus one end-line
   * (RFC 4975 §9) however the peer sizes its segments.
   */
  protected room(): number {
    return Math.max(this.needle.length + 3, this.limits.maxFrameBytes + this.needle.length + 3 - this.queue.length);
  }

  /** Octets of an unfinished frame (the peer closed mid-frame), with what was missing; null when nothing is held. */
  unfinished(): { octets: Buffer; diagnostic: Diagnostic } | null {
    if (this.failed) return null;
    if (this.state === 'skip') {
      const total = this.skipped + this.queue.length;
      return { octets: this.head, diagnostic: diag(MSRP_RULE.truncated, 'error', `the connection closed inside an oversize frame (transaction ${this.transactionId}) after ${total} octets, before its end-line (RFC 4975 §9)`) };
    }
    if (this.queue.length === 0) return null;
    const octets = this.queue.take(Math.min(this.queue.length, this.limits.maxFrameBytes));
    const what = this.state === 'start' ? 'a first line that never ended' : `transaction ${this.transactionId} without its end-line "${this.needle.toString('latin1')}"`;
    return { octets, diagnostic: diag(MSRP_RULE.truncated, 'error', `the connection closed after ${octets.length} octets of ${what} (RFC 4975 §9)`) };
  }

  /** Drop state (connection gone). */
  reset(): void {
    this.queue.clear();
    this.head = Buffer.alloc(0);
    this.failed = true;
  }

  protected next(): MsrpUnit | null {
    if (this.state === 'start') {
      const r = this.readStartLine();
      if (r === 'wait') return null;
      if (r !== 'ready') return r;
    }
    if (this.state === 'frame') return this.readFrame();
    return this.readSkip();
  }

  /** Finds the first line and its transaction id: 'ready', 'wait' for more octets, or a fatal error unit. */
  private readStartLine(): 'ready' | 'wait' | MsrpUnit {
    let n = 0;
    for (let b = this.queue.at(0); b === CR || b === LF; b = this.queue.at(++n));
    if (n > 0) {
      // §9 has nothing between frames; a robust receiver skips stray line ends and says so.
      this.queue.skip(n);
      this.pending.push(diag(MSRP_RULE.betweenFrames, 'warning', `${n} CR/LF octets precede this frame; RFC 4975 §9 has nothing between an end-line and the next start line`));
    }
    if (this.queue.length === 0) return 'wait';
    const probe = this.queue.peek(this.limits.maxStartLineBytes);
    const lf = probe.indexOf(LF);
    const line = lf < 0 ? probe : probe.subarray(0, lf);
    const notMsrp = (): MsrpUnit => this.fail(diag(MSRP_RULE.notMsrp, 'error', `the peer sent "${line.subarray(0, 60).toString('latin1')}" where an MSRP start line ("MSRP <transaction-id> ...", RFC 4975 §9) must begin, so no frame boundary can be found; the connection was closed`));
    if (isBinary(line)) return notMsrp();
    if (line.length >= 5 && line.toString('latin1', 0, 5).toUpperCase() !== 'MSRP ') return notMsrp();
    if (lf < 0) {
      if (this.queue.length < this.limits.maxStartLineBytes) return 'wait';
      return this.fail(diag(MSRP_RULE.limitStartLine, 'error', `no line end within the first ${this.limits.maxStartLineBytes} octets of a frame; the connection was closed`));
    }
    const m = /^MSRP ([^ \r]+) /i.exec(line.toString('latin1'));
    if (!m) return notMsrp();
    this.transactionId = m[1]!;
    this.needle = Buffer.from(`-------${this.transactionId}`, 'latin1');
    this.scanFrom = lf + 1;
    this.state = 'frame';
    return 'ready';
  }

  /**
   * Offset just past the end-line found at or after `from` in the queue, -1 when there is none yet
   * (`resume` is then where to search next), or the match position when its flag and line end
   * have not arrived. Accepts a bare LF after the flag so a SUT's LF-only frame is judged by the
   * parser rather than hanging the connection.
   */
  private findEndLine(from: number): { end: number; resume: number } {
    let i = this.queue.indexOf(this.needle, from);
    while (i >= 0) {
      const f = i + this.needle.length;
      const flag = this.queue.at(f);
      if (flag === undefined) return { end: -1, resume: i };
      if (FLAGS.has(flag)) {
        const a = this.queue.at(f + 1);
        if (a === undefined) return { end: -1, resume: i };
        if (a === LF) return { end: f + 2, resume: 0 };
        if (a === CR) {
          const b = this.queue.at(f + 2);
          if (b === undefined) return { end: -1, resume: i };
          if (b === LF) return { end: f + 3, resume: 0 };
        }
      }
      i = this.queue.indexOf(this.needle, i + 1);
    }
    return { end: -1, resume: Math.max(from, this.queue.length - this.needle.length + 1) };
  }

  private readFrame(): MsrpUnit | null {
    const { end, resume } = this.findEndLine(this.scanFrom);
    if (end >= 0) {
      if (end > this.limits.maxFrameBytes) {
        const head = this.queue.take(Math.min(end, OVERSIZE_HEAD));
        this.queue.skip(end - head.length);
        return this.oversize(head, end);
      }
      const octets = this.queue.take(end);
      const diagnostics = this.pending;
      this.pending = [];
      this.state = 'start';
      return { kind: 'frame', octets, transactionId: this.transactionId, diagnostics };
    }
    this.scanFrom = resume;
    if (this.queue.length > this.limits.maxFrameBytes) {
      // Too long to hold: keep the head for the report, skip the rest while watching for the end-line.
      // The tail stays queued: an end-line may have begun in it.
      const keep = Math.min(this.queue.length, this.needle.length + 2);
      this.head = this.queue.take(Math.min(this.queue.length - keep, OVERSIZE_HEAD));
      this.skipped = this.head.length + this.queue.length - keep;
      this.queue.skip(this.queue.length - keep);
      this.state = 'skip';
    }
    return null;
  }

  private readSkip(): MsrpUnit | null {
    const { end, resume } = this.findEndLine(0);
    if (end >= 0) {
      const total = this.skipped + end;
      this.queue.skip(end);
      const head = this.head;
      this.head = Buffer.alloc(0);
      return this.oversize(head, total);
    }
    // Nothing before `resume` can start the end-line: count it and let it go.
    const drop = Math.min(resume, this.queue.length);
    this.skipped += drop;
    this.queue.skip(drop);
    return null;
  }

  private oversize(head: Buffer, total: number): MsrpUnit {
    this.state = 'start';
    this.pending = [];
    return {
      kind: 'oversize', octets: head, transactionId: this.transactionId, totalBytes: total,
      diagnostic: diag(MSRP_RULE.limitFrame, 'error', `transaction ${this.transactionId} is a ${total}-octet frame, above the harness limit of ${this.limits.maxFrameBytes}; its first ${head.length} octets were kept and the rest skipped to its end-line`),
    };
  }
}
