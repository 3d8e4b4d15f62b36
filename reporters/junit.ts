/**
 * JUnit XML for CI systems without Allure: one <testsuite> per spec feature, one <testcase> per
 * case variant. FAIL → <failure>, INCONC / ERROR → <error>, N/A → <skipped> with the ICS reason,
 * a known deviation of the baseline → <skipped> (it does not fail the run), NON-STRICT → passed
 * with the unmet SHOULD in <system-out> and a property.
 */
import { VERDICT_LABEL } from '../src/harness/verdict';
import { BASELINE_LABEL, type BaselineStatus } from './baseline';
import type { VerdictRecord } from './verdict-log';

/** XML 1.0 text: markup escaped, forbidden control characters shown as \xNN. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function reasonText(r: VerdictRecord): string {
  if (!r.reason) return VERDICT_LABEL[r.verdict];
  return [
    `${VERDICT_LABEL[r.verdict]}${r.reason.requirement ? ` ${r.reason.requirement}` : ''}${r.reason.step ? ` (step ${r.reason.step})` : ''}: ${r.reason.message}`,
    r.reason.expected ? `expected: ${r.reason.expected}` : '',
  ].filter(Boolean).join('\n');
}

export function junitXml(records: readonly VerdictRecord[], opts: { name?: string; baseline?: Map<string, BaselineStatus>; timestamp?: Date } = {}): string {
  const byFeature = new Map<string, VerdictRecord[]>();
  for (const r of records) byFeature.set(r.feature, [...(byFeature.get(r.feature) ?? []), r]);
  const ts = (opts.timestamp ?? new Date()).toISOString().replace(/\.\d+Z$/, '');
  const suites: string[] = [];
  let total = 0, failures = 0, errors = 0, skipped = 0, time = 0;
  for (const [feature, recs] of byFeature) {
    let f = 0, e = 0, s = 0, t = 0;
    const cases = recs.map((r) => {
      const status = opts.baseline?.get(r.key);
      const secs = r.durationMs / 1000;
      t += secs;
      const props: string[] = [`<property name="verdict" value="${xmlEscape(r.verdict)}"/>`, `<property name="requirements" value="${xmlEscape(r.requirements.join(' '))}"/>`];
      if (status) props.push(`<property name="baseline" value="${xmlEscape(status)}"/>`);
      if (r.artifacts) props.push(`<property name="ladder" value="${xmlEscape(r.artifacts.ladder)}"/>`, `<property name="pcap" value="${xmlEscape(r.artifacts.pcap)}"/>`);
      let inner = `<properties>${props.join('')}</properties>`;
      const text = reasonText(r);
      const first = text.split('\n')[0].slice(0, 500);
      if (status === 'known') {
        s++;
        inner += `<skipped message="${xmlEscape(`${BASELINE_LABEL.known}: ${first}`)}"/>`;
      } else if (r.verdict === 'fail') {
        f++;
        inner += `<failure message="${xmlEscape(first)}" type="FAIL">${xmlEscape(text)}</failure>`;
      } else if (r.verdict === 'inconclusive' || r.verdict === 'error') {
        e++;
        inner += `<error message="${xmlEscape(first)}" type="${VERDICT_LABEL[r.verdict]}">${xmlEscape(text)}</error>`;
      } else if (r.verdict === 'n/a') {
        s++;
        inner += `<skipped message="${xmlEscape(r.reason?.message ?? 'not applicable')}"/>`;
      } else if (r.verdict === 'non-strict') {
        inner += `<system-out>${xmlEscape(text)}</system-out>`;
      }
      if (status === 'fixed') inner += `<system-out>${xmlEscape(BASELINE_LABEL.fixed)}</system-out>`;
      return `    <testcase name="${xmlEscape(`${r.key} ${r.title}`)}" classname="${xmlEscape(`${r.id}`)}" time="${secs.toFixed(3)}">${inner}</testcase>`;
    });
    total += recs.length; failures += f; errors += e; skipped += s; time += t;
    suites.push(`  <testsuite name="${xmlEscape(feature)}" tests="${recs.length}" failures="${f}" errors="${e}" skipped="${s}" time="${t.toFixed(3)}" timestamp="${ts}">\n${cases.join('\n')}\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xmlEscape(opts.name ?? 'cpm-conformance')}" tests="${total}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time.toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
