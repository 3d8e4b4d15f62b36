/**
 * Content-Length (RFC 3261 §20.14, counted in octets) and Content-Type (§20.15, media-type
 * `type "/" subtype *(SEMI m-parameter)`).
 */
import type { SipMessage } from '../message';
import { header } from '../message';
import { isToken, isTokenCode, parseParams, scanParams, trimEnd, trimStart, unquote, PARAMS_BAD, type Params } from './lex';

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

/**
 * `parseContentType(value) !== null` without building the object (strict mode checks every
 * Content-Type, §25.1 media-type). test/property/shape.test.ts compares the two.
 */
export function isParsableContentType(value: string): boolean {
  const e = trimEnd(value, 0, value.length);
  const b = trimStart(value, 0, e);
  const slash = value.indexOf('/', b);
  if (slash < 0 || slash >= e) return false;
  // type: trimmed, then a token.
  const te = trimEnd(value, b, slash);
  if (te === b) return false;
  for (let j = b; j < te; j++) if (!isTokenCode(value.charCodeAt(j))) return false;
  let end = slash + 1;
  for (; end < e; end++) {
    const c = value.charCodeAt(end);
    if (c === 0x3b || c === 0x20 || c === 0x09) break;
    if (!isTokenCode(c)) return false;
  }
  if (end === slash + 1) return false;
  return scanParams(value, end, e) !== PARAMS_BAD;
}

export function contentType(msg: Pick<SipMessage, 'headers'>): ContentType | null {
  const v = header(msg, 'content-type');
  return v === undefined ? null : parseContentType(v);
}
