/**
 * The whole SIP exchange of one case as a self-contained HTML page (Allure attachment and a file
 * next to the results): the ladder on top, then every spec step with the messages it sent and
 * received, the headers an assertion looked at highlighted and the failing message outlined in
 * red with the expected template. Static markup only: no script, nothing loaded from anywhere,
 * every SUT octet escaped.
 */
import { canonicalName } from '../src/sip/message';
import type { CheckRecord } from '../src/harness/context';
import type { Finding } from '../src/harness/finding';
import { VERDICT_LABEL, type Verdict } from '../src/harness/verdict';
import { buildCaseView, checksBySeq, esc, wireMessages, type CaseEvidence, type CaseView, type SutAddress, type WireMessages } from './case-view';
import { renderLadder } from './ladder';
import { entryHeading } from './sip-text';
import { findingParts } from './finding-view';
import type { TraceEntry } from '../src/sip/transport/tap';

const START_FIELDS = new Set(['method', 'status', 'request-uri', 'start-line']);

/**
 * The pattern that finds a header name as a word of a check's text, per name as the message writes
 * it: built once, not once per check per header line of every message (issue 14, profiled).
 * Bounded like canonicalName's cache: header names are SUT input.
 */
const NAME_AS_WORD = new Map<string, RegExp>();
function nameAsWord(h: string): RegExp {
  let re = NAME_AS_WORD.get(h);
  if (re === undefined) {
    re = new RegExp(`(^|[^A-Za-z-])${h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^A-Za-z-]|$)`);
    if (NAME_AS_WORD.size >= 512) NAME_AS_WORD.clear();
    NAME_AS_WORD.set(h, re);
  }
  return re;
}

/** Header names a check looked at: the fields it named, and the message's headers its words mention. */
export function lookedAt(check: Pick<CheckRecord, 'fields' | 'expected' | 'message'>, headerNames: readonly string[]): Set<string> {
  const out = new Set(check.fields.map((f) => f.toLowerCase()));
  const words = `${check.expected ?? ''} ${check.message}`;
  for (const h of headerNames) {
    const canon = canonicalName(h);
    // The name as the message writes it (case-sensitive): "from PF B" in a sentence is no From header.
    if (h.length > 1 && nameAsWord(h).test(words)) out.add(canon.toLowerCase());
  }
  return out;
}

function verdictClass(v: Verdict | 'pass'): string {
  return v === 'pass' ? 'pass' : v === 'non-strict' ? 'warn' : v === 'n/a' ? 'na' : 'bad';
}

function renderMessage(e: TraceEntry, checks: CheckRecord[], finding: Finding | undefined): string {
  const text = e.raw.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const head = split >= 0 ? text.slice(0, split) : text;
  const body = split >= 0 ? text.slice(split + 4) : '';
  const lines = head.split(/\r?\n/);
  const cls = finding ? (finding.verdict === 'non-strict' ? 'msg warn' : 'msg bad') : checks.length ? 'msg checked' : 'msg';
  // No check and no finding on it (most messages): nothing to highlight, the lines escaped in one pass.
  const shown = checks.length === 0 && !finding ? esc(lines.join('\n')) : markedLines(lines, checks, finding);
  const checkList = checks.map((c) => `<li class="${verdictClass(c.verdict)}">${c.verdict === 'pass' ? '✓' : '✗'} ${c.requirement ? `<b>${esc(c.requirement)}</b> ` : ''}${esc(c.message)}${c.expected ? ` — expected: ${esc(c.expected)}` : ''}</li>`);
  return `<div class="${cls}" id="m${e.seq}"><div class="hop">${esc(entryHeading(e))}</div>` +
    (finding ? findingHtml(finding) : '') +
    `<pre>${shown}${body ? `\n\n${esc(body)}` : ''}</pre>` +
    (checkList.length ? `<ul class="checks">${checkList.join('')}</ul>` : '') + '</div>';
}

/** The header lines, each escaped, those a check or the finding looked at marked. */
function markedLines(lines: string[], checks: CheckRecord[], finding: Finding | undefined): string {
  const names = lines.slice(1).map((l) => l.split(':')[0].trim()).filter(Boolean);
  const hl = new Set<string>();
  for (const c of checks) for (const n of lookedAt(c, names)) hl.add(n);
  if (finding) for (const n of lookedAt({ fields: finding.fields ?? [], expected: finding.expected, message: finding.message }, names)) hl.add(n);
  return lines.map((l, i) => {
    const name = i === 0 ? 'start-line' : canonicalName(l.split(':')[0].trim()).toLowerCase();
    const mark = i === 0 ? [...hl].some((f) => START_FIELDS.has(f)) : hl.has(name);
    return mark ? `<mark class="looked-at">${esc(l)}</mark>` : esc(l);
  }).join('\n');
}

/** A finding as the page shows it: expected, actual (value and the message it came from), why expected. */
function findingHtml(f: Finding, href?: string): string {
  const p = findingParts(f);
  const rows = [`<b>${esc(p.head)}</b>: ${esc(p.message)}`];
  if (p.expected) rows.push(`<b>expected:</b> ${esc(p.expected)}`);
  if (p.actualValues.length) rows.push(`<b>actual:</b> <span class="actual">${esc(p.actualValues.join(' | '))}</span>`);
  else if (p.actualText) rows.push(`<b>actual:</b> <span class="actual">${esc(p.actualText)}</span>`);
  if (p.actualFrom) rows.push(`<b>${p.actualValues.length ? 'in' : 'actual'}:</b> ${href ? `<a href="${href}">${esc(p.actualFrom)}</a>` : esc(p.actualFrom)}`);
  if (p.why) rows.push(`<b>why expected:</b> ${esc(p.why)}`);
  return `<div class="finding ${verdictClass(f.verdict)}">${rows.join('<br>')}</div>`;
}

/** `view`, `wire`: the case's view and wire messages if the caller has them already (for the ladder), not built twice. */
export function renderExchange(r: CaseEvidence, sutAddresses: readonly SutAddress[] = [], ladderSvg?: string, view: CaseView = buildCaseView(r, sutAddresses), wire: WireMessages = wireMessages(r.trace)): string {
  const svg = (ladderSvg ?? renderLadder(view)).replace(/^<\?xml[^>]*>\s*/, '');
  const { kept, alias } = wire;
  const keptBySeq = new Map(kept.map((e) => [e.seq, e]));
  const canon = (s: number) => alias.get(s) ?? s;
  const checks = checksBySeq(r, alias);
  const findingOn = new Map(view.arrows.filter((a) => a.finding).map((a) => [a.seq, a.finding!]));
  const shown = new Set<number>();
  const sections: string[] = [];
  for (const s of r.steps) {
    const entries = s.entries.filter((e) => keptBySeq.has(canon(e.seq))).map((e) => keptBySeq.get(canon(e.seq))!);
    const uniq = [...new Map(entries.map((e) => [e.seq, e])).values()];
    uniq.forEach((e) => shown.add(e.seq));
    const stepFindings = s.findings.filter((f) => !f.actual);
    sections.push(`<section class="step ${verdictClass(s.verdict)}"><h2>${/^\d/.test(s.id) ? `Step ${esc(s.id)}` : esc(s.id)}: ${esc(s.title)} <span class="badge ${verdictClass(s.verdict)}">${VERDICT_LABEL[s.verdict]}</span></h2>` +
      stepFindings.map((f) => findingHtml(f)).join('') +
      (uniq.length ? uniq.map((e) => renderMessage(e, checks.get(e.seq) ?? [], findingOn.get(e.seq))).join('') : '<p class="none">no SIP message in this step</p>') + '</section>');
  }
  const rest = kept.filter((e) => !shown.has(e.seq));
  if (rest.length) sections.push(`<section class="step"><h2>Outside the spec steps (registration, set-up, tear-down)</h2>${rest.map((e) => renderMessage(e, checks.get(e.seq) ?? [], findingOn.get(e.seq))).join('')}</section>`);
  const reason = r.reason && r.verdict !== 'pass' ? findingHtml(r.reason, r.reason.actual ? `#m${canon(r.reason.actual.seq)}` : undefined) : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(`SIP exchange: ${r.key}`)}</title>
<style>
body{font-family:DejaVu Sans,Arial,sans-serif;margin:16px;color:#212121}
h1{font-size:18px} h2{font-size:15px;margin:18px 0 6px}
.badge{font-size:11px;padding:1px 6px;border-radius:3px;color:#fff}
.badge.pass{background:#2e7d32}.badge.warn{background:#ef6c00}.badge.bad{background:#c62828}.badge.na{background:#757575}
.msg{border:1px solid #cfd8dc;border-radius:4px;margin:8px 0;padding:4px 8px}
.msg.bad{border:2px solid #c62828;background:#fff5f5}.msg.warn{border:2px solid #ef6c00}.msg.checked{border-color:#90a4ae}
.hop{font-size:11px;color:#546e7a}
pre{font-size:12px;white-space:pre-wrap;word-break:break-all;margin:4px 0}
mark.looked-at{background:#fff59d;font-weight:bold}
.msg.bad mark.looked-at{background:#ffcdd2}
.finding{margin:6px 0;padding:6px;font-size:13px}.finding.bad{background:#ffebee;border-left:4px solid #c62828}.finding.warn{background:#fff3e0;border-left:4px solid #ef6c00}
ul.checks{font-size:12px;margin:4px 0;padding-left:18px} li.pass{color:#2e7d32} li.bad{color:#c62828} li.warn{color:#ef6c00}
.ladder-box{overflow-x:auto;border:1px solid #eceff1;margin:8px 0}
.legend{font-size:12px;color:#546e7a}
</style></head>
<body>
<h1>${esc(r.key)}${r.title ? ` — ${esc(r.title)}` : ''} <span class="badge ${verdictClass(r.verdict)}">${VERDICT_LABEL[r.verdict]}</span></h1>
${reason}
<p class="legend">Highlighted header lines are those an assertion looked at; a red outline marks the failing message. Hover an arrow of the ladder for its key headers.</p>
<div class="ladder-box">${svg}</div>
${sections.join('\n')}
</body></html>
`;
}
