/**
 * Content-Length (RFC 3261 §20.14, counted in octets) and Content-Type (§20.15, media-type
 * `type "/" subtype *(SEMI m-parameter)`).
 */
import type { SipMessage } from '../../../../src/sip/message';
import { header } from '../../../../src/sip/message';
import { isToken, parseParams, unquote, type Params } from './lex';

export function parseContentLength(value: string): number | null {
  const v = value.trim();
  return /^[0-9]{1,10}$/.test(v) ? Number(v) : null;
}

export function contentLength(msg: Pick<SipMessage, 'headers'>): number | null {
  const v = header(msg, 'content-length');
  return v === undefined ? null : parseContentLength(v);
}

export interface ContentType {
  type: string;
  subtype: string;
  /** `type/subtype` lower-cased, for comparisons (media types are case-insensitive). */
  mediaType: string;
  /** m-parameters; names lower-cased, values unquoted. */
  params: Record<string, string>;
}

export function parseContentType(value: string): ContentType | null {
  const s = value.trim();
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  let end = slash + 1;
  while (end < s.length && s[end] !== ';' && s[end] !== ' ' && s[end] !== '\t') end++;
  const type = s.slice(0, slash).trim();
  const subtype = s.slice(slash + 1, end);
  if (!isToken(type) || !isToken(subtype)) return null;
  const p = parseParams(s, end);
  if (!p || p.end !== s.length) return null;
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.params as Params)) params[k] = v === null ? '' : unquote(v);
  return { type, subtype, mediaType: `${type}/${subtype}`.toLowerCase(), params };
}

export function contentType(msg: Pick<SipMessage, 'headers'>): ContentType | null {
  const v = header(msg, 'content-type');
  return v === undefined ? null : parseContentType(v);
}
