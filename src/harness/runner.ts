/**
 * Runs one case variant against a target and returns its verdict with the evidence: findings,
 * steps and the merged trace. Never throws: a SUT's garbage becomes a finding, a harness fault an
 * `error` verdict (docs/architecture.md, Verdicts).
 */
import { Tap, addressKey, type NetworkFaults, type TraceEntry } from '../sip/transport/tap';
import { startLine } from '../sip/message';
import { topBranch } from '../sip/headers/via';
import { CaseStop, type Finding } from './finding';
import { TestContext, type StepRecord } from './context';
import { Topology } from './topology';
import { caseKey, type CaseVariant, type TestCase } from './test-case';
import type { HarnessTarget, TargetUser } from './target';
import type { HarnessLimits } from './types';
import { teardownDevices, teardownSummary, type TeardownReport } from './teardown';
import { sutAgentsOf, watchReceived } from './received-facts';
import { worst, type Verdict } from './verdict';

export interface CaseResult {
  key: string;
  testCase: TestCase;
  variant: CaseVariant;
  verdict: Verdict;
  /** The first failure (root cause) or the reason for n/a. */
  reason?: Finding;
  findings: Finding[];
  steps: StepRecord[];
  trace: TraceEntry[];
  /** Verdict per requirement ID the case evaluated; requirements it never reached are absent. */
  requirementVerdicts: Record<string, Verdict>;
  startedAt: number;
  durationMs: number;
  /** Server / User-Agent header values the SUT sent (environment.properties "as seen on the wire"). */
  sutAgents: string[];
  /** What the case's devices cleaned up at the SUT after the verdict (never judged): src/harness/teardown.ts. */
  teardown?: TeardownReport;
  /** AoRs of the users the case ran with (leased from the target's pool, or generated on the reference). */
  users?: string[];
}

export interface RunCaseOptions {
  /** Lets the case run with injected datagram loss on every harness socket (engine self-test). */
  lossRate?: number;
  /** Hard cap on a case's duration, to bound a case against a SUT that hangs it. */
  caseTimeoutMs?: number;
  /** Datagram faults on every harness socket (duplication, reordering, delay; loss = lossRate). */
  network?: Partial<NetworkFaults>;
  /** Seed of the fault-injection PRNG (default: the Tap's fixed seed). */
  seed?: number;
  /** What one received message / stream may make the harness hold (defaults far above real traffic). */
  limits?: HarnessLimits;
  /** Users leased from the target's pool for this case (cases running at once never share a user). */
  users?: TargetUser[];
  /** Ends the case early (Ctrl-C): verdict inconclusive, and the devices still clean up at the SUT. */
  signal?: AbortSignal;
}

/**
 * The variant as it runs against this target: a TCP variant runs over TLS when the target speaks
 * TLS and not TCP (SIP over TLS is SIP over a TCP connection with TLS on it, RFC 3261 §26.2.1), so
 * every stream case has a TLS form without the suites declaring one.
 */
export function effectiveVariant(variant: CaseVariant, target: HarnessTarget): CaseVariant {
  if (variant.transport === 'tcp' && !target.transports.includes('tcp') && target.transports.includes('tls')) return { ...variant, transport: 'tls' };
  return variant;
}

export function notApplicable(testCase: TestCase, declared: CaseVariant, target: HarnessTarget): string | null {
  const variant = effectiveVariant(declared, target);
  if (!target.transports.includes(variant.transport)) return `the target's transport is ${target.transports.join('/')}, this variant needs ${variant.transport}`;
  if (!target.topologies.includes(variant.topology)) return `the target's topology is ${target.topologies.join('/')}, this variant needs ${variant.topology}`;
  const a = testCase.applies(target, variant);
  return a === true ? null : a;
}

export async function runCase(testCase: TestCase, declared: CaseVariant, target: HarnessTarget, opts: RunCaseOptions = {}): Promise<CaseResult> {
  const variant = effectiveVariant(declared, target);
  const startedAt = Date.now();
  const key = caseKey(testCase, variant);
  const base = { key, testCase, variant, startedAt, steps: [] as StepRecord[], trace: [] as TraceEntry[], sutAgents: [] as string[] };
  const na = notApplicable(testCase, variant, target);
  if (na) {
    const reason: Finding = { verdict: 'n/a', message: `not applicable: ${na}` };
    return { ...base, verdict: 'n/a', reason, findings: [reason], requirementVerdicts: {}, durationMs: 0 };
  }
  if (opts.signal?.aborted) {
    // Interrupted before it started: nothing registered at the SUT, nothing to clean up.
    const reason: Finding = { verdict: 'inconclusive', message: 'not run: the run was interrupted (Ctrl-C / SIGTERM) before this case started' };
    return { ...base, verdict: 'inconclusive', reason, findings: [reason], requirementVerdicts: {}, durationMs: 0 };
  }
  const tap = new Tap(opts.seed);
  tap.setFaults({ ...opts.network, lossRate: opts.lossRate ?? opts.network?.lossRate ?? 0 });
  const received = watchReceived(tap);
  let topology: Topology | undefined;
  let ctx: TestContext | undefined;
  let teardown: TeardownReport | undefined;
  /** Trace entries from here on are the cleanup's: on the trace, never judged. */
  let judgedUntil = Number.POSITIVE_INFINITY;
  let judgedFindings = 0;
  let judgedRequirements: string[] = [];
  const extraFindings: Finding[] = [];
  try {
    topology = await Topology.build(target, variant, tap, opts.users ?? Topology.pickUsers(target, variant, target.isReference ? undefined : target.users), opts.limits);
    // Injected faults model the network between harness and SUT, not device ↔ core hops inside the harness.
    for (const a of topology.localAddresses) tap.internal.add(addressKey(a));
    ctx = new TestContext(testCase, variant, target, tap, topology);
    const c = ctx;
    const cap = opts.caseTimeoutMs ?? Math.max(60_000, target.ixit.responseTimeoutMs * 12);
    let capTimer: NodeJS.Timeout | undefined;
    const capped = new Promise<never>((_, reject) => {
      capTimer = setTimeout(() => reject(new Error(`case did not finish within ${cap} ms`)), cap);
    });
    const stop = interrupted(opts.signal);
    try {
      await Promise.race([testCase.run(c), capped, stop.promise]);
      checkUnexpected(c, topology);
    } finally {
      clearTimeout(capTimer);
      stop.dispose();
    }
  } catch (err) {
    // A stop raised outside the context's checks (an interrupted run) carries a finding no check recorded.
    if (err instanceof CaseStop && !(ctx?.findings ?? []).includes(err.finding)) extraFindings.push(err.finding);
    if (!(err instanceof CaseStop)) {
      if (ctx) ctx.recordError(err);
      else extraFindings.push({ verdict: 'error', message: `harness error while building the topology: ${(err as Error).message}` });
    }
  } finally {
    // The case's findings end here: a body still running after an interrupt or the case cap (a
    // promise race does not stop it) would record what its cut-short flow ran into next — e.g. the
    // 480 to an INVITE sent while teardown had closed the callee's registration — as the reason.
    judgedFindings = ctx ? ctx.findings.length : 0;
    judgedRequirements = [...(ctx?.evaluated ?? [])];
    if (topology) {
      // Leave the SUT as found, whatever the verdict (bounded by the IXIT response timeout per phase).
      // By seq, not by index: a trimmed tap (retain bounds) holds fewer entries than it numbered.
      judgedUntil = tap.upcomingSeq;
      const devices = topology.devices;
      teardown = await teardownDevices(devices, () => tap.entries, target.ixit.responseTimeoutMs)
        .catch((err: unknown) => ({ sessionsClosed: 0, invitesCancelled: 0, transactionsCompleted: 0, bindingsRemoved: 0, problems: [`teardown failed: ${(err as Error).message}`] }));
      if (ctx) ctx.steps.push(cleanupStep(tap.entries.filter((e) => e.seq >= judgedUntil), teardown));
    }
    await topology?.close();
    received.stop();
  }
  const all = tap.entries.filter((e) => !e.dropped);
  const trace = all.filter((e) => e.seq < judgedUntil);
  extraFindings.push(...malformedInput(trace, received.unparsed));
  let findings = [...(ctx?.findings.slice(0, judgedFindings) ?? []), ...extraFindings];
  // A case that did not pass shows what the SUT sent that the harness could not use (hostile SUT evidence).
  if (!['pass', 'n/a', 'non-strict'].includes(worst(findings.map((f) => f.verdict), 'pass'))) {
    findings = [...findings, ...evidence(trace)];
    findings = [...findings, ...lastReceived(trace, findings)];
  }
  const verdict = worst(findings.map((f) => f.verdict), 'pass');
  const requirementVerdicts: Record<string, Verdict> = {};
  for (const r of judgedRequirements) requirementVerdicts[r] = 'pass';
  for (const f of findings) if (f.requirement) requirementVerdicts[f.requirement] = worst([requirementVerdicts[f.requirement] ?? 'pass', f.verdict]);
  // What the SUT named, not the harness: the devices' User-Agent a proxy forwards, a hop between harness sockets (received-facts.ts).
  const sutAgents = sutAgentsOf(trace, received, target.ixit.userAgent);
  const reason = findings.find((f) => f.verdict === verdict && verdict !== 'pass');
  return { ...base, verdict, reason, findings, steps: ctx?.steps ?? [], trace: all, requirementVerdicts, durationMs: Date.now() - startedAt, sutAgents, teardown, users: topology?.users.map((u) => u.aor) };
}

/** The cleanup as a step of its own in the report: its messages, never a verdict of the SUT. */
function cleanupStep(entries: TraceEntry[], r: TeardownReport): StepRecord {
  const now = Date.now();
  return { id: 'cleanup', title: `Cleanup (not judged): ${teardownSummary(r)}`, verdict: 'pass', start: entries[0]?.wallMs ?? now, stop: now, entries: entries.filter((e) => !e.dropped), findings: [] };
}

/** A promise that rejects when the run is interrupted, and its disposal. */
function interrupted(signal: AbortSignal | undefined): { promise: Promise<never>; dispose: () => void } {
  if (!signal) return { promise: new Promise<never>(() => undefined), dispose: () => undefined };
  let onAbort: (() => void) | undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(new CaseStop({ verdict: 'inconclusive', message: 'the run was interrupted (Ctrl-C / SIGTERM) before this case ended; its devices cleaned up at the SUT' }));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => { if (onAbort) signal.removeEventListener('abort', onAbort); } };
}

/**
 * Fail on unexpected (docs/cpm-sip-binding.md, A test case): a request a device received that no
 * expectation took. It is blamed on the requirement of the step it arrived in, or on none (the case
 * fails, no requirement does): never on a requirement the case merely lists first.
 */
function checkUnexpected(ctx: TestContext, topology: Topology): void {
  for (const d of topology.devices) {
    const tx = d.inbox[0];
    if (!tx) continue;
    const { step, requirement } = ctx.stepOfArrival(tx.request);
    ctx.fail(requirement, {
      message: `unexpected request at ${d.name}: ${startLine(tx.request)}`,
      expected: 'no further request at this device',
      actual: tx.request,
      step: step?.id,
    });
  }
}

/** Printable head of some octets for a finding's message (control octets escaped, bounded). */
function preview(raw: Buffer, max = 120): string {
  const text = raw.subarray(0, max).toString('latin1').replace(/[\x00-\x1f\x7f-\xff]/g, (c) => (c === '\r' ? '\\r' : c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return raw.length > max ? `${text}… (${raw.length} octets)` : text;
}

/**
 * Octets from the SUT that are not a SIP message at all (garbage, unframeable stream data, over a
 * limit): a SUT must only send SIP (RFC 3261 §7), so each is a failure with the octets as evidence.
 * Whitespace-only datagrams and stream keepalives are not judged (RFC 5626 §3.5.1).
 */
function malformedInput(trace: TraceEntry[], unparsed: Set<TraceEntry>): Finding[] {
  const out: Finding[] = [];
  for (const e of trace) {
    // An MSRP frame (RFC 4975) has no SIP message by nature: the media is judged on its own terms (received-facts.ts leaves it out).
    if (!unparsed.has(e) || e.raw.every((b) => b === 0x0d || b === 0x0a || b === 0x20)) continue;
    const why = e.diagnostics?.find((d) => d.severity === 'error')?.message ?? 'not a SIP message';
    out.push({ verdict: 'fail', message: `${e.owner ?? 'the harness'} received octets from ${e.flow.remote.host}:${e.flow.remote.port} (${e.flow.protocol}) that are not a SIP message: ${why}; they begin "${preview(e.raw)}"`, actual: e });
    if (out.length >= 5) break; // a flood of garbage needs a few examples, not thousands of findings
  }
  return out;
}

/**
 * For a case that did not pass: responses that match no request the harness sent (wrong branch,
 * RFC 3261 §17.1.3) and messages that parsed only with errors — what the SUT sent that the
 * harness could not use, so the report shows the offending octets beside the verdict.
 */
function evidence(trace: TraceEntry[]): Finding[] {
  const branches = new Set<string>();
  for (const e of trace) {
    if (e.direction !== 'sent' || e.message?.kind !== 'request') continue;
    const b = topBranch(e.message);
    if (b) branches.add(b);
  }
  const stray = trace.filter((e) => e.direction === 'received' && e.message?.kind === 'response' && !branches.has(topBranch(e.message) ?? ''));
  const broken = trace.filter((e) => e.direction === 'received' && e.message !== null && e.diagnostics?.some((d) => d.severity === 'error'));
  const out: Finding[] = [];
  if (stray.length > 0) {
    out.push({ verdict: 'inconclusive', message: `the SUT sent ${stray.length} response(s) matching no request the harness sent (their top Via branch is not one of ours, RFC 3261 §17.1.3), e.g. "${preview(stray[0].raw)}"`, actual: stray[0] });
  }
  if (broken.length > 0) {
    const d = broken[0].diagnostics?.find((x) => x.severity === 'error');
    out.push({ verdict: 'inconclusive', message: `the SUT sent ${broken.length} malformed message(s)${d ? ` (${d.rule}: ${d.message})` : ''}, e.g. "${preview(broken[0].raw)}"`, actual: broken[0] });
  }
  return out;
}

/** The last message the SUT sent, as evidence for a non-pass verdict whose findings show no octets. */
function lastReceived(trace: TraceEntry[], findings: Finding[]): Finding[] {
  if (findings.some((f) => f.actual)) return [];
  // The SUT's signalling: an MSRP frame may come from the peer device, not from the SUT.
  const last = [...trace].reverse().find((e) => e.direction === 'received' && e.protocol !== 'msrp');
  if (!last) return [{ verdict: 'inconclusive', message: 'the SUT sent nothing at all to the harness during this case' }];
  return [{ verdict: 'inconclusive', message: `the last message the SUT sent before the case ended: "${preview(last.raw)}"`, actual: last, context: true }];
}
