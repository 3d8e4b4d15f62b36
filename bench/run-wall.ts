/**
 * `npm run bench:run` (issue 14): one full default run of the CLI, exactly as a user starts it,
 * timed from outside; beside its wall time the sum of the case times (what a one-at-a-time run
 * would take) and the longest case (the lower bound of any schedule). The ratio wall ÷ longest case
 * says how far the run is from that bound (goal ≤ 3). Also the max event-loop delay while cases ran,
 * which must stay far below the shortest IXIT timeout (2500 ms against the reference).
 *
 *   node dist/bench/run-wall.js [--runs N] [-- RUN-ARGS...]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Bound on one run: ten times a default run on a loaded 2-core machine. */
const RUN_TIMEOUT_MS = 10 * 60_000;
const CLI = path.resolve(__dirname, '..', 'bin', 'cpm-conformance.js');

interface Row { wallS: number; cpuS: number; sumS: number; longestS: number; longestKey: string; variants: number; delayMs?: number; code: number | null }

/**
 * CPU seconds (user + system) of the waited-for children of this process: fields cutime and cstime
 * of /proc/self/stat (proc(5)), in clock ticks of 100 Hz (USER_HZ on Linux). NaN elsewhere.
 */
function childrenCpuS(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return NaN;
  }
}

function once(results: string, runArgs: string[]): Row {
  const cpuBefore = childrenCpuS();
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, 'run', '--results', results, ...runArgs], { encoding: 'utf8', timeout: RUN_TIMEOUT_MS, maxBuffer: 64 * 2 ** 20 });
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuS = childrenCpuS() - cpuBefore;
  const log = path.join(results, 'cpm-verdicts.jsonl');
  const records = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { key: string; durationMs: number; verdict: string }) : [];
  const ran = records.filter((x) => x.verdict !== 'n/a');
  const longest = ran.reduce((a, b) => (b.durationMs > a.durationMs ? b : a), { key: '-', durationMs: 0, verdict: '' });
  const delay = /max event-loop delay (\d+) ms while cases ran/.exec(r.stdout ?? '');
  return {
    wallS, cpuS, sumS: ran.reduce((s, x) => s + x.durationMs, 0) / 1000, longestS: longest.durationMs / 1000, longestKey: longest.key,
    variants: records.length, delayMs: delay ? Number(delay[1]) : undefined, code: r.status,
  };
}

function main(): void {
  const argv = process.argv.slice(2);
  const dash = argv.indexOf('--');
  const runArgs = dash >= 0 ? argv.slice(dash + 1) : [];
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const runsAt = own.indexOf('--runs');
  const runs = runsAt >= 0 ? Math.max(1, Math.min(50, Number(own[runsAt + 1]) || 1)) : 1;
  const results = fs.mkdtempSync(path.join(os.tmpdir(), 'cpm-bench-run-'));
  process.stdout.write(`${os.cpus().length} CPU(s), load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at start\n`);
  // The CPU floor: the run's CPU time spread over every core; no schedule ends before it or before the longest case.
  const cores = os.cpus().length;
  process.stdout.write('run  exit  variants  wall s  CPU s  CPU floor s  sum of cases s  longest case s  wall/longest  wall/max(longest,floor)  max loop delay ms  longest case\n');
  let bad = false;
  try {
    for (let i = 1; i <= runs; i++) {
      const r = once(path.join(results, String(i)), runArgs);
      const ratio = r.longestS > 0 ? r.wallS / r.longestS : NaN;
      const floorS = r.cpuS / cores;
      const bound = r.wallS / Math.max(r.longestS, floorS);
      bad ||= r.code !== 0;
      process.stdout.write(`${String(i).padStart(3)}  ${String(r.code).padStart(4)}  ${String(r.variants).padStart(8)}  ${r.wallS.toFixed(1).padStart(6)}  ${r.cpuS.toFixed(1).padStart(5)}  ${floorS.toFixed(1).padStart(11)}  ${r.sumS.toFixed(1).padStart(14)}  ${r.longestS.toFixed(2).padStart(14)}  ${ratio.toFixed(1).padStart(12)}  ${bound.toFixed(1).padStart(23)}  ${String(r.delayMs ?? '?').padStart(17)}  ${r.longestKey}\n`);
    }
  } finally {
    fs.rmSync(results, { recursive: true, force: true });
  }
  process.stdout.write('goal: wall/longest ≤ 3; max event-loop delay far below the 2500 ms IXIT timeout. When the CPU floor exceeds the longest case the run is CPU-bound: wall/max(longest, floor) says how far the schedule is from the best this machine allows\n');
  if (bad) process.exitCode = 1;
}

main();
