/** Max-Forwards (RFC 3261 §20.22): `1*DIGIT`; the 0–255 range is checked by the linter (§8.1.1.6). */
import type { SipMessage } from '../message';
import { header } from '../message';

export function parseMaxForwards(value: string): number | null {
  const v = value.trim();
  return /^[0-9]{1,10}$/.test(v) ? Number(v) : null;
}

export function maxForwards(msg: Pick<SipMessage, 'headers'>): number | null {
  const v = header(msg, 'max-forwards');
  return v === undefined ? null : parseMaxForwards(v);
}
