/**
 * Building the frames an MSRP endpoint sends: SEND (RFC 4975 §7.1.1), the bodiless SEND that binds
 * a new connection (§7.1, §5.4), transaction responses (§7.2) and REPORTs (§7.1.2), plus the
 * rules saying when a response or a REPORT is wanted (Success-Report / Failure-Report, §7.1.1,
 * §7.2). Path headers of replies are copied from the request's own text, so a reply echoes exactly
 * what the peer wrote rather than our re-rendering of it.
 */
import { H, STATUS_COMMENT, header, type ContinuationFlag, type MsrpHeaderField, type MsrpRequest, type MsrpResponse } from './message';
import { formatByteRange, formatStatus, parseFailureReport, parseSuccessReport, type ByteRange, type FailureReport, type SuccessReport } from './headers';
import { formatPath, type MsrpUri } from './uri';
import { newMessageId, transactionIdFor } from './ids';

export interface SendFields {
  /** Destination path: the peer's a=path (§8.2), next hop first. */
  toPath: readonly MsrpUri[];
  /** Our own URI(s) (§7.1.1: the sender's path, itself last). */
  fromPath: readonly MsrpUri[];
  messageId: string;
  /** null for a bodiless SEND (§7.1); otherwise the chunk's octets, typed by contentType. */
  body: Buffer | null;
  contentType?: string;
  byteRange?: ByteRange;
  successReport?: SuccessReport;
  failureReport?: FailureReport;
  flag?: ContinuationFlag;
  /** More header fields, written after the report headers and before the MIME headers (§9 order). */
  extraHeaders?: readonly MsrpHeaderField[];
  /** Content-ID, Content-Description, Content-Disposition...: written right before Content-Type (§9 content-stuff). */
  mimeHeaders?: readonly MsrpHeaderField[];
  transactionId?: string;
}

/** A SEND request with the headers in §9 order: To-Path, From-Path, Message-ID, Byte-Range, reports, others, MIME, Content-Type. */
export function buildSend(f: SendFields): MsrpRequest {
  const headers: MsrpHeaderField[] = [
    { name: H.toPath, value: formatPath(f.toPath) },
    { name: H.fromPath, value: formatPath(f.fromPath) },
    { name: H.messageId, value: f.messageId },
  ];
  if (f.byteRange) headers.push({ name: H.byteRange, value: formatByteRange(f.byteRange) });
  if (f.successReport) headers.push({ name: H.successReport, value: f.successReport });
  if (f.failureReport) headers.push({ name: H.failureReport, value: f.failureReport });
  headers.push(...(f.extraHeaders ?? []));
  if (f.body !== null) {
    headers.push(...(f.mimeHeaders ?? []));
    headers.push({ name: H.contentType, value: f.contentType ?? 'text/plain' });
  }
  return {
    kind: 'request', method: 'SEND', transactionId: f.transactionId ?? transactionIdFor(f.body),
    headers, body: f.body, flag: f.flag ?? '$',
  };
}

/**
 * The bodiless SEND the active endpoint sends as soon as its connection is up, so the passive
 * endpoint can bind the connection to the session (RFC 4975 §5.4, §7.1; with RFC 6135 a=setup the
 * active side is whichever side opens the connection). It carries no Content-Type and no body:
 * nothing is rendered to the user.
 */
export function bindingSend(toPath: readonly MsrpUri[], fromPath: readonly MsrpUri[], messageId = newMessageId()): MsrpRequest {
  return buildSend({ toPath, fromPath, messageId, body: null });
}

function firstUri(pathValue: string | undefined): string {
  return (pathValue ?? '').trim().split(/[ \t]+/)[0] ?? '';
}

function lastUri(pathValue: string | undefined): string {
  const parts = (pathValue ?? '').trim().split(/[ \t]+/);
  return parts[parts.length - 1] ?? '';
}

/**
 * A transaction response (RFC 4975 §7.2): same transaction id; To-Path is the previous hop (first
 * URI of the request's From-Path), From-Path the responder (`responder`, or the last URI of the
 * request's To-Path — the endpoint the request was for). No body (§9 msrp-response).
 */
export function buildResponse(request: MsrpRequest, status: number, comment: string | undefined = STATUS_COMMENT[status], responder?: MsrpUri): MsrpResponse {
  const r: MsrpResponse = {
    kind: 'response', transactionId: request.transactionId, status,
    headers: [
      { name: H.toPath, value: firstUri(header(request, H.fromPath)) },
      { name: H.fromPath, value: responder ? formatPath([responder]) : lastUri(header(request, H.toPath)) },
    ],
    body: null, flag: '$',
  };
  if (comment !== undefined) r.comment = comment;
  return r;
}

export interface ReportFields {
  /** The SEND (any chunk of the message) being reported on: gives Message-ID and the path back. */
  send: MsrpRequest;
  /** Our URI (§7.1.2: the REPORT's From-Path is the reporting endpoint). */
  reporter: MsrpUri;
  /** The octets reported on (§7.1.2: the whole message for a success report, or the chunk). */
  byteRange: ByteRange;
  /** Default 200 (a success report). */
  status?: number;
  comment?: string;
}

/**
 * A REPORT (RFC 4975 §7.1.2): To-Path is the SEND's From-Path (the way back to the sender, relays
 * included), Message-ID names the message, Byte-Range the octets, Status "000 <code> <text>". It
 * carries no Success-Report or Failure-Report and is never answered.
 */
export function buildReport(f: ReportFields): MsrpRequest {
  const code = f.status ?? 200;
  const text = f.comment ?? STATUS_COMMENT[code];
  return {
    kind: 'request', method: 'REPORT', transactionId: transactionIdFor(null),
    headers: [
      { name: H.toPath, value: header(f.send, H.fromPath) ?? '' },
      { name: H.fromPath, value: formatPath([f.reporter]) },
      { name: H.messageId, value: header(f.send, H.messageId) ?? '' },
      { name: H.byteRange, value: formatByteRange(f.byteRange) },
      { name: H.status, value: formatStatus({ namespace: '000', code, ...(text !== undefined ? { text } : {}) }) },
    ],
    body: null, flag: '$',
  };
}

/** The request's Failure-Report, "yes" when absent or unreadable (§7.1.1 default). */
export function failureReportOf(request: MsrpRequest): FailureReport {
  return parseFailureReport(header(request, H.failureReport) ?? 'yes') ?? 'yes';
}

/** The request's Success-Report, "no" when absent or unreadable (§7.1.1 default). */
export function successReportOf(request: MsrpRequest): SuccessReport {
  return parseSuccessReport(header(request, H.successReport) ?? 'no') ?? 'no';
}

/**
 * Whether a transaction response with this code goes back (RFC 4975 §7.2): never to a REPORT
 * (§7.1.2); with Failure-Report "no" never; with "partial" only a failure (not 200); otherwise always.
 */
export function responseWanted(request: MsrpRequest, status: number): boolean {
  if (request.method === 'REPORT') return false;
  const fr = failureReportOf(request);
  if (fr === 'no') return false;
  if (fr === 'partial') return status >= 300;
  return true;
}

/** Whether a failure discovered after the response is reported with a REPORT (§7.1.2: Failure-Report "yes" or "partial"). */
export function failureReportWanted(request: MsrpRequest): boolean {
  return request.method === 'SEND' && failureReportOf(request) !== 'no';
}

/** Whether the sender asked for a success REPORT once the message is received (§7.1.2: Success-Report "yes"). */
export function successReportWanted(request: MsrpRequest): boolean {
  return request.method === 'SEND' && successReportOf(request) === 'yes';
}
