/**
 * Building requests and responses the way a well-behaved UA does (RFC 3261 §8.1.1, §8.2.6,
 * §9.1, §17.1.1.3). The harness sends odd messages by editing what these return, never by
 * making these helpers lenient.
 */
import type { HeaderField, SipRequest, SipResponse } from './message';
import { addHeader, header, headerFields, setHeader } from './message';
import { formatNameAddr, parseNameAddr } from './headers/name-addr';
import { headerValues } from './message';
import { cseq } from './headers/cseq';
import { newCallId, newTag } from './ids';
import { authorize, parseDigestChallenge, type AuthorizeInput } from './digest';

/** Reason phrases of the status codes the harness sends (RFC 3261 §21 and extensions). */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted', 300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  407: 'Proxy Authentication Required', 408: 'Request Timeout', 420: 'Bad Extension', 423: 'Interval Too Brief',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected', 483: 'Too Many Hops',
  486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here', 489: 'Bad Event', 491: 'Request Pending',
  500: 'Server Internal Error', 501: 'Not Implemented', 503: 'Service Unavailable', 504: 'Server Time-out',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

/** Methods whose 1xx/2xx responses establish a dialog, so Record-Route is copied (§12.1.1, RFC 6665, RFC 3515). */
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

function withTag(value: string, tag: string): string {
  const na = parseNameAddr(value);
  if (!na) return `${value};tag=${tag}`;
  return formatNameAddr({ ...na, params: { ...na.params, tag } });
}

function hasTag(value: string | undefined): boolean {
  if (value === undefined) return false;
  const t = parseNameAddr(value)?.params['tag'];
  return typeof t === 'string' && t.length > 0;
}

/**
 * A response to `req` (§8.2.6.2): Via (every field, in order), From, To, Call-ID and CSeq copied;
 * a To tag added when the request had none, except on 100 Trying (toTag chooses it, else a fresh
 * one); Record-Route copied on 101–299 to dialog-creating requests (§12.1.1).
 */
export function createResponse(req: SipRequest, status: number, reason?: string, opts: { toTag?: string } = {}): SipResponse {
  const res: SipResponse = {
    kind: 'response', version: 'SIP/2.0', status, reason: reason ?? REASON_PHRASES[status] ?? 'Unknown', headers: [], body: Buffer.alloc(0),
  };
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    for (const f of headerFields(req, name)) res.headers.push({ name: f.name, value: f.value });
  }
  const to = header(res, 'To');
  if (to !== undefined && !hasTag(to) && (status > 100 || opts.toTag !== undefined)) setHeader(res, 'To', withTag(to, opts.toTag ?? newTag()));
  if (status > 100 && status < 300 && DIALOG_CREATING.has(req.method)) {
    for (const f of headerFields(req, 'Record-Route')) res.headers.push({ name: f.name, value: f.value });
  }
  return res;
}

export interface RequestInit {
  method: string;
  uri: string;
  /** From value; a tag is added when it has none (§8.1.1.3). */
  from: string;
  to: string;
  callId?: string;
  cseq?: number;
  contact?: string;
  maxForwards?: number;
  extra?: HeaderField[];
  body?: Buffer;
  contentType?: string;
}

/** An out-of-dialog request (§8.1.1) without a Via: the endpoint pushes its own (§8.1.1.7). */
export function createRequest(init: RequestInit): SipRequest {
  const req: SipRequest = {
    kind: 'request', version: 'SIP/2.0', method: init.method, uri: init.uri,
    headers: [
      { name: 'Max-Forwards', value: String(init.maxForwards ?? 70) },
      { name: 'From', value: hasTag(init.from) ? init.from : withTag(init.from, newTag()) },
      { name: 'To', value: init.to },
      { name: 'Call-ID', value: init.callId ?? newCallId() },
      { name: 'CSeq', value: `${init.cseq ?? 1} ${init.method}` },
    ],
    body: init.body ?? Buffer.alloc(0),
  };
  if (init.contact !== undefined) addHeader(req, 'Contact', init.contact);
  for (const h of init.extra ?? []) req.headers.push({ ...h });
  if (init.body && init.contentType) addHeader(req, 'Content-Type', init.contentType);
  return req;
}

function topViaValue(req: SipRequest): string | undefined {
  return headerValues(req, 'Via')[0];
}

/** Headers shared by CANCEL (§9.1) and the ACK of a non-2xx (§17.1.1.3): single Via = the INVITE's top Via, Route copied. */
function sameTransactionRequest(invite: SipRequest, method: string, to: string | undefined): SipRequest {
  const req: SipRequest = { kind: 'request', version: 'SIP/2.0', method, uri: invite.uri, headers: [], body: Buffer.alloc(0) };
  const via = topViaValue(invite);
  if (via !== undefined) req.headers.push({ name: 'Via', value: via });
  req.headers.push({ name: 'Max-Forwards', value: '70' });
  const from = header(invite, 'From');
  if (from !== undefined) req.headers.push({ name: 'From', value: from });
  if (to !== undefined) req.headers.push({ name: 'To', value: to });
  const cid = header(invite, 'Call-ID');
  if (cid !== undefined) req.headers.push({ name: 'Call-ID', value: cid });
  req.headers.push({ name: 'CSeq', value: `${cseq(invite)?.seq ?? 1} ${method}` });
  for (const f of headerFields(invite, 'Route')) req.headers.push({ name: f.name, value: f.value });
  return req;
}

/** CANCEL for an INVITE (§9.1): same R-URI, Call-ID, To, From, CSeq number; single Via = INVITE top Via; Route copied. */
export function createCancel(invite: SipRequest, extra: HeaderField[] = []): SipRequest {
  const req = sameTransactionRequest(invite, 'CANCEL', header(invite, 'To'));
  for (const h of extra) req.headers.push({ ...h });
  return req;
}

/** ACK for a non-2xx final response, built inside the client INVITE transaction (§17.1.1.3): To from the response. */
export function createNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  return sameTransactionRequest(invite, 'ACK', header(response, 'To') ?? header(invite, 'To'));
}

export interface Credentials {
  username: string;
  password: string;
}

/**
 * The retry of a request challenged with 401/407 (§22.2, §8.1.3.5): the same request without
 * its Via (the endpoint pushes a new one, so a new branch), CSeq + 1, and Authorization (401)
 * or Proxy-Authorization (407) answering the challenge. Null when the response carries no
 * usable Digest challenge.
 */
export function authorizedRetry(req: SipRequest, challenge: SipResponse, creds: Credentials, nc = 1, realm?: string): SipRequest | null {
  const hdr = challenge.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
  // §22.3: one challenge per realm may come; with a configured realm only that one is answered.
  const values = headerFields(challenge, hdr).map((f) => f.value);
  const value = realm === undefined ? values[0] : values.find((v) => parseDigestChallenge(v)?.realm === realm);
  if (value === undefined) return null;
  const retry: SipRequest = { ...req, headers: req.headers.filter((h) => !/^(via|v)$/i.test(h.name)).map((h) => ({ ...h })), body: Buffer.from(req.body) };
  const seq = (cseq(req)?.seq ?? 0) + 1;
  setHeader(retry, 'CSeq', `${seq} ${req.method}`);
  const input: AuthorizeInput = { username: creds.username, password: creds.password, method: req.method, uri: req.uri, body: req.body };
  let authorization: string;
  try {
    authorization = authorize(value, input, nc);
  } catch {
    return null;
  }
  setHeader(retry, challenge.status === 407 ? 'Proxy-Authorization' : 'Authorization', authorization);
  return retry;
}
