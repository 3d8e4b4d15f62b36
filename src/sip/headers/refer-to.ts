/**
 * Refer-To (RFC 3515 §2.1) and Referred-By (RFC 3892 §3). The Refer-To URI may embed headers
 * for the triggered request, escaped per §19.1.1 — e.g. `?Replaces=12345%40host%3Bto-tag%3D1`
 * (RFC 3891 §3) or `?Target-Dialog=...` (RFC 4538). They are exposed unescaped once.
 */
import type { SipMessage } from '../message';
import { header } from '../message';
import { parseUri, type SipUri } from '../uri';
import { parseNameAddr, type NameAddr } from './name-addr';

export interface ReferTo extends NameAddr {
  /** The parsed URI, null when it is not a well-formed URI. */
  parsedUri: SipUri | null;
  /** Headers embedded in the URI, values unescaped once (`Replaces`, `Target-Dialog`, ...). */
  embeddedHeaders: Record<string, string>;
}

export function parseReferTo(value: string): ReferTo | null {
  const n = parseNameAddr(value);
  if (!n) return null;
  const parsedUri = parseUri(n.uri);
  return { ...n, parsedUri, embeddedHeaders: parsedUri ? { ...parsedUri.headers } : {} };
}

export function referTo(msg: Pick<SipMessage, 'headers'>): ReferTo | null {
  const v = header(msg, 'refer-to');
  return v === undefined ? null : parseReferTo(v);
}

/** Embedded header by case-insensitive name (`replaces`, `Replaces` alike). */
export function embeddedHeader(r: ReferTo, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(r.embeddedHeaders)) if (k.toLowerCase() === want) return v;
  return undefined;
}

export function referredBy(msg: Pick<SipMessage, 'headers'>): NameAddr | null {
  const v = header(msg, 'referred-by');
  return v === undefined ? null : parseNameAddr(v);
}
