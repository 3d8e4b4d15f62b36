/**
 * Transaction matching keys (RFC 3261 §17.1.3 client side, §17.2.3 server side, §9.2 CANCEL),
 * including the RFC 2543 fallback for requests whose branch lacks the magic cookie.
 */
import type { SipMessage, SipRequest } from '../message';
import { topVia } from '../headers/via';
import { cseq } from '../headers/cseq';
import { callId, fromTag, toTag } from '../headers/name-addr';
import { MAGIC_COOKIE } from '../ids';

/** §17.1.3: a response matches by its top Via branch and its CSeq method. */
export function clientKey(msg: SipMessage): string | null {
  const via = topVia(msg);
  const cs = cseq(msg);
  if (!via?.branch || !cs) return null;
  return `${via.branch}|${cs.method.toUpperCase()}`;
}

/** True when the top Via branch carries the RFC 3261 magic cookie (§8.1.1.7). */
export function hasMagicCookie(req: SipMessage): boolean {
  return topVia(req)?.branch?.startsWith(MAGIC_COOKIE) ?? false;
}

/**
 * §17.2.3 server key. With the magic cookie: branch + sent-by + method (ACK matches INVITE).
 * Without it (RFC 2543): Request-URI, To tag, From tag, Call-ID, CSeq and the top Via as a whole.
 * `method` overrides the CSeq method: CANCEL looks its INVITE up with 'INVITE' (§9.2).
 */
export function serverKey(req: SipRequest, method?: string): string | null {
  const via = topVia(req);
  const cs = cseq(req);
  if (!via || !cs) return null;
  let m = (method ?? cs.method).toUpperCase();
  if (m === 'ACK') m = 'INVITE';
  if (via.branch?.startsWith(MAGIC_COOKIE)) return `3261|${via.branch}|${via.host.toLowerCase()}:${via.port ?? ''}|${m}`;
  return `2543|${req.uri}|${toTag(req) ?? ''}|${fromTag(req) ?? ''}|${callId(req) ?? ''}|${cs.seq}|${m}|${via.raw}`;
}

/**
 * RFC 2543 ACK matching (§17.2.3): Request-URI, From tag, Call-ID, CSeq number and top Via equal
 * the INVITE's, and the To tag equals the To tag of the response the transaction sent.
 */
export function rfc2543AckMatches(ack: SipRequest, invite: SipRequest, responseToTag: string | null): boolean {
  const a = topVia(ack);
  const i = topVia(invite);
  return a !== null && i !== null && a.raw === i.raw && ack.uri === invite.uri && fromTag(ack) === fromTag(invite) &&
    callId(ack) === callId(invite) && cseq(ack)?.seq === cseq(invite)?.seq && toTag(ack) === responseToTag;
}

/** Key of the ACK for a 2xx (its own transaction, §13.3.1.4): the dialog and the INVITE's CSeq number. */
export function ack2xxKey(msg: SipMessage, localToTag?: string | null): string | null {
  const cid = callId(msg);
  const cs = cseq(msg);
  const to = localToTag === undefined ? toTag(msg) : localToTag;
  if (!cid || !cs || !to) return null;
  return `${cid}|${cs.seq}|${fromTag(msg) ?? ''}|${to}`;
}
