/**
 * The MSRP frame model (RFC 4975 §7.1 requests, §7.2 responses, grammar §9).
 *
 * One frame is one transaction's request or response: start line, header fields in wire order,
 * an optional body and the end-line whose continuation flag says whether more chunks of the same
 * message follow (§5.1). A body of `null` is a *bodiless* request (§7.1: no Content-Type, nothing
 * rendered); an empty Buffer is a body of zero octets, which still carries a Content-Type.
 */

/** §9 continuation-flag: `$` last chunk, `+` more chunks follow (or this one was interrupted), `#` message aborted. */
export type ContinuationFlag = '$' | '+' | '#';

export interface MsrpHeaderField {
  /** As written on the wire (§9 header names are case-insensitive ABNF literals). */
  name: string;
  value: string;
}

interface FrameBase {
  /** §9 transact-id; the end-line repeats it. */
  transactionId: string;
  headers: MsrpHeaderField[];
  /** Octets of the body (§9 data), or null for no content-stuff at all. */
  body: Buffer | null;
  flag: ContinuationFlag;
}

export interface MsrpRequest extends FrameBase {
  kind: 'request';
  /** SEND, REPORT, or any other 1*UPALPHA method (§9 other-method). */
  method: string;
}

export interface MsrpResponse extends FrameBase {
  kind: 'response';
  /** §9 status-code: 3DIGIT. */
  status: number;
  /** §9 comment after the status code, when present. */
  comment?: string;
}

export type MsrpFrame = MsrpRequest | MsrpResponse;

/** Header field names of RFC 4975 §9 (and the MIME fields of content-stuff), canonical spelling. */
export const H = {
  toPath: 'To-Path',
  fromPath: 'From-Path',
  messageId: 'Message-ID',
  byteRange: 'Byte-Range',
  successReport: 'Success-Report',
  failureReport: 'Failure-Report',
  status: 'Status',
  contentType: 'Content-Type',
  contentId: 'Content-ID',
  contentDescription: 'Content-Description',
  contentDisposition: 'Content-Disposition',
} as const;

/**
 * The response codes RFC 4975 defines (§10.1–§10.10) with the comment this engine writes. The
 * comment is free text (§9 `comment = utf8text`); receivers must never judge it.
 */
export const STATUS_COMMENT: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  413: 'Stop Sending Message',
  415: 'Unsupported Media Type',
  423: 'Parameter Out Of Bounds',
  481: 'No Such Session',
  501: 'Unknown Method',
  506: 'Session Already Bound',
};

/** First value of a header field, matched case-insensitively (§9 ABNF literals are case-insensitive). */
export function header(frame: Pick<MsrpFrame, 'headers'>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const h of frame.headers) if (h.name.toLowerCase() === lower) return h.value;
  return undefined;
}

/** Every value of a header field, in wire order. */
export function headers(frame: Pick<MsrpFrame, 'headers'>, name: string): string[] {
  const lower = name.toLowerCase();
  return frame.headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value);
}

/** The first line as written by the serializer: `MSRP <tid> <method>` or `MSRP <tid> <code>[ <comment>]` (§9 req-start / resp-start). */
export function startLine(frame: MsrpFrame): string {
  if (frame.kind === 'request') return `MSRP ${frame.transactionId} ${frame.method}`;
  return `MSRP ${frame.transactionId} ${String(frame.status).padStart(3, '0')}${frame.comment !== undefined ? ` ${frame.comment}` : ''}`;
}

/** The end-line without its CRLF: seven dashes, the transaction id, the flag (§9 end-line). */
export function endLine(transactionId: string, flag: ContinuationFlag): string {
  return `-------${transactionId}${flag}`;
}
