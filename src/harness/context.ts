/**
 * The TestContext a case body runs with: its devices and cores, the merged trace, and the
 * judging primitives. A SHALL/MUST check that fails stops the case (first failure = root cause);
 * a SHOULD that fails records non-strict and lets the case go on; a failed precondition stops the
 * case as inconclusive (docs/architecture.md, Verdicts).
 */
import { headerValues, startLine, type SipMessage } from '../sip/message';

/** Header fields that tell one message from another (a transaction's and its hop's). */
const IDENTITY = ['Call-ID', 'CSeq', 'Via', 'From', 'To', 'Max-Forwards'];
import type { Tap, TraceEntry } from '../sip/transport/tap';
import { CaseStop, type Finding } from './finding';
import { formatMismatches, matchMessage, renderTemplate, templateFields, type MessageTemplate, type Mismatch } from './template';
import type { CaseDeclaration, CaseVariant } from './types';
import type { RequirementId } from './requirements';
import type { HarnessTarget } from './target';
import type { Topology } from './topology';
import { Trace } from './trace';
import { crossedSut } from './evidence';
import { sameAddress } from '../sip/transport/address';
import { worst, type Verdict } from './verdict';

export interface StepRecord {
  id: string;
  title: string;
  verdict: Verdict;
  start: number;
  stop: number;
  /** Trace entries recorded while the step ran (what it sent and received). */
  entries: TraceEntry[];
  findings: Finding[];
  /** Every check evaluated in the step, passed or not: what the report highlights. */
  checks?: CheckRecord[];
  /** The requirement the step exercises, when it names one: an unexpected request during it is blamed on it. */
  requirement?: RequirementId;
}

/** One evaluated check (passed or failed): the message it looked at and the fields it compared. */
export interface CheckRecord {
  requirement?: RequirementId;
  verdict: Verdict;
  message: string;
  expected?: string;
  /** Trace seq of the message the check judged, when it judged one. */
  entrySeq?: number;
  fields: string[];
}

export interface CheckFailure {
  message: string;
  expected?: string;
  actual?: TraceEntry | SipMessage | string;
  step?: string;
  /** Header names the check compared (highlighted in the report); mismatch fields are added. */
  fields?: string[];
}

/**
 * How much of the judging a context does (a load run, docs/load.md). `run` and `selftest` judge
 * everything and keep everything.
 */
export interface JudgingMode {
  /**
   * false: a load flow left unjudged (`--judge-every K`): no template is matched and no SHOULD,
   * mismatch list or conformance reason evaluated; a check on a boolean that does not hold (mostly
   * a message that never came: see `unjudged`) still stops the flow, as does a precondition.
   */
  judge: boolean;
  /**
   * false: the passing checks are not recorded on the steps, nor each step's entries (they serve
   * only a report of the case: a load flow that keeps no evidence). Findings are recorded as ever.
   */
  recordChecks: boolean;
}

export class TestContext {
  readonly findings: Finding[] = [];
  readonly steps: StepRecord[] = [];
  /** Requirements a check has been evaluated for (a requirement never checked is "not tested"). */
  readonly evaluated = new Set<RequirementId>();
  readonly trace: Trace;
  private currentStep: StepRecord | undefined;
  /** Trace seq span of each step: from its first entry, to the first entry after it (open while it runs). */
  private readonly spans = new Map<StepRecord, { from: number; to: number }>();

  constructor(
    readonly testCase: CaseDeclaration,
    readonly variant: CaseVariant,
    readonly target: HarnessTarget,
    readonly tap: Tap,
    readonly topology: Topology,
    readonly mode: JudgingMode = { judge: true, recordChecks: true },
  ) {
    this.trace = new Trace(tap);
  }

  /** IXIT response timeout (every wait is bounded by it unless a case says otherwise). */
  get timeoutMs(): number {
    return this.target.ixit.responseTimeoutMs;
  }

  get quietMs(): number {
    return this.target.ixit.quietPeriodMs;
  }

  /**
   * Run one step of the spec flow; its messages and findings are attached to it in the report. A
   * step may name the requirement it exercises (one the case declares): a request no expectation
   * took that arrived while it ran is blamed on that requirement (stepOfArrival).
   */
  step<T>(id: string, title: string, body: () => Promise<T>): Promise<T>;
  step<T>(id: string, title: string, requirement: RequirementId, body: () => Promise<T>): Promise<T>;
  async step<T>(id: string, title: string, ...rest: [() => Promise<T>] | [RequirementId, () => Promise<T>]): Promise<T> {
    const [requirement, body] = rest.length === 1 ? [undefined, rest[0]] : rest;
    if (requirement) this.refuseUndeclared(requirement);
    const rec: StepRecord = { id, title, verdict: 'pass', start: Date.now(), stop: 0, entries: [], findings: [], ...(requirement ? { requirement } : {}) };
    const firstSeq = this.tap.entries.length;
    const span = { from: this.nextSeq(), to: Number.POSITIVE_INFINITY };
    this.spans.set(rec, span);
    const outer = this.currentStep;
    this.currentStep = rec;
    this.steps.push(rec);
    try {
      return await body();
    } catch (err) {
      if (err instanceof CaseStop) rec.verdict = err.finding.verdict;
      else rec.verdict = 'error';
      throw err;
    } finally {
      rec.stop = Date.now();
      if (this.mode.recordChecks) rec.entries = this.tap.entries.slice(firstSeq).filter((e) => !e.dropped);
      rec.verdict = worst([rec.verdict, ...rec.findings.map((f) => f.verdict)]);
      span.to = this.nextSeq();
      this.currentStep = outer;
    }
  }

  private nextSeq(): number {
    return (this.tap.entries.at(-1)?.seq ?? -1) + 1;
  }

  /**
   * Where a request a device received belongs (fail on unexpected, docs/writing-cases.md §3): the
   * step that was running when it arrived (the innermost, when steps nest), or, when it arrived
   * between steps or after the last, the step begun last before it; and the requirement it is
   * blamed on: the first such step's own, or an enclosing running step's. None when no step names
   * one: blaming the case's first requirement would mark a requirement FAIL that nothing judged.
   */
  stepOfArrival(request: SipMessage): { step?: StepRecord; requirement?: RequirementId } {
    const seq = this.entryOfActual(request)?.seq ?? Number.POSITIVE_INFINITY;
    const begun = this.steps.filter((s) => (this.spans.get(s)?.from ?? Number.POSITIVE_INFINITY) <= seq);
    const running = begun.filter((s) => seq < (this.spans.get(s)?.to ?? 0));
    // Steps are recorded as they begin: a nested step comes after the step enclosing it.
    const step = running.at(-1) ?? begun.at(-1);
    const requirement = running.length > 0 ? [...running].reverse().find((s) => s.requirement)?.requirement : step?.requirement;
    return { step, requirement };
  }

  private entryOfActual(actual: CheckFailure['actual']): TraceEntry | undefined {
    if (!actual || typeof actual === 'string') return undefined;
    if ('raw' in actual && 'flow' in actual) return actual;
    return this.trace.entryOf(actual as SipMessage) ?? this.entryLike(actual as SipMessage);
  }

  /**
   * The traced entry of a message a device handed the case as a copy (not the traced object): the
   * latest entry with the same start line, Call-ID, CSeq, Vias, From, To and Max-Forwards (the hop). Without it a finding on that
   * message named no octets, and the report showed "the last message the SUT sent" instead.
   */
  private entryLike(m: SipMessage): TraceEntry | undefined {
    const start = startLine(m);
    // The receiving transport adds received/rport to the copy's top Via (RFC 3261 §18.2.1, RFC 3581).
    const id = (x: SipMessage) => IDENTITY.map((n) => headerValues(x, n).join(',')).join('\n').replace(/;\s*(received|rport)(=[^;,\s]*)?/gi, '');
    let want: string | undefined;
    for (let i = this.tap.entries.length - 1; i >= 0; i--) {
      const e = this.tap.entries[i];
      if (e.dropped || !e.message || startLine(e.message) !== start) continue;
      if (id(e.message) === (want ??= id(m))) return e;
    }
    return undefined;
  }

  /** Remember an evaluated check for the report (which message, which fields). */
  private noteCheck(requirement: RequirementId | undefined, verdict: Verdict, ok: boolean | Mismatch[] | string, f: CheckFailure): void {
    if (!this.currentStep || !this.mode.recordChecks) return;
    const fields = [...(f.fields ?? []), ...(Array.isArray(ok) ? ok.map((m) => m.field) : [])];
    (this.currentStep.checks ??= []).push({
      requirement, verdict, message: f.message, expected: f.expected, entrySeq: this.entryOfActual(f.actual)?.seq, fields: [...new Set(fields)],
    });
  }

  private record(verdict: Verdict, requirement: RequirementId | undefined, f: CheckFailure): Finding {
    const finding: Finding = {
      verdict,
      requirement,
      step: f.step ?? this.currentStep?.id,
      message: f.message,
      expected: f.expected,
    };
    if (typeof f.actual === 'string') finding.actualText = f.actual;
    else if (f.actual) finding.actual = this.entryOfActual(f.actual);
    if (f.fields?.length) finding.fields = [...f.fields];
    this.findings.push(finding);
    this.currentStep?.findings.push(finding);
    return finding;
  }

  private failed(ok: boolean | Mismatch[] | string): string | null {
    if (ok === true) return null;
    if (ok === false) return '';
    if (typeof ok === 'string') return ok;
    return ok.length === 0 ? null : formatMismatches(ok);
  }

  /**
   * A SHALL/MUST: on failure records `fail` for the requirement and stops the case. A boolean
   * condition narrows what it tested for the rest of the case (`t.check(r, tx !== null, …)` leaves
   * `tx` non-null), since a failed check never returns.
   */
  check(requirement: RequirementId, ok: boolean, failure: CheckFailure): asserts ok;
  check(requirement: RequirementId, ok: boolean | Mismatch[] | string, failure: CheckFailure): void;
  check(requirement: RequirementId, ok: boolean | Mismatch[] | string, failure: CheckFailure): void {
    if (!this.mode.judge) return this.unjudged(ok, failure);
    this.judging(requirement);
    const why = this.failed(ok);
    this.noteCheck(requirement, why === null ? 'pass' : 'fail', ok, failure);
    if (why === null) return;
    const f = this.record('fail', requirement, { ...failure, message: why ? `${failure.message}: ${why}` : failure.message, fields: mismatchFields(ok, failure.fields) });
    throw new CaseStop(f);
  }

  /** A SHOULD: on failure records `non-strict` and continues. */
  should(requirement: RequirementId, ok: boolean | Mismatch[] | string, failure: CheckFailure): void {
    if (!this.mode.judge) return;
    this.judging(requirement);
    const why = this.failed(ok);
    this.noteCheck(requirement, why === null ? 'pass' : 'non-strict', ok, failure);
    if (why === null) return;
    this.record('non-strict', requirement, { ...failure, message: why ? `${failure.message}: ${why}` : failure.message, fields: mismatchFields(ok, failure.fields) });
  }

  /**
   * Template-first judging (docs/writing-cases.md, Judging a message): `actual` against `template`
   * for `requirement`, a SHALL (stops the case on a miss) unless `strength` says SHOULD. The same
   * template decides and is rendered as the finding's expected side, so they cannot differ; the
   * fields it names are the ones the report highlights.
   */
  expect(requirement: RequirementId, actual: TraceEntry | SipMessage, template: MessageTemplate, message: string, strength: 'shall' | 'should' = 'shall'): void {
    if (!this.mode.judge) return;
    const entry = 'raw' in actual && 'flow' in actual ? actual : undefined;
    const msg = entry ? entry.message : (actual as SipMessage);
    const misses = msg ? matchMessage(msg, template, entry) : [{ field: 'message', expected: 'a SIP message', actual: 'octets that do not parse' }];
    // A pass nobody reports: the template is rendered only for a finding or a recorded check.
    if (misses.length === 0 && !this.mode.recordChecks) return this.judging(requirement);
    const failure: CheckFailure = { message, expected: renderTemplate(template), actual, fields: templateFields(template) };
    if (strength === 'should') this.should(requirement, misses, failure);
    else this.check(requirement, misses, failure);
  }

  /**
   * A precondition the SUT must meet before the requirement can be judged (e.g. registration); a
   * boolean condition narrows like check's.
   */
  precondition(ok: boolean, failure: CheckFailure): asserts ok;
  precondition(ok: boolean | Mismatch[] | string, failure: CheckFailure): void;
  precondition(ok: boolean | Mismatch[] | string, failure: CheckFailure): void {
    const why = this.failed(ok);
    if (why === null) return;
    const f = this.record('inconclusive', undefined, { ...failure, message: why ? `${failure.message}: ${why}` : failure.message });
    throw new CaseStop(f);
  }

  /**
   * A SHALL/MUST whose evidence is a value the SUT had to produce (a request at a device, a
   * response, a trace entry): the value, narrowed to present, or, when it is null or undefined, a
   * failed check of the requirement that stops the case exactly as `t.check(requirement, false,
   * failure)` would.
   */
  require<T>(value: T, requirement: RequirementId, failure: CheckFailure): NonNullable<T> {
    this.check(requirement, value !== null && value !== undefined, failure);
    return value as NonNullable<T>;
  }

  /** Record a failure found outside a check (e.g. an unexpected message) and stop. */
  fail(requirement: RequirementId | undefined, failure: CheckFailure): never {
    if (requirement) this.judging(requirement);
    throw new CaseStop(this.record('fail', requirement, failure));
  }

  /**
   * Absence check (docs/cpm-sip-binding.md, A test case): none of these devices receives a request within the quiet period
   * (IXIT quietPeriodMs). A request that arrives is the finding's evidence.
   */
  async expectQuiet(devices: Array<{ name: string; inbox: Array<{ request: SipMessage }> }>, requirement: RequirementId, what: string, quietMs = this.quietMs): Promise<void> {
    // Unjudged: the flow keeps its timing (the quiet period passes), nothing is judged in it.
    if (!this.mode.judge) return new Promise((r) => setTimeout(r, quietMs));
    this.judging(requirement);
    const deadline = Date.now() + quietMs;
    for (;;) {
      for (const d of devices) {
        const got = d.inbox[0];
        if (got) {
          this.fail(requirement, { message: `${what}: ${d.name} received a request within the quiet period of ${quietMs} ms`, expected: `nothing at ${d.name}`, actual: got.request });
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) return;
      await new Promise((r) => setTimeout(r, Math.min(20, left)));
    }
  }

  /**
   * The request reached the device through the SUT (a Via of PF A or PF B), or the requirement
   * fails: a message that went device to device is no evidence of what the SUT does.
   */
  checkCrossedSut(requirement: RequirementId, got: { request: SipMessage } | null, what: string): void {
    if (!got || !this.mode.judge) return;
    const pfs = `${this.target.pfA.host}:${this.target.pfA.port}${sameAddress(this.target.pfA, this.target.pfB) ? '' : ` or ${this.target.pfB.host}:${this.target.pfB.port}`}`;
    this.check(requirement, crossedSut(this.target, got.request), {
      message: `${what} did not pass the SUT: it carries no Via of ${pfs}, so it went device to device (the SUT did not Record-Route the dialog, RFC 3261 §16.6 step 4)`,
      expected: `a Via naming ${pfs}`, actual: got.request, fields: ['Via'],
    });
  }

  /**
   * A check in an unjudged flow: only a boolean that does not hold stops it, as a plain failure of
   * the flow, no requirement named. Most such checks test for what the body needs to go on (a
   * request that never came, a response it waits for: `t.check(r, tx !== null, …)` narrows `tx`),
   * so going on past one would crash the body; a few conformance conditions are booleans too (e.g.
   * a route set) and stop an unjudged flow the same way. A mismatch list or a reason is
   * conformance only, not judged.
   */
  private unjudged(ok: boolean | Mismatch[] | string, failure: CheckFailure): void {
    if (ok !== false) return;
    throw new CaseStop(this.record('fail', undefined, { ...failure, message: `the flow stopped at a check that does not hold: ${failure.message}` }));
  }

  /** Mark requirements as evaluated by a step that checked them implicitly. */
  evaluatedAll(...requirements: RequirementId[]): void {
    for (const r of requirements) this.judging(r);
  }

  /**
   * Note that a check judges this requirement, refusing one the case did not declare: the case's
   * header is what the report and the matrix list for it (docs/writing-cases.md §3), so a check on
   * another requirement would earn a verdict the case never claims to give. That is the case's bug,
   * not the SUT's: verdict error, naming the requirement and the case.
   */
  private judging(requirement: RequirementId): void {
    this.refuseUndeclared(requirement);
    this.evaluated.add(requirement);
  }

  private refuseUndeclared(requirement: RequirementId): void {
    if (this.testCase.requirements.includes(requirement)) return;
    const declared = this.testCase.requirements.join(', ') || '(none)';
    throw new CaseStop(this.record('error', undefined, {
      message: `harness error: ${this.testCase.id} checks ${requirement}, which it does not declare in its requirements (${declared}); add it to the case's requirements or check a declared one`,
    }));
  }

  /** Record a harness fault (not the SUT's): verdict error. */
  recordError(err: unknown): Finding {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return this.record('error', undefined, { message: `harness error: ${message}` });
  }
}

/**
 * The fields a failed check compared: every mismatching one first (the report shows the first as
 * "actual" and the rest as "also compared"), then the others it was told about.
 */
function mismatchFields(ok: boolean | Mismatch[] | string, fields: string[] | undefined): string[] | undefined {
  const all = [...(Array.isArray(ok) ? ok.map((m) => m.field) : []), ...(fields ?? [])];
  return all.length ? [...new Set(all)] : undefined;
}
