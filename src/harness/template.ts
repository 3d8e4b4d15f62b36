/**
 * Message templates (TTCN-3 style, as `tr_*` receive templates in the ETSI ATS): partial matchers
 * on start line, headers, URI parts and values derived from the message, often built from values
 * received earlier ("the CANCEL must carry that INVITE's Call-ID"). One template both decides
 * (matchMessage: the list of mismatches, so a failure says exactly which field differed) and
 * renders the expectation (renderTemplate: what the report shows as expected), so the two cannot
 * drift apart. A case judges a message with `t.expect(requirement, actual, template, message)`.
 */
import type { SipMessage } from '../sip/message';
import { header, headerFields, headerValues, startLine } from '../sip/message';
import type { TraceEntry } from '../sip/transport/tap';

/** A predicate with the rule it stands for, rendered as that rule. */
export interface Rule {
  rule: string;
  test: (value: string | undefined, msg: SipMessage) => boolean;
}

/**
 * string or number = equal (case-sensitive); RegExp = test; `absent` / `present`; `values` = the
 * header's values, comma-split (RFC 3261 §7.3.1), exactly these in this order (`[]`: absent), with
 * `why` the rule they follow, shown beside them; a
 * Rule = its test, shown as its text; a function = predicate returning true or the expectation.
 */
export type FieldMatcher =
  | string
  | number
  | RegExp
  | { absent: true }
  | { present: true }
  | { values: string[]; why?: string }
  | Rule
  | ((value: string | undefined, msg: SipMessage) => boolean | string);

/**
 * A value the template derives from the message (or from its trace entry: where it came from)
 * rather than reads from one header: "the Vias below the top", "the sipfrag status line".
 */
export interface DerivedField {
  field: string;
  of: (msg: SipMessage, entry: TraceEntry | undefined) => string | undefined;
  is: FieldMatcher;
}

export interface MessageTemplate {
  /** Short name shown in reports, e.g. "BYE from PF A". */
  name?: string;
  method?: string;
  status?: number | { from: number; to: number };
  uri?: FieldMatcher;
  headers?: Record<string, FieldMatcher>;
  derived?: DerivedField[];
  /** Predicate over the whole message for anything else; `what` is what it requires. */
  where?: Array<{ what: string; test: (msg: SipMessage) => boolean | string }>;
}

export interface Mismatch {
  field: string;
  expected: string;
  actual: string;
}

function isRule(m: FieldMatcher): m is Rule {
  return typeof m === 'object' && !(m instanceof RegExp) && 'rule' in m;
}

function describeMatcher(m: FieldMatcher): string {
  if (typeof m === 'string' || typeof m === 'number') return String(m);
  if (m instanceof RegExp) return `/${m.source}/${m.flags}`;
  if (typeof m === 'function') return m.name && m.name !== 'anonymous' ? `${m.name}()` : 'a value satisfying the rule';
  if (isRule(m)) return m.rule;
  if ('values' in m) return `${m.values.length === 0 ? '(absent)' : m.values.join(', ')}${m.why ? ` (${m.why})` : ''}`;
  return 'absent' in m ? '(absent)' : '(present)';
}

/** true, or the expectation the value missed. */
function test(m: FieldMatcher, value: string | undefined, msg: SipMessage, values: () => string[]): true | string {
  if (typeof m === 'string' || typeof m === 'number') return value === String(m) ? true : String(m);
  if (m instanceof RegExp) return value !== undefined && m.test(value) ? true : describeMatcher(m);
  if (typeof m === 'function') {
    const r = m(value, msg);
    return r === true ? true : typeof r === 'string' ? r : describeMatcher(m);
  }
  if (isRule(m)) return m.test(value, msg) ? true : m.rule;
  if ('values' in m) {
    const got = values();
    return got.length === m.values.length && got.every((v, i) => v === m.values[i]) ? true : describeMatcher(m);
  }
  if ('absent' in m) return value === undefined ? true : '(absent)';
  return value !== undefined ? true : '(present)';
}

/** The fields of `msg` that miss `tpl` (none: it matches). `entry` is the message's trace entry, for derived fields that need it. */
export function matchMessage(msg: SipMessage, tpl: MessageTemplate, entry?: TraceEntry): Mismatch[] {
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
    const r = test(tpl.uri, actual, msg, () => (actual === undefined ? [] : [actual]));
    if (r !== true) out.push({ field: 'Request-URI', expected: r, actual: actual ?? '(response)' });
  }
  for (const [name, m] of Object.entries(tpl.headers ?? {})) {
    const fields = headerFields(msg, name);
    const actual = fields.length === 0 ? undefined : fields.map((f) => f.value).join(', ');
    const r = test(m, actual, msg, () => headerValues(msg, name));
    if (r !== true) out.push({ field: name, expected: r, actual: actual ?? '(absent)' });
  }
  for (const d of tpl.derived ?? []) {
    const actual = d.of(msg, entry);
    const r = test(d.is, actual, msg, () => (actual === undefined ? [] : [actual]));
    if (r !== true) out.push({ field: d.field, expected: r, actual: actual ?? '(absent)' });
  }
  for (const w of tpl.where ?? []) {
    const r = w.test(msg);
    if (r !== true) out.push({ field: w.what, expected: typeof r === 'string' ? r : w.what, actual: typeof r === 'string' ? '' : 'not satisfied' });
  }
  return out;
}

/** One line: for a wait's description ("REFER or INVITE at A2"). */
export function describeTemplate(tpl: MessageTemplate): string {
  const parts: string[] = [];
  if (tpl.name) parts.push(tpl.name + ':');
  if (tpl.method) parts.push(tpl.method);
  if (tpl.status !== undefined) parts.push(typeof tpl.status === 'number' ? String(tpl.status) : `${tpl.status.from}-${tpl.status.to}`);
  if (tpl.uri !== undefined) parts.push(`R-URI ${describeMatcher(tpl.uri)}`);
  for (const [n, m] of Object.entries(tpl.headers ?? {})) parts.push(`${n}: ${describeMatcher(m)}`);
  for (const d of tpl.derived ?? []) parts.push(`${d.field}: ${describeMatcher(d.is)}`);
  for (const w of tpl.where ?? []) parts.push(w.what);
  return parts.join(' ');
}

/**
 * The template as the message it expects, one field a line, SIP-like ("CANCEL sip:…", "CSeq: 1
 * CANCEL", "Require: (absent)"): the expected side of a finding and of the report's check box.
 */
export function renderTemplate(tpl: MessageTemplate): string {
  const lines: string[] = [];
  if (tpl.method !== undefined) lines.push(`${tpl.method} ${tpl.uri === undefined ? '<any Request-URI>' : describeMatcher(tpl.uri)}`);
  else if (tpl.status !== undefined) lines.push(`SIP/2.0 ${typeof tpl.status === 'number' ? tpl.status : `${tpl.status.from}-${tpl.status.to}`}`);
  else if (tpl.uri !== undefined) lines.push(`Request-URI: ${describeMatcher(tpl.uri)}`);
  for (const [n, m] of Object.entries(tpl.headers ?? {})) lines.push(`${n}: ${describeMatcher(m)}`);
  for (const d of tpl.derived ?? []) lines.push(`${d.field}: ${describeMatcher(d.is)}`);
  for (const w of tpl.where ?? []) lines.push(w.what);
  return (tpl.name ? [`(${tpl.name})`, ...lines] : lines).join('\n');
}

/** The header names a template judges (highlighted in the report). */
export function templateFields(tpl: MessageTemplate): string[] {
  return [...Object.keys(tpl.headers ?? {}), ...(tpl.derived ?? []).map((d) => d.field)];
}

export function formatMismatches(ms: Mismatch[]): string {
  return ms.map((m) => `${m.field}: expected ${m.expected}, got ${m.actual || '(n/a)'}`).join('; ');
}

/** Cheap label for a message in findings. */
export function labelOf(msg: SipMessage): string {
  const cseq = header(msg, 'CSeq');
  return `${startLine(msg)}${cseq ? ` (CSeq ${cseq})` : ''}`;
}
