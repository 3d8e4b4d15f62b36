/**
 * Reason (RFC 3326 §2): `protocol *(SEMI reason-params)`, reason-params = cause / text / ext,
 * e.g. `SIP;cause=200;text="Call completed elsewhere"` on a CANCEL (RFC 3326 §3, docs/cpm-sip-binding.md).
 */
import type { SipMessage } from '../message';
import { headerValues } from '../message';
import { formatParams, isTokenCode, parseParams, quote, unquote, type Params } from './lex';

export interface Reason {
  protocol: string;
  cause?: number;
  /** The text parameter, unquoted. */
  text?: string;
  params: Params;
}

export function parseReason(value: string): Reason | null {
  const s = value.trim();
  let i = 0;
  while (i < s.length && isTokenCode(s.charCodeAt(i))) i++;
  if (i === 0) return null;
  const p = parseParams(s, i);
  if (!p || p.end !== s.length) return null;
  const r: Reason = { protocol: s.slice(0, i), params: p.params };
  const cause = p.params['cause'];
  if (typeof cause === 'string') {
    if (!/^[0-9]{1,10}$/.test(cause)) return null;
    r.cause = Number(cause);
  }
  const text = p.params['text'];
  if (typeof text === 'string') r.text = unquote(text);
  return r;
}

export function formatReason(r: Reason): string {
  const params: Params = { ...r.params };
  if (r.cause !== undefined) params['cause'] = String(r.cause);
  if (r.text !== undefined) params['text'] = quote(r.text);
  return r.protocol + formatParams(params);
}

/** Every Reason value in order (a message may carry one per protocol, RFC 3326 §2). */
export function reasons(msg: Pick<SipMessage, 'headers'>): Reason[] {
  const out: Reason[] = [];
  for (const v of headerValues(msg, 'reason')) {
    const r = parseReason(v);
    if (r) out.push(r);
  }
  return out;
}
