/**
 * Contact (RFC 3261 §20.10): `*` (REGISTER removal, §10.2.2) or a list of name-addr with
 * contact-params `expires`, `q`, and RFC 5626 `+sip.instance`.
 */
import type { SipMessage } from '../message';
import { headerFields, headerValues } from '../message';
import { unquote } from './lex';
import { parseNameAddr, type NameAddr } from './name-addr';

/** Every Contact entry as a NameAddr, in order; the `*` form and unparseable entries are left out. */
export function contacts(msg: Pick<SipMessage, 'headers'>): NameAddr[] {
  const out: NameAddr[] = [];
  for (const v of headerValues(msg, 'contact')) {
    if (v === '*') continue;
    const n = parseNameAddr(v);
    if (n) out.push(n);
  }
  return out;
}

/** True when the message carries `Contact: *` (remove all bindings, §10.2.2). */
export function isContactStar(msg: Pick<SipMessage, 'headers'>): boolean {
  return headerValues(msg, 'contact').some((v) => v === '*');
}

/** The `+sip.instance` value without quotes and angle brackets (RFC 5626 §4.1), e.g. `urn:uuid:...`. */
export function contactInstance(c: NameAddr): string | null {
  const v = c.params['+sip.instance'];
  if (typeof v !== 'string') return null;
  const u = unquote(v).trim();
  return u.startsWith('<') && u.endsWith('>') ? u.slice(1, -1) : u;
}

/** The contact's `expires` parameter in seconds (§20.10), null when absent or not a number. */
export function contactExpires(c: NameAddr): number | null {
  const v = c.params['expires'];
  return typeof v === 'string' && /^[0-9]{1,10}$/.test(v) ? Number(v) : null;
}

/**
 * The public GRUU a registrar assigned to an instance (RFC 5627 §5.2): the `pub-gruu` parameter of
 * the Contact in the REGISTER's 2xx that carries that `+sip.instance`; undefined when none.
 */
export function contactPubGruu(msg: Pick<SipMessage, 'headers'>, instanceId: string): string | undefined {
  // Only a field holding the instance id (or a quoted-pair that may spell it) can carry this
  // device's Contact: the 200 lists every binding of the AoR (RFC 3261 §10.3 step 8), so splitting
  // and parsing each of a thousand devices' Contacts per REGISTER made registering them quadratic.
  const fields = headerFields(msg, 'contact').filter((f) => f.value.includes(instanceId) || f.value.includes('\\'));
  for (const c of contacts({ headers: fields })) {
    if (contactInstance(c) !== instanceId) continue;
    const g = c.params['pub-gruu'];
    if (typeof g === 'string' && g.length > 0) return unquote(g);
  }
  return undefined;
}
