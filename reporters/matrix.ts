/**
 * The conformance matrix of a run (a PCTR, as ETSI conformance test reports have): every
 * requirement of the catalogue → the case variants that checked it → their verdicts → the spec
 * clause, with totals, the SUT identity and its ICS. Requirements no applicable case reached are
 * listed as not tested, with why. Published as conformance-report.json (schema:
 * schema/conformance-report.schema.json) and conformance-report.md.
 */
import { REQUIREMENTS, type Requirement } from '../src/harness/requirements';
import { worst, VERDICT_LABEL, type Verdict } from '../src/harness/verdict';
import { BASELINE_LABEL, type BaselineStatus } from './baseline';
import type { VerdictRecord } from './verdict-log';

export const REPORT_SCHEMA_ID = 'https://cpm-conformance.example/schema/conformance-report.schema.json';

export type MatrixVerdict = Verdict | 'not tested';

export interface MatrixCaseRef {
  key: string;
  id: string;
  /** The case variant's overall verdict. */
  verdict: Verdict;
  /** What the case judged for this requirement (absent: not reached). */
  requirementVerdict?: Verdict;
  baseline?: BaselineStatus;
}

export interface MatrixRow {
  id: string;
  feature: string;
  document: string;
  clause: string;
  level: string;
  summary: string;
  url?: string;
  verdict: MatrixVerdict;
  /** Why a requirement is not tested (no case, not applicable per ICS, not selected, not reached). */
  note?: string;
  counts: Record<Verdict, number>;
  cases: MatrixCaseRef[];
}

export interface MatrixCase {
  key: string;
  id: string;
  title: string;
  feature: string;
  transport: string;
  topology: string;
  devices: number[];
  verdict: Verdict;
  requirements: string[];
  requirementVerdicts: Record<string, Verdict>;
  reason?: VerdictRecord['reason'];
  durationMs: number;
  baseline?: BaselineStatus;
  artifacts?: VerdictRecord['artifacts'];
}

export interface ConformanceReport {
  $schema: string;
  format: 'cpm-conformance-report';
  version: 1;
  generatedAt: string;
  harness: { name: string; version: string };
  sut: { name: string; version?: string; seenOnWire: string[] };
  run: { transports: string[]; topologies: string[]; pfMode: string; strict: boolean; selection?: { grep?: string; requirement?: string; transport?: string } };
  ics: unknown;
  totals: {
    cases: number;
    byVerdict: Record<Verdict, number>;
    requirements: number;
    byRequirementVerdict: Record<MatrixVerdict, number>;
    byBaseline?: Record<BaselineStatus, number>;
  };
  /** The run's overall verdict (worst over cases, known deviations excluded when a baseline is used). */
  verdict: Verdict;
  baseline?: { file: string; createdAt?: string };
  requirements: MatrixRow[];
  cases: MatrixCase[];
}

export interface MatrixInput {
  records: readonly VerdictRecord[];
  sut: { name: string; version?: string };
  run: ConformanceReport['run'];
  ics: unknown;
  harnessVersion: string;
  baseline?: { file: string; createdAt?: string; status: Map<string, BaselineStatus> };
  /** Cases the suites hold per requirement (to tell "no case" from "not selected"). */
  catalogueCases?: Map<string, number>;
  now?: Date;
  catalogue?: readonly Requirement[];
}

const zero = (): Record<Verdict, number> => ({ pass: 0, 'non-strict': 0, inconclusive: 0, fail: 0, error: 0, 'n/a': 0 });

/** A case's verdict for one requirement it lists: what it judged, else error/inconclusive/n/a, else not reached. */
function requirementVerdictOf(r: VerdictRecord, id: string): Verdict | undefined {
  if (r.verdict === 'n/a') return 'n/a';
  return r.requirementVerdicts[id] ?? (r.verdict === 'error' || r.verdict === 'inconclusive' ? r.verdict : undefined);
}

export function buildMatrix(input: MatrixInput): ConformanceReport {
  const { records } = input;
  const status = input.baseline?.status;
  const catalogue = input.catalogue ?? REQUIREMENTS;
  const rows: MatrixRow[] = catalogue.map((req) => {
    const counts = zero();
    const cases: MatrixCaseRef[] = [];
    const judged: Verdict[] = [];
    for (const r of records) {
      if (!r.requirements.includes(req.id)) continue;
      const v = requirementVerdictOf(r, req.id);
      cases.push({ key: r.key, id: r.id, verdict: r.verdict, requirementVerdict: v, baseline: status?.get(r.key) });
      if (v === undefined) continue;
      counts[v]++;
      if (v !== 'n/a') judged.push(v);
    }
    const verdict: MatrixVerdict = judged.length ? worst(judged) : 'not tested';
    let note: string | undefined;
    // "Not reached" is its own reason: a case that ran and stopped before this check is no n/a.
    const unreached = records.filter((r) => r.requirements.includes(req.id) && r.verdict !== 'n/a' && requirementVerdictOf(r, req.id) === undefined);
    const reachNote = unreached.length
      ? `not reached in ${unreached.length} case(s): ${unreached.slice(0, 3).map((r) => `${r.key} stopped earlier (${VERDICT_LABEL[r.verdict]}${r.reason?.requirement ? ` ${r.reason.requirement}` : ''}${r.reason?.step ? ` at step ${r.reason.step}` : ''})`).join('; ')}${unreached.length > 3 ? '; …' : ''}`
      : undefined;
    if (verdict !== 'not tested') note = reachNote;
    else {
      const na = records.find((r) => r.requirements.includes(req.id) && r.verdict === 'n/a');
      const naWhy = na?.reason?.message.replace(/^not applicable: /, '') ?? 'n/a';
      const naKind = /^the target's (transport|topology) is/.test(naWhy) ? 'not applicable to the target configuration' : 'not applicable per ICS';
      if (reachNote) note = `${reachNote}${na ? `; other variants ${naKind}: ${naWhy}` : ''}`;
      else if (na) note = `${naKind}: ${naWhy}`;
      else if (cases.length) note = 'no case reached the check (an earlier step stopped it)';
      else if (input.catalogueCases && !input.catalogueCases.get(req.id)) note = 'no case in the suites checks it yet';
      else if (input.catalogueCases) note = 'not selected in this run';
      else note = 'no case of this run checks it';
    }
    return { id: req.id, feature: req.feature, document: req.document, clause: req.clause, level: req.level, summary: req.summary, url: req.url, verdict, note, counts, cases };
  });
  const byVerdict = zero();
  for (const r of records) byVerdict[r.verdict]++;
  const byRequirementVerdict: Record<MatrixVerdict, number> = { ...zero(), 'not tested': 0 };
  for (const row of rows) byRequirementVerdict[row.verdict]++;
  let byBaseline: Record<BaselineStatus, number> | undefined;
  if (status) {
    byBaseline = { pass: 0, regression: 0, known: 0, fixed: 0, new: 0 };
    for (const s of status.values()) byBaseline[s]++;
  }
  const counted = records.filter((r) => status?.get(r.key) !== 'known' && r.verdict !== 'n/a').map((r) => r.verdict);
  const seen = [...new Set(records.flatMap((r) => r.sutAgents))];
  return {
    $schema: REPORT_SCHEMA_ID,
    format: 'cpm-conformance-report',
    version: 1,
    generatedAt: (input.now ?? new Date()).toISOString(),
    harness: { name: 'cpm-conformance', version: input.harnessVersion },
    sut: { ...input.sut, seenOnWire: seen },
    run: input.run,
    ics: input.ics,
    totals: { cases: records.length, byVerdict, requirements: rows.length, byRequirementVerdict, byBaseline },
    verdict: worst(counted, records.length ? (records.every((r) => r.verdict === 'n/a') ? 'n/a' : 'pass') : 'n/a'),
    baseline: input.baseline ? { file: input.baseline.file, createdAt: input.baseline.createdAt } : undefined,
    requirements: rows,
    cases: records.map((r) => ({
      key: r.key, id: r.id, title: r.title, feature: r.feature, transport: r.variant.transport, topology: r.variant.topology, devices: r.variant.devices,
      verdict: r.verdict, requirements: r.requirements, requirementVerdicts: r.requirementVerdicts, reason: r.reason, durationMs: r.durationMs,
      baseline: status?.get(r.key), artifacts: r.artifacts,
    })),
  };
}

const label = (v: MatrixVerdict): string => (v === 'not tested' ? 'NOT TESTED' : VERDICT_LABEL[v]);
/** Markdown table cell: no pipes or line breaks from the data. */
const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function matrixMarkdown(m: ConformanceReport): string {
  const out: string[] = [];
  out.push(`# Conformance report: ${cell(m.sut.name)}${m.sut.version ? ` ${cell(m.sut.version)}` : ''}`, '');
  out.push(`Overall verdict: **${label(m.verdict)}** — generated ${m.generatedAt} by ${m.harness.name} ${m.harness.version}.`, '');
  out.push('## System under test', '');
  out.push('| | |', '|---|---|');
  out.push(`| SUT (configured) | ${cell(m.sut.name)}${m.sut.version ? ` ${cell(m.sut.version)}` : ''} |`);
  out.push(`| Seen on the wire (Server / User-Agent) | ${m.sut.seenOnWire.length ? m.sut.seenOnWire.map(cell).join('; ') : '(none sent)'} |`);
  out.push(`| Transports | ${m.run.transports.join(', ')} |`, `| Topologies | ${m.run.topologies.join(', ')} |`, `| PF mode | ${m.run.pfMode} |`);
  out.push(`| Strict (SHOULD counts as SHALL) | ${m.run.strict ? 'yes' : 'no'} |`);
  if (m.run.selection && Object.values(m.run.selection).some(Boolean)) out.push(`| Selection | ${cell(Object.entries(m.run.selection).filter(([, v]) => v).map(([k, v]) => `--${k} ${v}`).join(' '))} |`);
  if (m.baseline) out.push(`| Baseline of known deviations | ${cell(m.baseline.file)} |`);
  out.push('', '### ICS (implementation conformance statement)', '', '```json', JSON.stringify(m.ics, null, 2), '```', '');
  out.push('## Totals', '');
  const bv = m.totals.byVerdict;
  out.push(`- ${m.totals.cases} case variants: ${bv.pass} pass, ${bv['non-strict']} non-strict, ${bv.fail} fail, ${bv.inconclusive} inconclusive, ${bv.error} error, ${bv['n/a']} n/a`);
  const rv = m.totals.byRequirementVerdict;
  out.push(`- ${m.totals.requirements} requirements: ${rv.pass} pass, ${rv['non-strict']} non-strict, ${rv.fail} fail, ${rv.inconclusive} inconclusive, ${rv.error} error, ${rv['not tested']} not tested`);
  if (m.totals.byBaseline) {
    const b = m.totals.byBaseline;
    out.push(`- against the baseline: ${b.pass} pass, ${b.regression} regression (pass→FAIL), ${b.known} known deviation (xfail), ${b.fixed} fixed (xfail→PASS), ${b.new} new`);
  }
  out.push('', '## Requirements', '');
  out.push('| Requirement | Level | Clause | Verdict | Cases (verdict for this requirement) |', '|---|---|---|---|---|');
  for (const r of m.requirements) {
    const cases = r.cases.length
      ? r.cases.map((c) => `${cell(c.key)}: ${c.requirementVerdict ? VERDICT_LABEL[c.requirementVerdict] : 'not reached'}${c.baseline && c.baseline !== 'pass' ? ` (${BASELINE_LABEL[c.baseline]})` : ''}`).join('<br>')
      : '—';
    out.push(`| **${cell(r.id)}** — ${cell(r.summary)} | ${r.level} | ${cell(r.document)}, ${cell(r.clause)} | **${label(r.verdict)}**${r.note ? ` (${cell(r.note)})` : ''} | ${cases} |`);
  }
  out.push('', '## Case variants', '');
  out.push('| Case variant | Verdict | Baseline | Reason | Evidence |', '|---|---|---|---|---|');
  for (const c of m.cases) {
    const reason = c.verdict === 'pass' || !c.reason ? '' : `${c.reason.requirement ? `${cell(c.reason.requirement)} ` : ''}${c.reason.step ? `step ${cell(c.reason.step)}: ` : ''}${cell(c.reason.message.slice(0, 300))}`;
    const ev = c.artifacts ? `[ladder](${encodeURI(rel(c.artifacts.ladder))}) · [exchange](${encodeURI(rel(c.artifacts.exchange))}) · [pcap](${encodeURI(rel(c.artifacts.pcap))})` : '';
    out.push(`| ${cell(c.key)} ${cell(c.title)} | **${VERDICT_LABEL[c.verdict]}** | ${c.baseline ? BASELINE_LABEL[c.baseline] : ''} | ${reason} | ${ev} |`);
  }
  out.push('');
  return out.join('\n');
}

/** Evidence paths are relative to the results directory; the Markdown lives in <results>/conformance/. */
function rel(p: string): string {
  return p.replace(/\\/g, '/').replace(/^conformance\//, '');
}
