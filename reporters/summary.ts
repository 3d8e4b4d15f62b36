/** The end-of-run summary by requirement (docs/architecture.md, Verdicts verdicts, docs/cpm-sip-binding.md, Requirements catalogue order). */
import { REQUIREMENTS } from '../src/harness/requirements';
import { worst, VERDICT_LABEL, type Verdict } from '../src/harness/verdict';
import type { VerdictRecord } from './verdict-log';

export interface RequirementRow {
  id: string;
  level: string;
  clause: string;
  cases: number;
  counts: Record<Verdict, number>;
  verdict: Verdict | 'not tested';
}

export function requirementRows(records: VerdictRecord[]): RequirementRow[] {
  return REQUIREMENTS.map((req) => {
    const counts: Record<Verdict, number> = { pass: 0, 'non-strict': 0, inconclusive: 0, fail: 0, error: 0, 'n/a': 0 };
    const verdicts: Verdict[] = [];
    let cases = 0;
    for (const r of records) {
      if (!r.requirements.includes(req.id)) continue;
      cases++;
      // A case's verdict for this requirement: what it judged for it, else n/a / not reached.
      const v = r.verdict === 'n/a' ? 'n/a' : r.requirementVerdicts[req.id] ?? (r.verdict === 'error' || r.verdict === 'inconclusive' ? r.verdict : undefined);
      if (v === undefined) continue;
      counts[v]++;
      if (v !== 'n/a') verdicts.push(v);
    }
    const verdict: RequirementRow['verdict'] = verdicts.length > 0 ? worst(verdicts) : cases > 0 && counts['n/a'] === cases ? 'n/a' : 'not tested';
    return { id: req.id, level: req.level, clause: `${req.clause}`, cases, counts, verdict };
  }).filter((r) => r.cases > 0);
}

export function formatSummary(records: VerdictRecord[]): string {
  const rows = requirementRows(records);
  const head = ['Requirement', 'Level', 'Cases', 'Pass', 'NonStr', 'Fail', 'Inconc', 'Error', 'N/A', 'Verdict'];
  const body = rows.map((r) => [r.id, r.level, String(r.cases), String(r.counts.pass), String(r.counts['non-strict']), String(r.counts.fail),
    String(r.counts.inconclusive), String(r.counts.error), String(r.counts['n/a']), r.verdict === 'not tested' ? 'NOT TESTED' : VERDICT_LABEL[r.verdict]]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  // A fixed order (pass first, n/a last), whatever order the cases finished in.
  const order: Verdict[] = ['pass', 'non-strict', 'fail', 'inconclusive', 'error', 'n/a'];
  const totals = order.map((v) => [v, records.filter((r) => r.verdict === v).length] as const).filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${VERDICT_LABEL[v].toLowerCase()}`).join(', ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), '', `${records.length} case variants: ${totals || 'none'}`].join('\n');
}
