/**
 * Message templates (TTCN-3 style): partial matchers on start line, headers, URI parts and SDP,
 * often built from values received earlier ("the CANCEL must carry that INVITE's Call-ID").
 * A match yields the list of mismatches, so a failure says exactly which field differed.
 */
import type { SipMessage } from '../sip/message';
import { header, headerFields, startLine } from '../sip/message';

/** string = equal (case-sensitive), RegExp = test, function = predicate returning true or a reason. */
export type FieldMatcher =
  | string
  | number
  | RegExp
  | { absent: true }
  | { present: true }
  | ((value: string | undefined, msg: SipMessage) => boolean | string);

export interface MessageTemplate {
  /** Short name shown in reports, e.g. "BYE from PF A". */
  name?: string;
  method?: string;
  status?: number | { from: number; to: number };
  uri?: FieldMatcher;
  headers?: Record<string, FieldMatcher>;
  /** Predicate over the whole message for anything else (SDP, Via list, ...). */
  where?: Array<{ what: string; test: (msg: SipMessage) => boolean | string }>;
}

export interface Mismatch {
  field: string;
  expected: string;
  actual: string;
}

function describeMatcher(m: FieldMatcher): string {
  if (typeof m === 'string' || typeof m === 'number') return JSON.stringify(String(m));
  if (m instanceof RegExp) return `/${m.source}/`;
  if (typeof m === 'function') return m.name && m.name !== 'anonymous' ? `${m.name}()` : 'a value satisfying the rule';
  return 'absent' in m ? 'absent' : 'present';
}

function test(m: FieldMatcher, value: string | undefined, msg: SipMessage): true | string {
  if (typeof m === 'string' || typeof m === 'number') return value === String(m) ? true : `${JSON.stringify(String(m))}`;
  if (m instanceof RegExp) return value !== undefined && m.test(value) ? true : `/${m.source}/`;
  if (typeof m === 'function') {
    const r = m(value, msg);
    return r === true ? true : typeof r === 'string' ? r : describeMatcher(m);
  }
  if ('absent' in m) return value === undefined ? true : 'absent';
  return value !== undefined ? true : 'present';
}

export function matchMessage(msg: SipMessage, tpl: MessageTemplate): Mismatch[] {
  const out: Mismatch[] = [];
  if (tpl.method !== undefined) {
    const actual = msg.kind === 'request' ? msg.method : `response ${msg.status}`;
    if (msg.kind !== 'request' || msg.method !== tpl.method) out.push({ field: 'method', expected: tpl.method, actual });
  }
  if (tpl.status !== undefined) {
    const ok = msg.kind === 'response' && (typeof tpl.status === 'number' ? msg.status === tpl.status : msg.status >= tpl.status.from && msg.status <= tpl.status.to);
    if (!ok) {
      out.push({
        field: 'status',
        expected: typeof tpl.status === 'number' ? String(tpl.status) : `${tpl.status.from}-${tpl.status.to}`,
        actual: msg.kind === 'response' ? String(msg.status) : `request ${msg.method}`,
      });
    }
  }
  if (tpl.uri !== undefined) {
    const actual = msg.kind === 'request' ? msg.uri : undefined;
    const r = test(tpl.uri, actual, msg);
    if (r !== true) out.push({ field: 'Request-URI', expected: r, actual: actual ?? '(response)' });
  }
  for (const [name, m] of Object.entries(tpl.headers ?? {})) {
    const fields = headerFields(msg, name);
    const actual = fields.length === 0 ? undefined : fields.map((f) => f.value).join(', ');
    const r = test(m, actual, msg);
    if (r !== true) out.push({ field: name, expected: r, actual: actual ?? '(absent)' });
  }
  for (const w of tpl.where ?? []) {
    const r = w.test(msg);
    if (r !== true) out.push({ field: w.what, expected: typeof r === 'string' ? r : w.what, actual: typeof r === 'string' ? '' : 'not satisfied' });
  }
  return out;
}

export function describeTemplate(tpl: MessageTemplate): string {
  const parts: string[] = [];
  if (tpl.name) parts.push(tpl.name + ':');
  if (tpl.method) parts.push(tpl.method);
  if (tpl.status !== undefined) parts.push(typeof tpl.status === 'number' ? String(tpl.status) : `${tpl.status.from}-${tpl.status.to}`);
  if (tpl.uri !== undefined) parts.push(`R-URI ${describeMatcher(tpl.uri)}`);
  for (const [n, m] of Object.entries(tpl.headers ?? {})) parts.push(`${n}: ${describeMatcher(m)}`);
  for (const w of tpl.where ?? []) parts.push(w.what);
  return parts.join(' ');
}

export function formatMismatches(ms: Mismatch[]): string {
  return ms.map((m) => `${m.field}: expected ${m.expected}, got ${m.actual || '(n/a)'}`).join('; ');
}

/** Cheap label for a message in findings. */
export function labelOf(msg: SipMessage): string {
  const cseq = header(msg, 'CSeq');
  return `${startLine(msg)}${cseq ? ` (CSeq ${cseq})` : ''}`;
}
