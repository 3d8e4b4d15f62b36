/**
 * Headers that name a dialog by Call-ID and tags:
 *   Replaces (RFC 3891 §6.1): `callid *(SEMI (to-tag / from-tag / early-only / generic-param))`
 *   Target-Dialog (RFC 4538 §7): `callid *(SEMI (local-tag / remote-tag / generic-param))`
 * Both need both tags to identify a dialog, so a value lacking one is rejected (null).
 */
import type { SipMessage } from '../message';
import { header } from '../message';
import { formatParams, parseParams, type Params } from './lex';

export interface Replaces {
  callId: string;
  toTag: string;
  fromTag: string;
  earlyOnly: boolean;
  params: Params;
}

export interface TargetDialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  params: Params;
}

function split(value: string): { callId: string; params: Params } | null {
  const s = value.trim();
  const semi = s.indexOf(';');
  const callId = (semi < 0 ? s : s.slice(0, semi)).trim();
  if (callId.length === 0 || /[\s,]/.test(callId)) return null;
  const p = parseParams(s, semi < 0 ? s.length : semi);
  if (!p || p.end !== s.length) return null;
  return { callId, params: p.params };
}

export function parseReplaces(value: string): Replaces | null {
  const b = split(value);
  const to = b?.params['to-tag'];
  const from = b?.params['from-tag'];
  if (!b || typeof to !== 'string' || typeof from !== 'string') return null;
  return { callId: b.callId, toTag: to, fromTag: from, earlyOnly: 'early-only' in b.params, params: b.params };
}

export function formatReplaces(r: Replaces): string {
  const params: Params = { ...r.params, 'to-tag': r.toTag, 'from-tag': r.fromTag };
  if (r.earlyOnly) params['early-only'] = null;
  else delete params['early-only'];
  return r.callId + formatParams(params);
}

export function parseTargetDialog(value: string): TargetDialog | null {
  const b = split(value);
  const local = b?.params['local-tag'];
  const remote = b?.params['remote-tag'];
  if (!b || typeof local !== 'string' || typeof remote !== 'string') return null;
  return { callId: b.callId, localTag: local, remoteTag: remote, params: b.params };
}

export function formatTargetDialog(t: TargetDialog): string {
  return t.callId + formatParams({ ...t.params, 'local-tag': t.localTag, 'remote-tag': t.remoteTag });
}

export function replaces(msg: Pick<SipMessage, 'headers'>): Replaces | null {
  const v = header(msg, 'replaces');
  return v === undefined ? null : parseReplaces(v);
}

export function targetDialog(msg: Pick<SipMessage, 'headers'>): TargetDialog | null {
  const v = header(msg, 'target-dialog');
  return v === undefined ? null : parseTargetDialog(v);
}
