/**
 * Runs conformance cases in process against a Kamailio variant and judges the outcome the way
 * issue 12 asks: per case the verdict, the bindings the case left in Kamailio's location service
 * (`ul.dump`) and the source ports the harness used towards the SUT; then prints a verdict table
 * (case → verdict → reason) that can be quoted.
 */
import type { SipMessage } from '../../../src/sip/message';
import { header, startLine } from '../../../src/sip/message';
import type { TraceEntry } from '../../../src/sip/transport/tap';
import { runCase, notApplicable, type CaseResult } from '../../../src/harness/runner';
import { caseKey, type CaseVariant, type TestCase } from '../../../src/harness/test-case';
import type { HarnessTarget } from '../../../src/harness/target';
import { VERDICT_LABEL } from '../../../src/harness/verdict';
import { SUITES } from '../../../suites';
import type { Target } from '../../../src/config';
import type { Bindings, Kamailio } from './kamailio';
import { USERS } from './targets';

export interface Planned {
  testCase: TestCase;
  variant: CaseVariant;
  key: string;
}

/** Every case variant of SUITES the target can run (transport, topology, ICS), optionally filtered. */
export function plan(target: HarnessTarget, keep: (c: TestCase, v: CaseVariant) => boolean = () => true): Planned[] {
  return SUITES.flatMap((s) => s.cases).flatMap((testCase) => testCase.variants
    .filter((variant) => notApplicable(testCase, variant, target) === null && keep(testCase, variant))
    .map((variant) => ({ testCase, variant, key: caseKey(testCase, variant) })));
}

export interface Outcome {
  key: string;
  result: CaseResult;
  /** Bindings of the configured users still in Kamailio after the case ended. */
  bindingsLeft: Bindings;
  /** Harness sockets that sent to the SUT from outside local.ports (`owner host:port`). */
  portsOutside: string[];
  /** What did not meet the expectation (empty: as expected). */
  problems: string[];
}

/**
 * Run one case, then read Kamailio's location service. Leftover bindings are removed afterwards
 * (`ul.rm`) so one case's leftovers cannot turn the next case's verdict (tm forks to at most 12
 * branches, and a stale contact delays the final answer, issue 12): the leftovers are already
 * recorded as this case's own problem.
 */
export async function runOne(k: Kamailio, target: HarnessTarget, config: Target, p: Planned): Promise<Omit<Outcome, 'problems'>> {
  const result = await runCase(p.testCase, p.variant, target);
  const all = await k.bindings();
  const bindingsLeft: Bindings = {};
  for (const [aor, contacts] of Object.entries(all)) {
    if (contacts.length === 0 || !(USERS as readonly string[]).includes(aor)) continue;
    bindingsLeft[aor] = contacts;
    await k.removeBindings(aor);
  }
  const { from, to } = config.local.ports;
  const sut = sutFacing(result);
  const portsOutside = [...new Set(result.trace
    .filter((e) => e.direction === 'sent' && sut(e) && (e.flow.local.port < from || e.flow.local.port > to))
    .map((e) => `${e.owner ?? '?'} ${e.flow.protocol} ${e.flow.local.host}:${e.flow.local.port}`))];
  return { key: p.key, result, bindingsLeft, portsOutside };
}

/**
 * Entries exchanged with Kamailio: the peer is not one of the harness's own sockets. Over TCP
 * Kamailio reaches a device on a connection it opens from an ephemeral port, so its listening
 * port alone does not identify it.
 */
export function sutFacing(r: CaseResult): (e: TraceEntry) => boolean {
  const key = (a: { host: string; port: number }) => `${a.host}:${a.port}`;
  const ours = new Set(r.trace.map((e) => key(e.flow.local)));
  return (e) => !ours.has(key(e.flow.remote));
}

function reasonText(r: CaseResult): string {
  if (!r.reason) return '';
  return `${r.reason.requirement ? `${r.reason.requirement}: ` : ''}${r.reason.message}`.replace(/\s+/g, ' ');
}

/** Issue 12, conformant SUT: PASS, nothing left in the location service, every source port inside local.ports. */
export function conformantProblems(o: Omit<Outcome, 'problems'>, config: Target): string[] {
  const out: string[] = [];
  if (o.result.verdict !== 'pass') out.push(`verdict ${VERDICT_LABEL[o.result.verdict]} (${reasonText(o.result)})`);
  const left = Object.entries(o.bindingsLeft);
  if (left.length > 0) out.push(`bindings left in Kamailio after the case: ${left.map(([a, c]) => `${a}: ${c.length} (${c.join(', ')})`).join('; ')}`);
  if (o.portsOutside.length > 0) out.push(`sent to the SUT from outside local.ports ${config.local.ports.from}-${config.local.ports.to}: ${o.portsOutside.join(', ')}`);
  return out;
}

/** Faulty SUT: the case FAILs, with exactly this requirement as the root cause, and the wire shows the fault. */
export function faultProblems(o: Omit<Outcome, 'problems'>, requirement: string, wireShowsFault: (r: CaseResult) => string | null): string[] {
  const r = o.result;
  const out: string[] = [];
  if (r.verdict !== 'fail') out.push(`verdict ${VERDICT_LABEL[r.verdict]}, expected FAIL of ${requirement} (${reasonText(r)})`);
  else if (r.reason?.requirement !== requirement) out.push(`FAIL names ${r.reason?.requirement ?? 'no requirement'}, expected ${requirement} (${reasonText(r)})`);
  if (r.requirementVerdicts[requirement] !== 'fail') out.push(`requirementVerdicts[${requirement}] = ${r.requirementVerdicts[requirement] ?? 'not evaluated'}, expected fail`);
  const why = wireShowsFault(r);
  if (why) out.push(`the fault is not on the wire, so the FAIL could be vacuous: ${why}`);
  return out;
}

// ---- evidence on the merged trace ----

export function received(r: CaseResult, owner: RegExp, test: (m: SipMessage) => boolean): TraceEntry[] {
  return r.trace.filter((e) => e.direction === 'received' && e.message !== null && owner.test(e.owner ?? '') && test(e.message));
}

export function sent(r: CaseResult, owner: RegExp, test: (m: SipMessage) => boolean): TraceEntry[] {
  return r.trace.filter((e) => e.direction === 'sent' && e.message !== null && owner.test(e.owner ?? '') && test(e.message));
}

export const isRequest = (method: string) => (m: SipMessage) => m.kind === 'request' && m.method === method;
export const isResponseTo = (method: string, status?: number) => (m: SipMessage) =>
  m.kind === 'response' && header(m, 'CSeq')?.split(/\s+/)[1] === method && (status === undefined || m.status === status);
/** The message names the SUT in its top Via (it came out of Kamailio). */
export const fromSut = (k: Kamailio) => (m: SipMessage) => new RegExp(`^SIP/2\\.0/\\w+ ${k.host}:${k.port}[;\\s]`, 'i').test(header(m, 'Via') ?? '');

/** Compact ladder of what crossed between the harness and Kamailio (start lines), for a report. */
export function wire(r: CaseResult, max = 40): string[] {
  const sut = sutFacing(r);
  const lines = r.trace
    .filter((e) => e.message && sut(e))
    .map((e) => {
      const m = e.message!;
      const arrow = e.direction === 'sent' ? `${e.owner} -> SUT` : `SUT -> ${e.owner}`;
      const extra = ['Max-Forwards', 'Reason', 'Record-Route'].map((h) => (header(m, h) ? ` ${h}: ${header(m, h)}` : '')).join('');
      return `${arrow}: ${startLine(m)} (CSeq ${header(m, 'CSeq')})${extra}`;
    });
  return lines.length > max ? [...lines.slice(0, max), `… ${lines.length - max} more`] : lines;
}

/** Print one variant's table to stdout (quotable: markdown). */
export function printTable(title: string, outcomes: Outcome[]): void {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const rows = outcomes.map((o) => {
    const left = Object.values(o.bindingsLeft).reduce((n, c) => n + c.length, 0);
    return `| ${esc(o.key)} | ${VERDICT_LABEL[o.result.verdict]} | ${esc(reasonText(o.result).slice(0, 240))} | ${left} | ${o.problems.length === 0 ? 'as expected' : esc(o.problems.join('; ').slice(0, 400))} |`;
  });
  const count = (v: string) => outcomes.filter((o) => o.result.verdict === v).length;
  const met = outcomes.filter((o) => o.problems.length === 0).length;
  process.stdout.write([
    '', `### Kamailio ${title}: ${outcomes.length} case variants — ${count('pass')} PASS, ${count('fail')} FAIL, ${count('inconclusive')} INCONC, ${count('error')} ERROR; ${met} as the issue requires`, '',
    '| case | verdict | reason | bindings left | against the expectation |', '|---|---|---|---|---|', ...rows, '',
  ].join('\n') + '\n');
}
