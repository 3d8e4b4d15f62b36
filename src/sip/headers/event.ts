/**
 * Event (RFC 6665 §8.2.1, was RFC 3265): `event-type *(SEMI event-param)`, with `id` telling
 * apart subscriptions of one dialog — REFER subscriptions use the REFER's CSeq (RFC 3515 §2.4.4)
 * — and Subscription-State (RFC 6665 §8.2.3): `active|pending|terminated` with reason/expires/retry-after.
 */
import type { SipMessage } from '../message';
import { header } from '../message';
import { isTokenCode, parseParams, type Params } from './lex';

export interface EventHeader {
  /** event-type, e.g. `refer`, `presence`, `conference` (token, compared case-sensitively). */
  package: string;
  id?: string;
  params: Params;
}

export interface SubscriptionState {
  /** Lower-cased state (`active`, `pending`, `terminated`, or an extension value). */
  state: string;
  reason?: string;
  expires?: number;
  retryAfter?: number;
  params: Params;
}

function leadingToken(s: string): number {
  let i = 0;
  while (i < s.length && isTokenCode(s.charCodeAt(i))) i++;
  return i;
}

export function parseEvent(value: string): EventHeader | null {
  const s = value.trim();
  const i = leadingToken(s);
  if (i === 0) return null;
  const p = parseParams(s, i);
  if (!p || p.end !== s.length) return null;
  const e: EventHeader = { package: s.slice(0, i), params: p.params };
  const id = p.params['id'];
  if (typeof id === 'string') e.id = id;
  return e;
}

export function event(msg: Pick<SipMessage, 'headers'>): EventHeader | null {
  const v = header(msg, 'event');
  return v === undefined ? null : parseEvent(v);
}

function seconds(v: string | null | undefined): number | undefined | null {
  if (v === undefined) return undefined;
  return typeof v === 'string' && /^[0-9]{1,10}$/.test(v) ? Number(v) : null;
}

export function parseSubscriptionState(value: string): SubscriptionState | null {
  const s = value.trim();
  const i = leadingToken(s);
  if (i === 0) return null;
  const p = parseParams(s, i);
  if (!p || p.end !== s.length) return null;
  const st: SubscriptionState = { state: s.slice(0, i).toLowerCase(), params: p.params };
  const reason = p.params['reason'];
  if (typeof reason === 'string') st.reason = reason;
  const expires = seconds(p.params['expires']);
  const retry = seconds(p.params['retry-after']);
  if (expires === null || retry === null) return null;
  if (expires !== undefined) st.expires = expires;
  if (retry !== undefined) st.retryAfter = retry;
  return st;
}

export function subscriptionState(msg: Pick<SipMessage, 'headers'>): SubscriptionState | null {
  const v = header(msg, 'subscription-state');
  return v === undefined ? null : parseSubscriptionState(v);
}
