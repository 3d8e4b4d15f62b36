/**
 * One full conformance run against the reference server, in process: every case variant of every
 * suite, in one PF mode, returning the verdict per case key. Shared by the soak script
 * (bench/soak.ts) and the network-fault and determinism tests (test/hardening/).
 */
import { startReferenceServer, type ReferenceServerOptions } from '../src/reference';
import { notApplicable, runCase, type CaseResult, type RunCaseOptions } from '../src/harness/runner';
import { longestFirst, type CaseVariant, type TestCase } from '../src/harness/test-case';
import { allCases } from '../suites/index';
import { referenceTarget, referenceTimers } from '../bin/targets';
import type { HarnessTarget } from '../src/harness/target';

export interface FullRunOptions {
  mode: 'proxy' | 'b2bua';
  /** Extra reference server options (network faults, loss, ...). */
  server?: Partial<ReferenceServerOptions>;
  /** Options of every runCase (harness-side faults, seed, limits). */
  caseOptions?: RunCaseOptions;
  /** IXIT overrides (e.g. a longer response timeout for a lossy network, as a tester would configure). */
  ixit?: Partial<HarnessTarget['ixit']>;
  /** Case variants run at once (each has its own sockets, users and Call-IDs). */
  concurrency?: number;
}

export interface FullRun {
  verdicts: Map<string, string>;
  /**
   * The verdicts a conforming server earns on a clean network: pass for every variant the target
   * applies to, n/a for the rest (its ICS). What the correct reference gives (selftest proves it).
   */
  conforming: Map<string, string>;
  /** Reason of every non-pass verdict, for the printout. */
  reasons: Map<string, string>;
  durationMs: number;
}

async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

export async function fullRun(o: FullRunOptions): Promise<FullRun> {
  const started = Date.now();
  // Datagram loss anywhere on the path: the server's Timer B back at 64·T1, for it and the cases (referenceTimers says why).
  const loss = Math.max(o.server?.lossRate ?? 0, o.server?.network?.lossRate ?? 0, o.caseOptions?.lossRate ?? 0, o.caseOptions?.network?.lossRate ?? 0);
  const timers = referenceTimers(loss || undefined);
  const server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode: o.mode, timers, ...o.server });
  let results: CaseResult[];
  const conforming = new Map<string, string>();
  try {
    const base = referenceTarget(server);
    const target: HarnessTarget = { ...base, ixit: { ...base.ixit, timers, ...o.ixit } };
    // Started as a run starts them: the longest waits first (src/harness/test-case.ts longestFirst).
    const jobs: Array<[TestCase, CaseVariant]> = longestFirst(allCases().flatMap((c) => c.variants.map((v) => [c, v] as [TestCase, CaseVariant])), ([c]) => c.waitsOutMs?.(target) ?? 0);
    results = await pool(jobs, o.concurrency ?? 4, ([c, v]) => runCase(c, v, target, o.caseOptions));
    for (const [i, [c, v]] of jobs.entries()) conforming.set(`${o.mode} ${results[i].key}`, notApplicable(c, v, target) ? 'n/a' : 'pass');
  } finally {
    await server.stop();
  }
  const verdicts = new Map<string, string>();
  const reasons = new Map<string, string>();
  for (const r of results) {
    const key = `${o.mode} ${r.key}`;
    verdicts.set(key, r.verdict);
    if (r.verdict !== 'pass' && r.verdict !== 'n/a') reasons.set(key, `${r.reason?.requirement ?? ''} ${r.reason?.message ?? ''}`.trim());
  }
  return { verdicts, conforming, reasons, durationMs: Date.now() - started };
}

/** Keys whose verdict differs between two runs (a key missing on one side counts). */
export function changed(a: Map<string, string>, b: Map<string, string>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).sort();
}
