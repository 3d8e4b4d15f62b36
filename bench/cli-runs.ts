/**
 * N consecutive default runs of the CLI exactly as a user starts it (jest, allure-jest, the per-case
 * artifacts), each in a process of its own: exit code, wall time, event-loop delay and verdicts per
 * run, and every case variant or requirement whose verdict was not the same in all runs. Exits 1 if
 * a run did not exit 0 or a verdict changed.
 *
 *   node dist/bench/cli-runs.js [--runs 10] [--results DIR] [--cli PATH] [-- RUN-ARGS...]
 *
 * The event-loop delay comes from two places: the CLI's own "wall time" line (max while cases ran,
 * and overall), and a preload (loop-delay-preload.ts) that measures any build, also one from before
 * the CLI printed it, with perf_hooks.monitorEventLoopDelay over the whole process.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Options {
  runs: number;
  results: string;
  cli: string;
  runArgs: string[];
}

interface RunOutcome {
  n: number;
  code: number | null;
  wallS?: number;
  /** From the CLI's wall-time line (absent in builds that do not print it). */
  cli?: { casesMaxMs: number; casesP99Ms: number; maxMs: number };
  /** From the preload. */
  preload?: { maxMs: number; p99Ms: number; meanMs: number };
  summary: string;
  verdicts: Map<string, string>;
  reasons: Map<string, string>;
  requirements: Map<string, string>;
}

/** Bound on one run: ten times a default run on a loaded 2-core machine. */
const RUN_TIMEOUT_MS = 10 * 60_000;

function usage(msg: string): never {
  process.stderr.write(`cli-runs: ${msg}\nusage: node dist/bench/cli-runs.js [--runs N] [--results DIR] [--cli PATH] [-- RUN-ARGS...]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    runs: 10,
    results: path.join(os.tmpdir(), `cpm-cli-runs-${process.pid}`),
    cli: path.resolve(__dirname, '..', 'bin', 'cpm-conformance.js'),
    runArgs: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? usage(`${a} needs a value`);
    if (a === '--') {
      o.runArgs = argv.slice(i + 1);
      break;
    } else if (a === '--runs') {
      o.runs = Number(value());
      if (!Number.isSafeInteger(o.runs) || o.runs < 1 || o.runs > 1000) usage('--runs must be a whole number from 1 to 1000');
    } else if (a === '--results') o.results = path.resolve(value());
    else if (a === '--cli') o.cli = path.resolve(value());
    else usage(`unknown option ${a}`);
  }
  if (!fs.existsSync(o.cli)) usage(`no CLI at ${o.cli} (npm run build first)`);
  return o;
}

function readJsonLines<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
}

function runOnce(o: Options, n: number): RunOutcome {
  const dir = path.join(o.results, `r${n}`);
  const loopFile = path.join(o.results, `r${n}.loop-delay.jsonl`);
  fs.rmSync(loopFile, { force: true });
  const preload = path.join(__dirname, 'loop-delay-preload.js');
  const r = spawnSync(process.execPath, ['-r', preload, o.cli, 'run', '--results', dir, ...o.runArgs], {
    encoding: 'utf8', timeout: RUN_TIMEOUT_MS, maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, FORCE_COLOR: '0', CPM_LOOP_DELAY_FILE: loopFile },
  });
  const out = `${r.stdout ?? ''}`;
  fs.writeFileSync(path.join(o.results, `r${n}.out`), `${out}\n--- stderr\n${r.stderr ?? ''}`);
  const wall = /^wall time ([\d.]+) s/m.exec(out);
  const delay = /max event-loop delay (\d+) ms while cases ran \(p99 (\d+) ms\), (\d+) ms overall/.exec(out);
  const verdicts = new Map<string, string>();
  const reasons = new Map<string, string>();
  for (const rec of readJsonLines<{ key: string; verdict: string; reason?: { message: string } }>(path.join(dir, 'cpm-verdicts.jsonl'))) {
    verdicts.set(rec.key, rec.verdict);
    if (rec.verdict !== 'pass' && rec.verdict !== 'n/a' && rec.reason) reasons.set(rec.key, rec.reason.message.split('\n')[0]);
  }
  const requirements = new Map<string, string>();
  const matrixFile = path.join(dir, 'conformance', 'conformance-report.json');
  if (fs.existsSync(matrixFile)) {
    const m = JSON.parse(fs.readFileSync(matrixFile, 'utf8')) as { requirements: Array<{ id: string; verdict: string }> };
    for (const q of m.requirements) requirements.set(q.id, q.verdict);
  }
  return {
    n, code: r.status, wallS: wall ? Number(wall[1]) : undefined,
    cli: delay ? { casesMaxMs: Number(delay[1]), casesP99Ms: Number(delay[2]), maxMs: Number(delay[3]) } : undefined,
    preload: readJsonLines<RunOutcome['preload'] & object>(loopFile)[0],
    summary: /^\d+ case variants: .*$/m.exec(out)?.[0] ?? '(no summary)',
    verdicts, reasons, requirements,
  };
}

/** Keys whose value is not the same in every run (a key missing from a run counts). */
function unstable(runs: RunOutcome[], pick: (r: RunOutcome) => Map<string, string>): Array<[string, string[]]> {
  const keys = new Set(runs.flatMap((r) => [...pick(r).keys()]));
  return [...keys].sort().map((k) => [k, runs.map((r) => pick(r).get(k) ?? 'missing')] as [string, string[]])
    .filter(([, vs]) => vs.some((v) => v !== vs[0]));
}

function main(): number {
  const o = parseArgs(process.argv.slice(2));
  fs.mkdirSync(o.results, { recursive: true });
  process.stdout.write(`${o.runs} runs of ${o.cli} run ${o.runArgs.join(' ')} → ${o.results}/rN\n`);
  process.stdout.write('run  exit  wall s  loop delay while cases (max/p99 ms)  overall max (CLI / preload ms)  verdicts\n');
  const runs: RunOutcome[] = [];
  for (let n = 1; n <= o.runs; n++) {
    const r = runOnce(o, n);
    runs.push(r);
    const cases = r.cli ? `${r.cli.casesMaxMs} / ${r.cli.casesP99Ms}` : 'not printed';
    const overall = `${r.cli?.maxMs ?? '-'} / ${r.preload?.maxMs ?? '-'}`;
    process.stdout.write(`${String(n).padStart(3)}  ${String(r.code).padStart(4)}  ${(r.wallS?.toFixed(1) ?? '-').padStart(6)}  ${cases.padStart(36)}  ${overall.padStart(30)}  ${r.summary}\n`);
    for (const [k, why] of r.reasons) process.stdout.write(`       ${r.verdicts.get(k)} ${k}: ${why.slice(0, 200)}\n`);
  }
  const changed = unstable(runs, (r) => r.verdicts);
  const changedReq = unstable(runs, (r) => r.requirements);
  const bad = runs.filter((r) => r.code !== 0);
  const maxOf = (f: (r: RunOutcome) => number | undefined) => {
    const v = runs.map(f).filter((x): x is number => x !== undefined);
    return v.length ? `${Math.max(...v)} ms` : 'not measured';
  };
  process.stdout.write(`\nexit 0 in ${runs.length - bad.length}/${runs.length} runs; max event-loop delay over all runs: ${maxOf((r) => r.cli?.casesMaxMs)} while cases ran, ${maxOf((r) => r.preload?.maxMs)} overall (preload)\n`);
  if (changed.length === 0 && changedReq.length === 0) {
    process.stdout.write(`every case variant (${runs[0].verdicts.size}) and requirement (${runs[0].requirements.size}) verdict identical in all runs\n`);
  } else {
    process.stdout.write(`${changed.length} case variant(s) and ${changedReq.length} requirement(s) changed verdict:\n`);
    for (const [k, vs] of [...changed, ...changedReq]) process.stdout.write(`  ${k}: ${vs.join(' ')}\n`);
  }
  return bad.length || changed.length || changedReq.length ? 1 : 0;
}

process.exitCode = main();
