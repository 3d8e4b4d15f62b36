/**
 * MSRP frame parser over octets (RFC 4975 §7.1 / §7.2, grammar §9).
 *
 * Input is one frame's octets as the stream framer cut them (framer.ts), or any buffer read from a
 * file or a pcap. The transaction id of the start line names the end-line (§9 end-line), so the
 * parser finds the end-line by that id, the header section before it and, after an empty line,
 * the body (§9 content-stuff: the body ends with the CRLF that precedes the end-line).
 *
 * Modes, as in the SIP codec (src/sip/codec/parse.ts): `lenient` is what a robust receiver
 * accepts — framing problems still yield diagnostics, because the harness must say why it could
 * not read something; `strict` adds a diagnostic for every §9 grammar rule broken and the
 * semantic checks of checks.ts. Never throws: every input yields a frame, diagnostics, or both.
 */
import { isUtf8 } from 'node:buffer';
import type { Diagnostic, Severity } from '../sip/codec/diagnostic';
import type { ContinuationFlag, MsrpFrame, MsrpHeaderField } from './message';
import { isIdent } from './headers';
import { checkFrameInto } from './checks';
import { MSRP_RULE } from './rules';

export type MsrpParseMode = 'strict' | 'lenient';

export interface MsrpParseOptions {
  /** Default lenient. */
  mode?: MsrpParseMode;
}

export interface MsrpParseResult {
  /** The frame, or null when the octets could not be understood as one (diagnostics say why). */
  frame: MsrpFrame | null;
  diagnostics: Diagnostic[];
  /** 1-based line of each header field of `frame.headers`, same order. */
  headerLines?: number[];
}

const CR = 0x0d;
const LF = 0x0a;
const DASHES = '-------';

export function diag(rule: string, severity: Severity, message: string, line = 0, column = 0): Diagnostic {
  return { rule, severity, message, line, column };
}

/** Never throws: any input yields a frame, diagnostics, or both. */
export function parseFrame(input: Buffer, options: MsrpParseOptions = {}): MsrpParseResult {
  try {
    return parseInner(input, options.mode === 'strict');
  } catch (err) {
    // A parser bug must not take the harness down; the property tests assert this never happens.
    return { frame: null, diagnostics: [diag(MSRP_RULE.internal, 'error', `parser fault: ${String(err)}`)] };
  }
}

interface StartLine {
  transactionId: string;
  kind: 'request' | 'response';
  method: string;
  status: number;
  comment?: string;
}

/** §9 req-start = pMSRP SP transact-id SP method CRLF; resp-start = pMSRP SP transact-id SP status-code [SP comment] CRLF. */
function parseStartLine(line: string, strict: boolean, diags: Diagnostic[]): StartLine | null {
  const bad = (message: string): null => {
    diags.push(diag(MSRP_RULE.startLine, 'error', message, 1, 1));
    return null;
  };
  const parts = line.split(' ');
  if (parts[0] !== 'MSRP') {
    if (parts[0]?.toUpperCase() !== 'MSRP') return bad(`the first line "${line.slice(0, 80)}" does not start with "MSRP " (RFC 4975 §9 req-start / resp-start)`);
    // §9 pMSRP is %x4D.53.52.50: upper case only.
    diags.push(diag(MSRP_RULE.startLine, strict ? 'error' : 'warning', `the protocol name is "${parts[0]}"; RFC 4975 §9 requires "MSRP" in capitals`, 1, 1));
  }
  if (parts.length < 3 || parts[1] === '' || parts[2] === '') return bad(`the first line "${line.slice(0, 80)}" is not "MSRP <transaction-id> <method or status>" with single spaces`);
  const transactionId = parts[1]!;
  if (!isIdent(transactionId)) {
    diags.push(diag(MSRP_RULE.transactionId, strict ? 'error' : 'warning', `the transaction id "${transactionId.slice(0, 40)}" is not 4 to 32 characters of letters, digits and . - + % = starting with a letter or digit (RFC 4975 §9 ident)`, 1, 6));
  }
  const third = parts[2]!;
  const col3 = 6 + transactionId.length + 1;
  if (/^\d{3}$/.test(third)) {
    const sl: StartLine = { transactionId, kind: 'response', method: '', status: Number(third) };
    if (parts.length > 3) {
      sl.comment = parts.slice(3).join(' ');
      if (strict && /[\x00-\x08\x0a-\x1f\x7f]/.test(sl.comment)) diags.push(diag(MSRP_RULE.comment, 'error', 'the response comment contains control characters (RFC 4975 §9 utf8text)', 1, col3 + 4));
    }
    return sl;
  }
  if (/^\d+$/.test(third)) {
    diags.push(diag(MSRP_RULE.statusCode, 'error', `the status code "${third}" is not three digits (RFC 4975 §9 status-code)`, 1, col3));
    return null;
  }
  if (!/^[A-Z]+$/.test(third)) {
    if (!/^[A-Za-z]+$/.test(third)) return bad(`"${third.slice(0, 40)}" is neither a method nor a status code`);
    diags.push(diag(MSRP_RULE.method, strict ? 'error' : 'warning', `the method "${third}" is not in capitals (RFC 4975 §9: 1*UPALPHA)`, 1, col3));
  }
  if (parts.length > 3 && strict) diags.push(diag(MSRP_RULE.startLine, 'error', `text follows the method "${third}" on the first line (RFC 4975 §9 req-start ends after the method)`, 1, col3 + third.length));
  return { transactionId, kind: 'request', method: third, status: 0 };
}

function parseInner(input: Buffer, strict: boolean): MsrpParseResult {
  const diags: Diagnostic[] = [];
  const firstLf = input.indexOf(LF);
  if (firstLf < 0) {
    diags.push(diag(MSRP_RULE.startLine, 'error', input.length === 0 ? 'no octets: no MSRP frame' : 'the first line never ends (no CRLF): no MSRP frame', 1, 1));
    return { frame: null, diagnostics: diags };
  }
  const firstEnd = firstLf > 0 && input[firstLf - 1] === CR ? firstLf - 1 : firstLf;
  let bareLfLine = firstEnd === firstLf ? 1 : 0;
  const sl = parseStartLine(input.toString('latin1', 0, firstEnd), strict, diags);
  if (!sl) return { frame: null, diagnostics: diags };

  // The end-line: the last occurrence of dashes + this transaction id (§9: data must not contain it).
  const needle = DASHES + sl.transactionId;
  const endAt = input.lastIndexOf(needle, input.length, 'latin1');
  if (endAt <= firstLf) {
    diags.push(diag(MSRP_RULE.endLine, 'error', `no end-line "${needle}" followed by $, + or # closes the frame (RFC 4975 §9 end-line)`, 0, 0));
    return { frame: null, diagnostics: diags };
  }
  let line = 2;
  const lineOfOffset = (off: number): number => {
    let n = 1;
    for (let i = input.indexOf(LF); i >= 0 && i < off; i = input.indexOf(LF, i + 1)) n++;
    return n;
  };
  const endLineNo = lineOfOffset(endAt);
  const flagByte = input[endAt + needle.length];
  let flag: ContinuationFlag = '$';
  if (flagByte === 0x24 || flagByte === 0x2b || flagByte === 0x23) flag = String.fromCharCode(flagByte) as ContinuationFlag;
  else diags.push(diag(MSRP_RULE.endLine, 'error', `the end-line's continuation flag is ${flagByte === undefined ? 'missing' : `"${String.fromCharCode(flagByte)}"`}; RFC 4975 §9 allows $, + or #; taken as $`, endLineNo, needle.length + 1));
  const afterFlag = endAt + needle.length + 1;
  const tail = input.subarray(afterFlag);
  if (tail.length >= 2 && tail[0] === CR && tail[1] === LF) {
    if (tail.length > 2) diags.push(diag(MSRP_RULE.endLine, 'warning', `${tail.length - 2} octets follow the end-line; they were ignored`, endLineNo + 1, 1));
  } else if (tail.length >= 1 && tail[0] === LF) {
    bareLfLine ||= endLineNo;
  } else {
    diags.push(diag(MSRP_RULE.endLine, 'error', 'the end-line does not end with CRLF (RFC 4975 §9 end-line)', endLineNo, needle.length + 2));
  }
  if (input[endAt - 1] !== LF) diags.push(diag(MSRP_RULE.endLineCrlf, 'error', 'the end-line does not start on a line of its own: no CRLF precedes it (RFC 4975 §9: the last header or the data ends with CRLF)', endLineNo, 1));

  // Header lines, up to an empty line (then the body) or the end-line.
  const headers: MsrpHeaderField[] = [];
  const headerLines: number[] = [];
  let pos = firstLf + 1;
  let bodyStart = -1;
  while (pos < endAt) {
    let lf = input.indexOf(LF, pos);
    if (lf < 0 || lf >= endAt) lf = endAt; // a last line running into the end-line (reported above)
    let le = lf;
    if (lf < endAt && le > pos && input[le - 1] === CR) le--;
    else if (lf < endAt && !bareLfLine) bareLfLine = line;
    if (le === pos && lf < endAt) {
      bodyStart = lf + 1;
      break;
    }
    const text = input.subarray(pos, le);
    parseHeaderLine(text, line, strict, diags, headers, headerLines);
    pos = lf + 1;
    line++;
  }
  if (bareLfLine) diags.push(diag(MSRP_RULE.bareLf, strict ? 'error' : 'warning', 'a line ends with LF alone; MSRP lines end with CRLF (RFC 4975 §9)', bareLfLine, 1));

  let body: Buffer | null = null;
  if (bodyStart >= 0) {
    // §9 content-stuff: ... 2CRLF data CRLF end-line — the CRLF before the end-line is not data.
    let bodyEnd = endAt;
    if (input[bodyEnd - 1] === LF) bodyEnd--;
    if (input[bodyEnd - 1] === CR && bodyEnd - 1 >= bodyStart) bodyEnd--;
    if (bodyEnd < bodyStart && strict) {
      diags.push(diag(MSRP_RULE.endLineCrlf, 'error', 'the end-line follows the empty line directly: the CRLF that closes the data is missing (RFC 4975 §9 content-stuff: 2CRLF data CRLF)', endLineNo, 1));
    }
    body = Buffer.from(input.subarray(bodyStart, Math.max(bodyStart, bodyEnd)));
  }
  const frame: MsrpFrame = sl.kind === 'request'
    ? { kind: 'request', transactionId: sl.transactionId, method: sl.method, headers, body, flag }
    : { kind: 'response', transactionId: sl.transactionId, status: sl.status, headers, body, flag, ...(sl.comment !== undefined ? { comment: sl.comment } : {}) };
  checkFrameInto(frame, headerLines, strict, diags);
  return { frame, diagnostics: diags, headerLines };
}

/** §9 header = hname ":" SP hval: the colon right after the name, one SP, then utf8text. */
function parseHeaderLine(octets: Buffer, line: number, strict: boolean, diags: Diagnostic[], out: MsrpHeaderField[], lines: number[]): void {
  const raw = octets.toString('latin1');
  const colon = raw.indexOf(':');
  if (colon < 0) {
    diags.push(diag(MSRP_RULE.headerColon, 'error', `this header line has no colon; it was ignored: "${raw.slice(0, 60)}"`, line, 1));
    return;
  }
  const rawName = raw.slice(0, colon);
  const name = rawName.trim();
  if (name === '') {
    diags.push(diag(MSRP_RULE.headerName, 'error', 'this header line has no name before the colon; it was ignored', line, 1));
    return;
  }
  if (strict && (rawName !== name || !/^[A-Za-z][A-Za-z0-9\-.!%*_+`'~]*$/.test(name))) {
    diags.push(diag(MSRP_RULE.headerName, 'error', `the header name "${rawName}" is not a letter followed by token characters, directly before the colon (RFC 4975 §9 hname)`, line, 1));
  }
  const after = octets.subarray(colon + 1);
  if (strict && (after[0] !== 0x20 || after[1] === 0x20 || after[1] === 0x09)) {
    diags.push(diag(MSRP_RULE.headerSpace, 'error', `the ${name} header does not have exactly one space after the colon (RFC 4975 §9: ":" SP value)`, line, colon + 2));
  }
  let a = 0;
  let b = after.length;
  while (a < b && (after[a] === 0x20 || after[a] === 0x09)) a++;
  while (b > a && (after[b - 1] === 0x20 || after[b - 1] === 0x09)) b--;
  const valueOctets = after.subarray(a, b);
  let value = valueOctets.toString('latin1');
  if (/[\x80-\xff]/.test(value)) {
    if (isUtf8(valueOctets)) value = valueOctets.toString('utf8');
    else if (strict) diags.push(diag(MSRP_RULE.headerText, 'error', `the ${name} header holds octets that are not valid UTF-8 (RFC 4975 §9 utf8text)`, line, colon + 2));
  }
  if (strict && /[\x00-\x08\x0a-\x1f\x7f]/.test(value)) diags.push(diag(MSRP_RULE.headerText, 'error', `the ${name} header contains control characters (RFC 4975 §9 utf8text)`, line, colon + 2));
  out.push({ name, value });
  lines.push(line);
}
