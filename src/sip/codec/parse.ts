/**
 * SIP message parser over octets (RFC 3261 §7, grammar §25, framing §18.3).
 *
 * One pass over the buffer: line ends are found with native `indexOf(LF)`, the header section is
 * decoded once as latin1 (one char per octet, so columns are octet columns) and only values that
 * hold non-ASCII octets are re-decoded as UTF-8. The body is cut by Content-Length in octets.
 *
 * Modes: `lenient` is what a robust receiver accepts — framing problems still produce
 * diagnostics, because the harness must say why it dropped or cut something. `strict` parses the
 * same message and adds a diagnostic for every §25 grammar rule broken plus the semantic checks
 * of `lint/semantics.ts` (§8.1.1 mandatory headers, ranges, duplicates, ...).
 *
 * Never throws: every input yields a message, diagnostics, or both.
 */
import { isAscii } from 'node:buffer';
import type { HeaderField, SipMessage } from '../message';
import type { Diagnostic } from './diagnostic';
import { DEFAULT_LIMITS, type ParseLimits } from './limits';
import { RULE } from './rules';
import { checkSemanticsInto, headerKind, H_CONTENT_LENGTH } from '../lint/semantics';
import { bareCtlAt, scanOctets, OCT_CTL, OCT_HIGH, OCT_LONE_CR } from './octets';
import { diag, isToken, parseStartLine, trimWs, utf8, HT, SP, TOKEN } from './start-line';

export type ParseMode = 'strict' | 'lenient';
export type { ParseLimits } from './limits';

export interface ParseOptions {
  /** strict: report every RFC 3261 §25 deviation as a diagnostic; lenient: what a robust receiver accepts. Default lenient. */
  mode?: ParseMode;
  /** The input is one datagram (octets after the Content-Length body are trailing garbage) or a stream prefix. Default 'datagram'. */
  framing?: 'datagram' | 'stream';
  /** Work bounds; exceeding one yields a diagnostic and no message. */
  limits?: Partial<ParseLimits>;
}

export interface ParseResult {
  /** The message, or null when the octets could not be understood as one (diagnostics say why). */
  message: SipMessage | null;
  diagnostics: Diagnostic[];
  /**
   * Octets that make up this message (start line through body), counted from the start of the
   * input and including CRLF keep-alives skipped before it (§7.5). Stream framing cuts here.
   * With `needMore`, only those leading CRLFs are counted: drop them and wait for more octets.
   */
  consumed: number;
  /** Stream framing: the input is an incomplete message; wait for more octets (message is null). */
  needMore?: boolean;
  /**
   * Stream framing: the octets cannot be framed (no usable Content-Length, a limit exceeded), so
   * the byte stream cannot be resynchronised — the transport should close the connection.
   */
  fatal?: boolean;
  /** 1-based line (in the input) of each header field of `message.headers`, same order. */
  headerLines?: number[];
}

const CR = 0x0d;
const LF = 0x0a;

/** A copy of input[a, b): the message must not keep the caller's (possibly reused) buffer alive. */
function copyOut(input: Buffer, a: number, b: number): Buffer {
  const out = Buffer.allocUnsafe(b - a);
  input.copy(out, 0, a, b);
  return out;
}

/** Content-Length value: 1 to 15 digits (§20.14; 15 keeps it an exact JS number). */
function isLengthDigits(v: string): boolean {
  if (v.length === 0 || v.length > 15) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function countLines(input: Buffer, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (input[i] === LF) n++;
  return n;
}

/** Never throws: any input yields a message, diagnostics, or both. */
export function parseMessage(input: Buffer, options: ParseOptions = {}): ParseResult {
  try {
    return parseInner(input, options);
  } catch (err) {
    // A parser bug must not take the harness down; the fuzz tests assert this never happens.
    return { message: null, diagnostics: [diag(RULE.internal, 'error', `parser fault: ${String(err)}`)], consumed: input.length };
  }
}

function parseInner(input: Buffer, options: ParseOptions): ParseResult {
  const strict = options.mode === 'strict';
  const stream = options.framing === 'stream';
  const limits: ParseLimits = options.limits ? { ...DEFAULT_LIMITS, ...options.limits } : DEFAULT_LIMITS;
  const diags: Diagnostic[] = [];

  // §7.5: CRLFs before the start line are ignored (stream keep-alives, RFC 5626 §3.5.1).
  let start = 0;
  while (start < input.length && (input[start] === CR || input[start] === LF)) start++;
  if (start === input.length) {
    if (stream) return { message: null, diagnostics: diags, consumed: start, needMore: true };
    diags.push(diag(RULE.emptyDatagram, input.length > 0 ? 'info' : 'error', input.length > 0 ? 'the datagram holds only CR/LF octets (a keep-alive), no SIP message' : 'the datagram is empty'));
    return { message: null, diagnostics: diags, consumed: input.length };
  }
  const lineBase = start === 0 ? 1 : countLines(input, start) + 1;

  // Find the line ends of the header section and the empty line that closes it (§7).
  const starts: number[] = [];
  const ends: number[] = [];
  const limitEnd = start + limits.maxHeaderBytes;
  let pos = start;
  let bodyStart = -1;
  let firstBareLf = -1;
  for (;;) {
    const lf = input.indexOf(LF, pos);
    if (lf < 0 || lf > limitEnd) break;
    const ls = pos;
    let end = lf;
    if (lf > ls && input[lf - 1] === CR) end = lf - 1;
    else if (firstBareLf < 0) firstBareLf = starts.length;
    pos = lf + 1;
    if (end === ls) {
      bodyStart = pos;
      break;
    }
    starts.push(ls);
    ends.push(end);
    if (starts.length > limits.maxHeaders + 1) {
      diags.push(diag(RULE.limitHeaders, 'error', `more than ${limits.maxHeaders} header lines; the message was not parsed`, lineBase + starts.length - 1, 1));
      return { message: null, diagnostics: diags, consumed: input.length, fatal: stream };
    }
  }
  if (bodyStart < 0) {
    if (input.length - start > limits.maxHeaderBytes) {
      diags.push(diag(RULE.limitHeaderBytes, 'error', `the header section exceeds ${limits.maxHeaderBytes} octets; the message was not parsed`, lineBase, 1));
      return { message: null, diagnostics: diags, consumed: input.length, fatal: stream };
    }
    if (stream) return { message: null, diagnostics: diags, consumed: start, needMore: true };
    // A datagram without the empty line: a robust receiver takes the remaining octets as the
    // last header line and an empty body.
    if (pos < input.length) {
      starts.push(pos);
      ends.push(input[input.length - 1] === CR ? input.length - 1 : input.length);
    }
    diags.push(diag(RULE.noEmptyLine, 'error', 'no empty line (CRLF CRLF) ends the header section', lineBase + starts.length - 1, 1));
  }
  if (firstBareLf >= 0) {
    diags.push(diag(RULE.bareLf, strict ? 'error' : 'warning', 'a line ends with LF alone; SIP lines end with CRLF', lineBase + firstBareLf, ends[firstBareLf] !== undefined ? ends[firstBareLf]! - starts[firstBareLf]! + 1 : 1));
  }

  const headEnd = ends.length > 0 ? ends[ends.length - 1]! : start;
  const text = input.toString('latin1', start, headEnd);
  const lineOf = (k: number): string => text.slice(starts[k]! - start, ends[k]! - start);

  const sl = parseStartLine(lineOf(0), strict, diags, lineBase);
  if (!sl) return { message: null, diagnostics: diags, consumed: bodyStart < 0 ? input.length : bodyStart, fatal: stream };

  // Header fields; a line starting with SP/HTAB continues the previous one (§7.3.1 folding).
  const headers: HeaderField[] = [];
  const headerLines: number[] = [];
  // Kind of each field (lint/semantics.ts headerKind), classified once for framing and strict checks.
  const kinds: number[] = [];
  // Lenient needs only "any non-ASCII?" (native isAscii); strict also wants CTLs and lone CRs.
  let hasHigh: boolean;
  let checkCtl = false;
  if (strict) {
    const o = scanOctets(input, start, headEnd);
    hasHigh = (o & OCT_HIGH) !== 0;
    checkCtl = (o & (OCT_CTL | OCT_LONE_CR)) !== 0;
  } else hasHigh = headEnd > start && !isAscii(input.subarray(start, headEnd));
  let clValue: number | undefined;
  let clInvalid = false;
  let last: HeaderField | null = null;
  for (let k = 1; k < starts.length; k++) {
    // The line is input[ls, le) and text[ls - start, le - start): octets are scanned in the
    // Buffer (typed-array loads are about twice as fast as charCodeAt), fields are sliced
    // from the text.
    const ls = starts[k]!;
    const le = ends[k]!;
    const ln = lineBase + k;
    const c0 = ls < le ? input[ls]! : -1;
    if (c0 === SP || c0 === HT) {
      const more = trimWs(lineOf(k));
      if (!last) {
        diags.push(diag(RULE.foldAfterStartLine, 'error', 'a continuation line (starting with whitespace) follows the start line; it was ignored', ln, 1));
        continue;
      }
      if (more.length > 0) last.value = last.value.length > 0 ? `${last.value} ${hasHigh ? utf8(more, strict, diags, ln) : more}` : more;
      if (checkCtl && bareCtlAt(more) >= 0) diags.push(diag(RULE.headerCtl, 'error', `the ${last.name} header contains control characters`, ln, 1));
      continue;
    }
    // One pass finds the colon and learns whether everything before it is token characters
    // (then the name needs no trimming and is a valid §25.1 field-name).
    let colon = ls;
    let allToken = true;
    for (; colon < le; colon++) {
      const c = input[colon]!;
      if (c === 0x3a) break;
      if (allToken && TOKEN[c] !== 1) allToken = false;
    }
    if (colon === le) {
      diags.push(diag(RULE.headerColon, 'error', 'this header line has no colon; it was ignored', ln, 1));
      last = null;
      continue;
    }
    let ne = colon;
    while (ne > ls && (input[ne - 1] === SP || input[ne - 1] === HT)) ne--;
    const name = text.slice(ls - start, ne - start);
    if (name.length === 0) {
      diags.push(diag(RULE.headerName, 'error', 'this header line has no name before the colon; it was ignored', ln, 1));
      last = null;
      continue;
    }
    if (strict && !allToken && !isToken(name)) diags.push(diag(RULE.headerName, 'error', `the header name "${name}" contains characters not allowed in a token`, ln, 1));
    let vs = colon + 1;
    let ve = le;
    while (vs < ve && (input[vs] === SP || input[vs] === HT)) vs++;
    while (ve > vs && (input[ve - 1] === SP || input[ve - 1] === HT)) ve--;
    const raw = text.slice(vs - start, ve - start);
    if (checkCtl && bareCtlAt(raw) >= 0) diags.push(diag(RULE.headerCtl, 'error', `the ${name} header contains control characters`, ln, colon - ls + 2));
    const field: HeaderField = { name, value: hasHigh ? utf8(raw, strict, diags, ln) : raw };
    headers.push(field);
    headerLines.push(ln);
    kinds.push(headerKind(name));
    last = field;
  }

  // Content-Length after unfolding (§20.14: octets).
  for (let h = 0; h < headers.length; h++) {
    if (kinds[h] !== H_CONTENT_LENGTH) continue;
    const f = headers[h]!;
    const v = f.value;
    if (!isLengthDigits(v)) {
      clInvalid = true;
      diags.push(diag(RULE.contentLengthValue, 'error', `Content-Length "${v}" is not a number of octets`, headerLines[h]!, 1));
    } else if (clValue === undefined) clValue = Number(v);
    else if (Number(v) !== clValue) {
      diags.push(diag(RULE.contentLengthConflict, 'error', `Content-Length appears with different values (${clValue} and ${v}); the first one was used`, headerLines[h]!, 1));
    }
  }

  let body: Buffer;
  let consumed: number;
  if (bodyStart < 0) {
    body = Buffer.alloc(0);
    consumed = input.length;
  } else if (stream) {
    if (clValue === undefined) {
      if (clInvalid) return { message: null, diagnostics: diags, consumed: bodyStart, fatal: true };
      // §18.3 / §20.14: Content-Length is mandatory on streams; without it we assume no body.
      diags.push(diag(RULE.contentLengthMissingStream, 'error', 'a message on a stream transport (TCP/TLS) must carry Content-Length; no body assumed', lineBase, 1));
      clValue = 0;
    }
    if (clValue > limits.maxBodyBytes) {
      diags.push(diag(RULE.limitBody, 'error', `Content-Length ${clValue} exceeds the ${limits.maxBodyBytes}-octet limit; the message was not parsed`, lineBase, 1));
      return { message: null, diagnostics: diags, consumed: input.length, fatal: true };
    }
    if (bodyStart + clValue > input.length) return { message: null, diagnostics: [], consumed: start, needMore: true };
    body = copyOut(input, bodyStart, bodyStart + clValue);
    consumed = bodyStart + clValue;
  } else {
    const avail = input.length - bodyStart;
    if (clValue === undefined) {
      // §18.3: on a datagram the body runs to the end of the datagram.
      body = copyOut(input, bodyStart, input.length);
      if (strict && !clInvalid && body.length > 0) diags.push(diag(RULE.contentLengthAbsent, 'info', 'no Content-Length: the body was taken to be the rest of the datagram', lineBase, 1));
    } else if (clValue > limits.maxBodyBytes) {
      diags.push(diag(RULE.limitBody, 'error', `Content-Length ${clValue} exceeds the ${limits.maxBodyBytes}-octet limit; the message was not parsed`, lineBase, 1));
      return { message: null, diagnostics: diags, consumed: input.length };
    } else if (clValue > avail) {
      // §18.3: a receiver SHOULD discard it; we keep the partial body so the harness can show it.
      diags.push(diag(RULE.bodyTruncated, 'error', `Content-Length says ${clValue} octets but the datagram holds only ${avail} after the headers`, lineBase, 1));
      body = copyOut(input, bodyStart, input.length);
    } else {
      body = copyOut(input, bodyStart, bodyStart + clValue);
      if (clValue < avail) {
        const tail = bodyStart + clValue;
        diags.push(diag(RULE.trailingOctets, 'warning', `${avail - clValue} octets follow the body announced by Content-Length; they were ignored`, countLines(input, tail) + 1, tail - input.lastIndexOf(LF, tail - 1)));
      }
    }
    consumed = bodyStart + body.length;
  }

  const message: SipMessage = sl.kind === 'request'
    ? { kind: 'request', method: sl.method, uri: sl.uri, version: sl.version, headers, body }
    : { kind: 'response', status: sl.status, reason: sl.reason, version: sl.version, headers, body };
  if (strict) checkSemanticsInto(message, kinds, headerLines, lineBase, diags);
  return { message, diagnostics: diags, consumed, headerLines };
}
