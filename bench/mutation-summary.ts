/**
 * The summary of a mutation run (docs/mutation.md): per mutated file, how many mutants the
 * conformance suites killed, how many survived, had no coverage, timed out (counted as detected,
 * as Stryker does) or were ignored (out of scope, with the reason in the report), and the mutation
 * score = detected / (detected + undetected), ignored mutants left out. Reads Stryker's JSON
 * report (mutation-testing-report-schema) and the dry run's coverage (bench/mutation-suite.ts)
 * from the run's folder, .tmp/mutation/<MUTATE without src/reference/, or pf-files>/ as
 * stryker.config.mjs names it, or the paths given as arguments. The command runner collects
 * none, so Stryker reports a mutant in code the suites never reached as Survived; here it counts
 * as NoCoverage (fault-only or dead code on the correct server).
 */
import { existsSync, readFileSync } from 'node:fs';

interface Mutant { id: string; mutatorName: string; status: string; statusReason?: string; location: { start: { line: number; column: number } }; replacement?: string }
interface Report { files: Record<string, { mutants: Mutant[] }> }

const COLUMNS = ['Killed', 'Survived', 'NoCoverage', 'Timeout', 'RuntimeError', 'CompileError', 'Ignored'] as const;

function row(name: string, mutants: Mutant[]): string {
  const n = (s: string) => mutants.filter((m) => m.status === s).length;
  const detected = n('Killed') + n('Timeout');
  const undetected = n('Survived') + n('NoCoverage');
  const score = detected + undetected === 0 ? 'n/a' : `${((100 * detected) / (detected + undetected)).toFixed(1)}%`;
  return `${name.padEnd(44)} ${COLUMNS.map((c) => String(n(c)).padStart(c.length)).join(' ')} ${score.padStart(7)}`;
}

/** The run's folder, as stryker.config.mjs names it. */
function runFolder(): string {
  const m = process.env.MUTATE;
  return `.tmp/mutation/${m ? m.replace(/src\/reference\//g, '').replace(/[^A-Za-z0-9.-]+/g, '_') : 'pf-files'}`;
}

function main(): number {
  const dir = runFolder();
  const file = process.argv[2] ?? `${dir}/report.json`;
  let report: Report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  } catch (err) {
    process.stderr.write(`mutation-summary: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const covFile = process.argv[3] ?? `${dir}/coverage.json`;
  if (existsSync(covFile)) {
    const covered = new Set((JSON.parse(readFileSync(covFile, 'utf8')) as { covered: string[] }).covered);
    for (const f of Object.values(report.files)) for (const m of f.mutants) if (m.status === 'Survived' && !covered.has(m.id)) m.status = 'NoCoverage';
  } else {
    process.stdout.write(`(no ${covFile}: survivors the suites never reached are counted as Survived)\n`);
  }
  const files = Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b));
  process.stdout.write(`${'file'.padEnd(44)} ${COLUMNS.join(' ')}   score\n`);
  for (const [name, f] of files) process.stdout.write(`${row(name, f.mutants)}\n`);
  if (files.length > 1) process.stdout.write(`${row('all', files.flatMap(([, f]) => f.mutants))}\n`);
  const survivors = files.flatMap(([name, f]) => f.mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage').map((m) => `  ${name}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} ${m.status} → ${(m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 100)}`));
  if (survivors.length > 0) process.stdout.write(`\nundetected (triage each: docs/mutation.md):\n${survivors.join('\n')}\n`);
  process.stdout.write(`\nHTML report: ${file.replace(/\.json$/, '.html')}\n`);
  return 0;
}

process.exitCode = main();
