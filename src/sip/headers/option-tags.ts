/**
 * Token-list headers: Require / Supported / Proxy-Require / Unsupported (option-tags,
 * RFC 3261 §19.2, §20.32, §20.37) and Allow (methods, §20.5). Elements are comma separated
 * across all fields of the header (§7.3.1); an element that is not a token is skipped.
 */
import type { SipMessage } from '../message';
import { headerValues } from '../message';
import { isToken } from './lex';

export function tokenList(msg: Pick<SipMessage, 'headers'>, name: string): string[] {
  return headerValues(msg, name).filter(isToken);
}

export function requireTags(msg: Pick<SipMessage, 'headers'>): string[] {
  return tokenList(msg, 'require');
}

export function supportedTags(msg: Pick<SipMessage, 'headers'>): string[] {
  return tokenList(msg, 'supported');
}

/** Allowed methods, as written (methods are case-sensitive, §7.1). */
export function allowMethods(msg: Pick<SipMessage, 'headers'>): string[] {
  return tokenList(msg, 'allow');
}
