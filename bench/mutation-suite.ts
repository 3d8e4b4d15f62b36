/**
 * The test of a mutation run (docs/mutation.md, issue 18): the conformance suites against the
 * reference server as Stryker mutated it, in process, in both PF modes at once. Stryker's command
 * runner starts `node dist/bench/mutation-suite.js` once per mutant with the mutant's id in
 * `__STRYKER_ACTIVE_MUTANT__` (mutant schemata: one build, every mutant in it); the reference's
 * instrumented code reads it. Exit 0 when every applicable variant passes, 1 at the first that
 * does not (a killed mutant: the suites noticed), 2 on a harness error before any verdict.
 *
 * Only the suites of the features the mutated files serve run (mutation-scope.ts), so one file
 * reruns in minutes. `MUTATION_SUITES=multi-device,session-leaving` overrides the choice;
 * `MUTATION_CONCURRENCY` (default 4) sets the variants run at once per PF mode.
 */
import { startReferenceServer, type ReferenceServer } from '../src/reference';
import { notApplicable, runCase } from '../src/harness/runner';
import { longestFirst, type CaseVariant, type TestCase } from '../src/harness/test-case';
import type { HarnessTarget } from '../src/harness/target';
import { SUITES } from '../suites/index';
import { REFERENCE_IXIT, referenceTarget, withBinding } from '../bin/targets';
import { extraPasses, suitesFor, type ExtraPass } from './mutation-scope';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * On the run without a mutant (Stryker's dry run), which mutants' code the suites reached: the
 * instrumented code counts it in `__stryker__.mutantCoverage`, which the command runner does not
 * collect. Written to MUTATION_COVERAGE_FILE, so the summary can tell a survivor the suites never
 * reached (no coverage: fault-only or dead code) from one they ran past (mutation-summary.ts).
 */
function writeCoverage(): void {
  const file = process.env.MUTATION_COVERAGE_FILE;
  const cov = (globalThis as { __stryker__?: { mutantCoverage?: { static?: Record<string, number>; perTest?: Record<string, Record<string, number>> } } }).__stryker__?.mutantCoverage;
  if (!file || process.env.__STRYKER_ACTIVE_MUTANT__ !== undefined || !cov) return;
  const ids = new Set([...Object.keys(cov.static ?? {}), ...Object.values(cov.perTest ?? {}).flatMap((t) => Object.keys(t))]);
  mkdirSync(dirname(file), { recursive: true }); // a target's first run: its folder does not exist yet
  writeFileSync(file, `${JSON.stringify({ covered: [...ids] })}\n`);
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i]);
  }));
}

function chosenSuites(): string[] {
  const override = process.env.MUTATION_SUITES;
  if (override) return override.split(',').map((s) => s.trim()).filter(Boolean);
  return suitesFor(mutatedFiles());
}

function mutatedFiles(): string[] {
  return (process.env.MUTATE ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** The target of an extra pass: its binding knobs, and the transfer URI in the service domain if it asks. */
function passTarget(base: HarnessTarget, x: ExtraPass): HarnessTarget {
  const t = withBinding(base, x.binding);
  return x.transferUriInDomain ? { ...t, ixit: { ...t.ixit, transferUri: `sip:transfer@${t.domain}` } } : t;
}

async function runMode(mode: 'proxy' | 'b2bua', cases: TestCase[], extra: ExtraPass[], concurrency: number): Promise<void> {
  let server: ReferenceServer | undefined;
  try {
    server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode, timers: REFERENCE_IXIT.timers });
    const base = referenceTarget(server);
    const passes = [{ cases, target: base }, ...extra.map((x) => ({ cases: SUITES.filter((s) => x.suites.includes(s.name)).flatMap((s) => s.cases), target: passTarget(base, x) }))];
    // The longest waits first (TC-MLD-007-14's Timer B), as a run starts them: the mutant's test ends sooner.
    const jobs = longestFirst(passes.flatMap(({ cases: cs, target }) => cs.flatMap((c) => c.variants.filter((v) => !notApplicable(c, v, target)).map((v) => [c, v, target] as [TestCase, CaseVariant, typeof target]))), ([c, , t]) => c.waitsOutMs?.(t) ?? 0);
    await pool(jobs, concurrency, async ([c, v, target]) => {
      const r = await runCase(c, v, target);
      if (r.verdict === 'pass') return;
      // The first variant that does not pass decides: the mutant is killed, the rest need not run.
      process.stdout.write(`${mode} ${r.key}: ${r.verdict} ${r.reason?.requirement ?? ''} ${(r.reason?.message ?? '').slice(0, 300)}\n`);
      process.exit(1);
    });
  } finally {
    await server?.stop();
  }
}

async function main(): Promise<number> {
  const names = chosenSuites();
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`mutation-suite: unknown suite(s) ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const cases = SUITES.filter((s) => names.includes(s.name)).flatMap((s) => s.cases);
  const n = Number(process.env.MUTATION_CONCURRENCY ?? 4);
  const concurrency = Number.isSafeInteger(n) && n >= 1 ? n : 4;
  const started = Date.now();
  // MUTATION_SUITES chooses the suites by hand: then no extra pass.
  const extra = process.env.MUTATION_SUITES ? [] : extraPasses(mutatedFiles());
  await Promise.all([runMode('proxy', cases, extra, concurrency), runMode('b2bua', cases, extra, concurrency)]);
  const more = extra.map((x) => `; ${x.suites.join(', ')} again with ${JSON.stringify(x.binding)}${x.transferUriInDomain ? ' and the CS transfer URI in the service domain' : ''}`).join('');
  process.stdout.write(`mutation-suite: ${names.join(', ')}${more}: every applicable variant passed in both PF modes (${Date.now() - started} ms)\n`);
  writeCoverage();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`mutation-suite: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(2);
  },
);
