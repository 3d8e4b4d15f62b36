/** Route / Record-Route (RFC 3261 §20.30, §20.34): comma lists of name-addr, in wire order. */
import type { SipMessage } from '../message';
import { headerValues } from '../message';
import { parseNameAddr, type NameAddr } from './name-addr';

export function routes(msg: Pick<SipMessage, 'headers'>, name: 'Route' | 'Record-Route'): NameAddr[] {
  const out: NameAddr[] = [];
  for (const v of headerValues(msg, name)) {
    const n = parseNameAddr(v);
    if (n) out.push(n);
  }
  return out;
}
