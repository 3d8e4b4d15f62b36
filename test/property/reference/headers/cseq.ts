/** CSeq (RFC 3261 §20.16, §25.1): `1*DIGIT LWS Method`. Range checks (< 2^31, §8.1.1.5) are the linter's job. */
import type { SipMessage } from '../../../../src/sip/message';
import { header } from '../../../../src/sip/message';
import { isToken } from './lex';

export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(value: string): CSeq | null {
  const m = /^[ \t]*([0-9]{1,15})[ \t]+(\S+)[ \t]*$/.exec(value);
  if (!m || !isToken(m[2] as string)) return null;
  return { seq: Number(m[1]), method: m[2] as string };
}

export function cseq(msg: Pick<SipMessage, 'headers'>): CSeq | null {
  const v = header(msg, 'cseq');
  return v === undefined ? null : parseCSeq(v);
}
