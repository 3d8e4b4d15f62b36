/**
 * Cuts a SIP byte stream into messages (RFC 3261 §18.3): the header section ends at the first
 * empty line, and Content-Length (compact form `l`, §7.3.3) says how many body octets follow.
 * The framer reads only these octets itself, so framing never depends on the full parser; each
 * complete message's octets are then parsed as one unit by the codec.
 *
 * It is deliberately suspicious of the peer: limits bound what it buffers, and framing that cannot
 * be trusted (conflicting or non-numeric Content-Length, binary start line, oversize sections)
 * ends the stream with an error carrying the offending octets, because no later boundary could be
 * found reliably after it (the same reasoning as HTTP request-smuggling defences).
 */
import type { Diagnostic } from '../codec/diagnostic';
import type { StreamLimits } from './limits';
import { framingDiagnostic as diag, isBinaryLine as isBinary, StreamFramerBase, type StreamError } from './stream-framing';

export type FramedUnit =
  /** One whole message: start line through body. `diagnostics` are framing remarks (e.g. Content-Length missing). */
  | { kind: 'message'; octets: Buffer; diagnostics: Diagnostic[] }
  /** The stream cannot be framed any further; the connection must be closed. */
  | StreamError;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
/** Octets of a start line checked for binary data. */
const START_LINE_PROBE = 512;

type ContentLength = { ok: true; value: number | null } | { ok: false; diagnostic: Diagnostic };

/**
 * Content-Length from the header octets. Field names are matched case-insensitively with
 * optional whitespace before the colon (HCOLON, §25.1); folded lines are unfolded first (§7.3.1).
 */
function readContentLength(head: Buffer, maxBody: number): ContentLength {
  const values = contentLengthValues(head);
  if (values.length === 0) return { ok: true, value: null };
  const distinct = new Set(values);
  if (distinct.size > 1) {
    return { ok: false, diagnostic: diag('RFC3261-18.3-conflicting-content-length', 'error', `the message carries conflicting Content-Length values (${[...distinct].join(', ')}), so where it ends is ambiguous; the connection was closed`) };
  }
  const text = values[0];
  if (!/^\d+$/.test(text)) {
    return { ok: false, diagnostic: diag('RFC3261-20.14-content-length-not-a-number', 'error', `Content-Length "${text.slice(0, 40)}" is not a decimal number of octets, so the message cannot be framed on a stream; the connection was closed`) };
  }
  const value = text.length > 15 ? Number.POSITIVE_INFINITY : Number(text);
  if (value > maxBody) {
    return { ok: false, diagnostic: diag('HARNESS-stream-body-too-large', 'error', `Content-Length ${text} exceeds the harness limit of ${maxBody} octets; the connection was closed instead of waiting for that many octets`) };
  }
  return { ok: true, value };
}

const CONTENT_LENGTH = Buffer.from('content-length');

/**
 * Whether the field line at `at` can be Content-Length: its long name (any case), or `l` then SP,
 * HTAB, a colon or a line end (a fold may come before the colon, §7.3.1). The regular expression
 * in contentLengthValues decides; this only spares it the lines that cannot match.
 */
function mayBeContentLength(head: Buffer, at: number): boolean {
  const c = head[at];
  if (c === 0x6c || c === 0x4c) {
    const n = head[at + 1];
    return n === SP || n === HT || n === 0x3a || n === CR || n === LF;
  }
  if (c !== 0x63 && c !== 0x43) return false;
  for (let i = 1; i < CONTENT_LENGTH.length; i++) {
    const want = CONTENT_LENGTH[i];
    const b = head[at + i];
    // Letters match either case; the hyphen only itself.
    if (b !== want && !(want >= 0x61 && want <= 0x7a && b === want - 0x20)) return false;
  }
  return true;
}

/**
 * The values of the Content-Length lines, in order. A field line starts after a line feed (so
 * never the start line) and runs, folds included, to the first line feed not followed by SP or
 * HTAB; its value runs to that line's end, and a bare CR inside it makes it no Content-Length
 * line at all. Only lines that can be Content-Length are decoded: a 200 (OK) to REGISTER may carry
 * thousands of Contact lines (RFC 3261 §10.3 step 8), and decoding and scanning the whole section
 * for each message cost more than framing it.
 */
export function contentLengthValues(head: Buffer): string[] {
  const values: string[] = [];
  for (let lf = head.indexOf(LF); lf >= 0;) {
    const next = head.indexOf(LF, lf + 1);
    if (mayBeContentLength(head, lf + 1)) {
      let end = next;
      while (end >= 0 && (head[end + 1] === SP || head[end + 1] === HT)) end = head.indexOf(LF, end + 1);
      const line = head.toString('latin1', lf, end < 0 ? head.length : end + 1).replace(/\r?\n[ \t]+/g, ' ');
      const m = /^\n(?:content-length|l)[ \t]*:([^\r\n]*)(?=\r?\n|$)/i.exec(line);
      if (m) values.push(m[1].trim());
    }
    lf = next;
  }
  return values;
}

export class StreamFramer extends StreamFramerBase<FramedUnit> {
  /** Header end of the message being assembled, once found: offset just past the empty line. */
  private headerEnd = -1;
  private bodyLength = 0;
  private pendingDiagnostics: Diagnostic[] = [];
  /** Where to resume the search for the empty line (avoids rescanning a trickled header). */
  private scanFrom = 0;

  constructor(private readonly limits: StreamLimits) {
    // An error unit keeps at most what the framer may hold.
    super(limits.maxBufferedBytes);
  }

  /** Octets held right now (for tests proving memory stays bounded). */
  get buffered(): number {
    return this.queue.length;
  }

  /** The queue never exceeds maxBufferedBytes: a peer that fills it without completing a message ends the stream. */
  protected room(): number | FramedUnit {
    const room = this.limits.maxBufferedBytes - this.queue.length;
    if (room > 0) return room;
    return this.fail(diag('HARNESS-stream-buffer-limit', 'error', `the peer sent more than ${this.limits.maxBufferedBytes} octets that do not form complete messages; the connection was closed`));
  }

  /**
   * Octets of an unfinished message still held (the peer closed mid-message): returned so the
   * trace can show them, with the diagnostic saying what was missing. Empty when nothing is held.
   */
  unfinished(): { octets: Buffer; diagnostic: Diagnostic } | null {
    if (this.failed || this.queue.length === 0) return null;
    const octets = this.queue.take(this.queue.length);
    const message = this.headerEnd < 0
      ? `the connection closed after ${octets.length} octets of a message whose header section never ended (RFC 3261 §18.3)`
      : `the connection closed after ${octets.length} of the ${this.headerEnd + this.bodyLength} octets the message's Content-Length announced (RFC 3261 §18.3)`;
    return { octets, diagnostic: diag('HARNESS-stream-truncated', 'error', message) };
  }

  /** Drop state (connection gone). */
  reset(): void {
    this.queue.clear();
    this.failed = true;
  }

  protected next(): FramedUnit | null {
    if (this.headerEnd < 0) {
      this.skipKeepalives();
      if (this.queue.length === 0) return null;
      // Only the head of the start line is inspected: enough to spot binary data, and constant
      // work per chunk even when a peer trickles a long line.
      const head = this.queue.peek(START_LINE_PROBE);
      const lf = head.indexOf(LF);
      if (isBinary(lf < 0 ? head : head.subarray(0, lf))) {
        return this.fail(diag('HARNESS-stream-not-sip', 'error', 'the peer sent binary octets where a SIP start line must begin (RFC 3261 §7.1), so no message boundary can be found; the connection was closed'));
      }
      const end = this.findEmptyLine();
      if (end < 0) {
        if (this.queue.length > this.limits.maxHeaderBytes) {
          return this.fail(diag('HARNESS-stream-header-too-large', 'error', `no empty line ends the header section within ${this.limits.maxHeaderBytes} octets (RFC 3261 §7); the connection was closed`));
        }
        return null;
      }
      if (end > this.limits.maxHeaderBytes) {
        return this.fail(diag('HARNESS-stream-header-too-large', 'error', `the header section is ${end} octets, above the harness limit of ${this.limits.maxHeaderBytes}; the connection was closed`));
      }
      const cl = readContentLength(this.queue.peek(end), this.limits.maxBodyBytes);
      if (!cl.ok) return this.fail(cl.diagnostic);
      this.pendingDiagnostics = [];
      if (cl.value === null) {
        // §18.3: Content-Length MUST be present on streams; a robust receiver assumes an empty body.
        this.pendingDiagnostics.push(diag('RFC3261-18.3-missing-content-length', 'error', 'a message sent over a stream transport has no Content-Length header field (RFC 3261 §18.3 makes it mandatory there); the harness assumed an empty body'));
      }
      this.headerEnd = end;
      this.bodyLength = cl.value ?? 0;
    }
    const total = this.headerEnd + this.bodyLength;
    if (this.queue.length < total) return null;
    const octets = this.queue.take(total);
    const diagnostics = this.pendingDiagnostics;
    this.headerEnd = -1;
    this.bodyLength = 0;
    this.scanFrom = 0;
    this.pendingDiagnostics = [];
    return { kind: 'message', octets, diagnostics };
  }

  /**
   * CRLFs between messages are keepalives (RFC 5626 §3.5.1 "double CRLF" ping, single CRLF pong)
   * or padding a receiver ignores before a start line (RFC 3261 §7.5).
   */
  private skipKeepalives(): void {
    let n = 0;
    for (;;) {
      const b = this.queue.at(n);
      if (b !== CR && b !== LF) break;
      n++;
    }
    if (n > 0) {
      this.queue.skip(n);
      this.scanFrom = 0;
    }
  }

  /**
   * Offset just past the empty line ending the header section, or -1. Accepts CRLF CRLF and,
   * leniently, bare LF line ends, so a SUT's LF-only message is judged by the parser rather than
   * hanging the connection.
   */
  private findEmptyLine(): number {
    // One view of what is held, searched line feed by line feed, never past the first empty line
    // (pipelined messages behind it are not scanned); no view per line: a header section of
    // thousands of lines (a 200 to REGISTER listing every binding, §10.3 step 8) made one each.
    const held = this.queue.peek(this.queue.length);
    let i = held.indexOf(LF, this.scanFrom);
    while (i >= 0) {
      const next = held[i + 1];
      if (next === LF) return i + 2;
      if (next === CR) {
        const after = held[i + 2];
        if (after === LF) return i + 3;
        if (after === undefined) break;
      } else if (next === undefined) break;
      i = held.indexOf(LF, i + 1);
    }
    // Resume a little before the tail so an empty line split across chunks is still found.
    this.scanFrom = Math.max(0, this.queue.length - 3);
    return -1;
  }
}
