/**
 * The results as a vendor's test engineer should read them (issue 13), made from a copy of the
 * run's results just before Allure builds the report, so the run's own files stay as jest and
 * allure-jest wrote them:
 * - one tree entry per result: the primary requirement (the failing one, else the case's first) is
 *   the story; every requirement is a tag, so the requirement filter still finds the result;
 * - N/A results under their own epic, grouped by reason, instead of burying the rest;
 * - no stack trace or class name where a reader looks: the status and step messages are the
 *   finding's words; a harness error keeps its trace in a "debug" attachment;
 * - jest's labels (language, framework, package, host, thread, suites) dropped;
 * - history keyed by SUT identity (name, version, target file hash), so one server's case shows
 *   only that server's runs;
 * - environment.properties completed: sut.version said unset, ICS and binding one key per knob
 *   (Allure cut the JSON), PF mode and ICS as the matrix has them (both modes of a reference run).
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resultFiles } from './allure-result-files';
import { readVerdicts } from './verdict-log';

interface Label { name: string; value: string }
interface StatusDetails { message?: string; trace?: string; expected?: string; actual?: string }
interface Step { statusDetails?: StatusDetails; steps?: Step[]; attachments?: Array<{ name: string; source: string; type?: string }> }
interface Result extends Step {
  name?: string;
  status?: string;
  historyId?: string;
  testCaseId?: string;
  fullName?: string;
  titlePath?: string[];
  labels?: Label[];
}

/** Labels jest / allure-jest add that mean nothing to a reader of a conformance report. */
const JEST_LABELS = new Set(['language', 'framework', 'package', 'host', 'thread', 'parentSuite', 'suite', 'subSuite', '_fallbackTestCaseId']);

/** Epic of the N/A results: one collapsed branch of the tree, not 86 of 100 leaves among the rest. */
export const NA_EPIC = 'Not applicable (N/A)';

export function readProperties(file: string): Map<string, string> {
  const m = new Map<string, string>();
  if (!fs.existsSync(file)) return m;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** Identity of the SUT a results set was produced against: name, version, target file hash. */
export function sutIdentity(env: Map<string, string>): string {
  const name = (env.get('sut.name') ?? '').replace(/ \(faults: .*\)$/, '');
  return createHash('sha256').update([name, env.get('sut.version') ?? '', env.get('sut.target_sha256') ?? ''].join('\n')).digest('hex').slice(0, 12);
}

/** The verdict records of a results directory by case key (the last record of a key wins). */
/** The reader's message: verdict words first, no "Error:"/class-name prefix, no doubled verdict. */
export function readerMessage(message: string): string {
  return message
    .replace(/^(Error|ConformanceAssertionError): /, '')
    .replace(/^Inconclusive: INCONC(LUSIVE)?\b ?/, 'Inconclusive ')
    .replace(/^Harness error: ERROR\b ?/, 'Harness error ')
    .replace(/^(Inconclusive|Harness error) :/, '$1:');
}

function cleanSteps(steps: Step[] | undefined): void {
  for (const s of steps ?? []) {
    if (s.statusDetails) {
      delete s.statusDetails.trace;
      if (s.statusDetails.message) s.statusDetails.message = readerMessage(s.statusDetails.message);
    }
    cleanSteps(s.steps);
  }
}

function naGroup(message: string): string {
  if (/the target's (transport|topology) is/.test(message)) return 'target configuration (transport / topology)';
  return 'ICS: the SUT does not claim the feature';
}

/** Rewrites the result files of `dir` (a copy of the results) in place. */
export function polishResults(dir: string): { sut: string } {
  const env = readProperties(path.join(dir, 'environment.properties'));
  const sut = sutIdentity(env);
  const records = readVerdicts(path.join(dir, 'cpm-verdicts.jsonl'));
  for (const { file, res, rec } of resultFiles<Result>(dir, records)) {
    const labels = (res.labels ?? []).filter((l) => !JEST_LABELS.has(l.name));
    const stories = labels.filter((l) => l.name === 'story').map((l) => l.value);
    const rest = labels.filter((l) => l.name !== 'story' && !(l.name === 'tag' && stories.includes(l.value)));
    const primary = rec?.reason?.requirement && stories.includes(rec.reason.requirement) ? rec.reason.requirement : stories[0];
    if (rec?.verdict === 'n/a' || res.status === 'skipped') {
      const why = res.statusDetails?.message ?? rec?.reason?.message ?? 'not applicable';
      res.labels = [...rest.filter((l) => l.name !== 'epic' && l.name !== 'feature'), { name: 'epic', value: NA_EPIC },
        { name: 'feature', value: naGroup(why) }, { name: 'story', value: why.replace(/^not applicable: /, '') }];
    } else {
      res.labels = [...rest, ...(primary ? [{ name: 'story', value: primary }] : [])];
    }
    for (const id of stories) res.labels.push({ name: 'tag', value: id });
    // Allure 3 derives the history key from testCaseId and the parameters: key both by SUT. An N/A
    // result (a skipped jest test) has neither, and Allure would key it by its full name alone, so
    // another SUT's run of the same case would show in its History: it gets its case key instead.
    if (!res.testCaseId && (rec?.key ?? res.fullName)) res.testCaseId = rec?.key ?? res.fullName;
    if (res.historyId && !res.historyId.includes('@sut:')) res.historyId = `${res.historyId}@sut:${sut}`;
    if (res.testCaseId && !res.testCaseId.includes('@sut:')) res.testCaseId = `${res.testCaseId}@sut:${sut}`;
    const harnessError = res.status === 'broken' && /^(Error: )?Harness error/.test(res.statusDetails?.message ?? '');
    if (res.statusDetails) {
      const trace = res.statusDetails.trace;
      delete res.statusDetails.trace;
      if (res.statusDetails.message) res.statusDetails.message = readerMessage(res.statusDetails.message);
      if (harnessError && trace) {
        // Kept for whoever debugs the harness, out of the reader's way.
        const source = `${randomUUID()}-attachment.txt`;
        fs.writeFileSync(path.join(dir, source), trace);
        (res.attachments ??= []).push({ name: 'debug: harness stack trace', source, type: 'text/plain' });
      }
    }
    cleanSteps(res.steps);
    // Shown above the title: the case, not the compiled test file it ran from.
    if (rec) res.fullName = `${rec.feature} / ${rec.key}`;
    res.titlePath = res.labels.filter((l) => l.name === 'epic' || l.name === 'feature').map((l) => l.value);
    fs.writeFileSync(file, JSON.stringify(res));
  }
  polishEnvironment(dir, env);
  return { sut };
}

/** ICS / binding JSON one property per knob (Allure cuts long values), the matrix's view of a multi-mode run. */
function polishEnvironment(dir: string, env: Map<string, string>): void {
  if (env.size === 0) return;
  const out = new Map(env);
  const matrixFile = path.join(dir, 'conformance', 'conformance-report.json');
  let matrix: { ics?: unknown; run?: { pfMode?: string } } | undefined;
  try {
    matrix = fs.existsSync(matrixFile) ? JSON.parse(fs.readFileSync(matrixFile, 'utf8')) as typeof matrix : undefined;
  } catch {
    matrix = undefined;
  }
  if (!out.get('sut.version')) out.set('sut.version', '(not set: add sut.version to the target config)');
  if (out.has('sut.target_sha256') && !out.get('sut.target_sha256')) out.set('sut.target_sha256', '(no target file: the built-in reference server)');
  const flatten = (prefix: string, v: unknown): void => {
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) flatten(`${prefix}.${k}`, x);
    else out.set(prefix, typeof v === 'string' ? v : JSON.stringify(v));
  };
  for (const key of ['ics', 'binding']) {
    const raw = key === 'ics' && matrix?.ics ? JSON.stringify(matrix.ics) : out.get(key);
    if (!raw) continue;
    try {
      const parsed = JSON.parse(raw) as unknown;
      out.delete(key);
      flatten(key, parsed);
    } catch {
      // not JSON: left as written
    }
  }
  if (out.get('sut.seen.server_user_agent') === '(none sent)') out.set('sut.seen.server_user_agent', '(the SUT sent no Server / User-Agent header of its own)');
  fs.writeFileSync(path.join(dir, 'environment.properties'), [...out].map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
}
