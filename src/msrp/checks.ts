/**
 * Strict checks of a parsed MSRP frame: the §9 grammar of each known header value, the order the
 * ABNF fixes (To-Path, From-Path first; MIME headers last, Content-Type closing them), and what
 * RFC 4975 requires of SEND (§7.1.1), REPORT (§7.1.2) and responses (§7.2, §9 msrp-response).
 * Lenient parsing runs none of these: a robust receiver reads such frames as they are.
 */
import type { Diagnostic } from '../sip/codec/diagnostic';
import { H, type MsrpFrame } from './message';
import { byteRangeProblem, isIdent, parseByteRange, parseFailureReport, parseMediaType, parseStatus, parseSuccessReport } from './headers';
import { parsePath } from './uri';
import { MSRP_RULE } from './rules';

const lc = (s: string): string => s.toLowerCase();
const TO = lc(H.toPath);
const FROM = lc(H.fromPath);
const MID = lc(H.messageId);
const RANGE = lc(H.byteRange);
const SUCCESS = lc(H.successReport);
const FAILURE = lc(H.failureReport);
const STATUS = lc(H.status);
const CTYPE = lc(H.contentType);
/** Header fields that appear at most once (§9 lists each once per frame). */
const SINGLE = new Set([TO, FROM, MID, RANGE, SUCCESS, FAILURE, STATUS, CTYPE]);

function isMime(lower: string): boolean {
  // §9 content-stuff: Other-Mime-header = Content-ID / Content-Description / Content-Disposition / mime-extension-field.
  return lower.startsWith('content-');
}

export function checkFrameInto(frame: MsrpFrame, lines: number[], strict: boolean, diags: Diagnostic[]): void {
  if (!strict) return;
  const at = (i: number): number => lines[i] ?? 0;
  const err = (rule: string, message: string, line = 0): void => {
    diags.push({ rule, severity: 'error', message, line, column: 1 });
  };
  const names = frame.headers.map((h) => lc(h.name));
  const first = new Map<string, number>();
  names.forEach((n, i) => {
    if (!first.has(n)) first.set(n, i);
    else if (SINGLE.has(n)) err(MSRP_RULE.duplicateHeader, `the ${frame.headers[i]!.name} header appears more than once`, at(i));
  });

  // §9 headers = To-Path CRLF From-Path CRLF *( header CRLF ).
  // A missing header is placed on the start line (line 1), as the SIP codec places its own.
  if (!first.has(TO)) err(MSRP_RULE.missingToPath, 'the frame has no To-Path header (RFC 4975 §7.1: every request and response names its path)', 1);
  else if (first.get(TO) !== 0) err(MSRP_RULE.toPathFirst, 'To-Path is not the first header (RFC 4975 §9 headers: To-Path, then From-Path)', at(first.get(TO)!));
  if (!first.has(FROM)) err(MSRP_RULE.missingFromPath, 'the frame has no From-Path header (RFC 4975 §7.1)', 1);
  else if (first.get(FROM) !== 1) err(MSRP_RULE.fromPathSecond, 'From-Path is not the second header (RFC 4975 §9 headers: To-Path, then From-Path)', at(first.get(FROM)!));

  let sawMime = false;
  frame.headers.forEach((h, i) => {
    const n = names[i]!;
    const v = h.value;
    if (n === TO || n === FROM) {
      for (const reason of parsePath(v).errors) err(MSRP_RULE.uri, `${h.name}: ${reason}`, at(i));
      if (/ {2}|\t/.test(v)) err(MSRP_RULE.uri, `${h.name}: URIs must be separated by single spaces (RFC 4975 §9)`, at(i));
    } else if (n === MID) {
      if (!isIdent(v)) err(MSRP_RULE.messageId, `the Message-ID "${v.slice(0, 40)}" is not 4 to 32 ident characters (RFC 4975 §9 ident)`, at(i));
    } else if (n === RANGE) {
      const r = parseByteRange(v);
      if (!r) err(MSRP_RULE.byteRange, `the Byte-Range "${v.slice(0, 40)}" is not range-start "-" range-end "/" total (RFC 4975 §9)`, at(i));
      else {
        const problem = byteRangeProblem(r);
        if (problem) err(MSRP_RULE.byteRange, `Byte-Range ${v}: ${problem} (RFC 4975 §7.1.1)`, at(i));
      }
    } else if (n === SUCCESS) {
      if (parseSuccessReport(v) === null) err(MSRP_RULE.successReport, `Success-Report "${v.slice(0, 40)}" is neither yes nor no (RFC 4975 §9)`, at(i));
    } else if (n === FAILURE) {
      if (parseFailureReport(v) === null) err(MSRP_RULE.failureReport, `Failure-Report "${v.slice(0, 40)}" is not yes, no or partial (RFC 4975 §9)`, at(i));
    } else if (n === STATUS) {
      if (parseStatus(v) === null) err(MSRP_RULE.status, `Status "${v.slice(0, 40)}" is not namespace SP status-code [SP text] (RFC 4975 §9, e.g. "000 200 OK")`, at(i));
    } else if (n === CTYPE) {
      if (parseMediaType(v) === null) err(MSRP_RULE.contentType, `Content-Type "${v.slice(0, 60)}" is not a media type (RFC 4975 §9 media-type)`, at(i));
    }
    if (isMime(n)) sawMime = true;
    else if (sawMime) err(MSRP_RULE.mimeHeaderPlace, `${h.name} follows a Content-* header; RFC 4975 §9 puts the MIME headers after all other headers`, at(i));
  });

  const hasType = first.has(CTYPE);
  if (frame.body !== null) {
    if (frame.kind === 'response') err(MSRP_RULE.responseBody, 'a response carries a body; RFC 4975 §9 msrp-response has none');
    else if (!hasType) err(MSRP_RULE.bodyWithoutContentType, 'a body follows the headers but no Content-Type says what it is (RFC 4975 §9 content-stuff)');
    else if (names[names.length - 1] !== CTYPE) err(MSRP_RULE.contentTypeLast, 'Content-Type is not the last header before the body (RFC 4975 §9 content-stuff)', at(first.get(CTYPE)!));
  } else if (hasType) {
    err(MSRP_RULE.contentTypeWithoutBody, 'Content-Type is present but no empty line and body follow (RFC 4975 §9 content-stuff)', at(first.get(CTYPE)!));
  }

  if (frame.kind === 'request') checkRequest(frame, first, (rule, message, n) => err(rule, message, n === undefined ? 1 : at(first.get(n)!)));
  else {
    // §7.2: a response names one hop each way — the previous hop and the responder.
    for (const n of [TO, FROM]) {
      const i = first.get(n);
      if (i !== undefined && parsePath(frame.headers[i]!.value).uris.length > 1) {
        diags.push({ rule: MSRP_RULE.responsePath, severity: 'warning', message: `the response's ${frame.headers[i]!.name} lists more than one URI; RFC 4975 §7.2 puts only the previous hop and the responder there`, line: at(i), column: 1 });
      }
    }
  }
}

/** `err`'s third argument names the header the finding is about; without it, the start line. */
function checkRequest(frame: MsrpFrame & { kind: 'request' }, first: Map<string, number>, err: (rule: string, message: string, header?: string) => void): void {
  const value = (n: string): string | undefined => {
    const i = first.get(n);
    return i === undefined ? undefined : frame.headers[i]!.value;
  };
  if (frame.method === 'SEND') {
    if (!first.has(MID)) err(MSRP_RULE.sendMessageId, 'the SEND has no Message-ID (RFC 4975 §7.1.1)');
    const r = parseByteRange(value(RANGE) ?? '');
    if (r && frame.body !== null && r.end !== '*') {
      const declared = r.end - r.start + 1;
      const got = frame.body.length;
      // An interrupted chunk (flag "+") may carry fewer octets than announced (§5.1), never more.
      if (frame.flag === '$' ? declared !== got : got > declared) {
        err(MSRP_RULE.byteRangeLength, `Byte-Range ${value(RANGE)} announces ${declared} octets but the body holds ${got} (RFC 4975 §7.1.1)`, RANGE);
      }
    }
  } else if (frame.method === 'REPORT') {
    if (!first.has(STATUS)) err(MSRP_RULE.reportStatus, 'the REPORT has no Status header (RFC 4975 §7.1.2)');
    if (!first.has(MID)) err(MSRP_RULE.reportMessageId, 'the REPORT has no Message-ID naming the reported message (RFC 4975 §7.1.2)');
    if (first.has(SUCCESS) || first.has(FAILURE)) err(MSRP_RULE.reportReportHeaders, 'the REPORT carries Success-Report or Failure-Report, which RFC 4975 §7.1.2 forbids', first.has(SUCCESS) ? SUCCESS : FAILURE);
  }
}
