/**
 * `npm run bench:load:judge-every` (docs/load.md, --judge-every): what an unjudged flow saves. The
 * basic call flow (load --flow leave) against the same Kamailio as bench:load, at one rate, with
 * every flow judged (K=1) and one in ten (K=10), interleaved over BENCH_JUDGE_ROUNDS rounds in one
 * run so the other jobs of a shared machine weigh on both alike; prints the generator's CPU per
 * flow while the flows ran (its summary's figure) for each, and the medians. `--keep-failures`
 * is left at its default (10), so a judged flow records its checks as `run` would for a report.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kamailio } from '../test/interop/kamailio/kamailio';
import { toolPath } from '../test/interop/support/tools';
import { measure } from './load-peers';
import { CLI, targetYaml, type Proxy } from './load-steps';

const RATE = Number(process.env.BENCH_JUDGE_RATE ?? 50);
const DURATION_S = Number(process.env.BENCH_JUDGE_DURATION_S ?? 10);
const ROUNDS = Number(process.env.BENCH_JUDGE_ROUNDS ?? 3);

interface Summary { arrivals: { started: number }; verdicts: Record<string, number>; generator?: { flowCpuS?: number } }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function main(): Promise<void> {
  if (!toolPath('kamailio')) throw new Error('bench:load:judge-every needs kamailio: apt-get install -y kamailio');
  const dir = mkdtempSync(join(tmpdir(), 'cpm-bench-judge-'));
  const k = await Kamailio.start({ variant: 'conformant' });
  try {
    const proxy: Proxy = { name: 'Kamailio', host: k.host, port: k.port, address: k.address };
    const target = targetYaml(proxy, dir);
    process.stdout.write(`load --flow leave at ${RATE}/s for ${DURATION_S} s against Kamailio (${k.address}), K=1 and K=10 interleaved, ${ROUNDS} rounds\n`);
    const perFlow: Record<number, number[]> = { 1: [], 10: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const judgeEvery of [1, 10]) {
        const results = join(dir, `k${judgeEvery}-${round}`);
        const m = await measure('node', [CLI, 'load', '--target', target, '--flow', 'leave', '--rate', String(RATE), '--duration', String(DURATION_S), '--max-concurrent', '100',
          '--judge-every', String(judgeEvery), '--results', results], 120_000 + DURATION_S * 4000);
        const s = JSON.parse(readFileSync(join(results, 'load-summary.json'), 'utf8')) as Summary;
        const ms = ((s.generator?.flowCpuS ?? 0) / Math.max(1, s.arrivals.started)) * 1000;
        perFlow[judgeEvery].push(ms);
        process.stdout.write(`  round ${round} K=${String(judgeEvery).padEnd(2)}  ${ms.toFixed(2)} ms CPU a flow  (${s.arrivals.started} flows: ${s.verdicts.pass} pass, ${s.verdicts.unjudged} not judged, ${s.verdicts.fail} fail; exit ${m.code})\n`);
      }
    }
    const m1 = median(perFlow[1]);
    const m10 = median(perFlow[10]);
    process.stdout.write(`median CPU a flow: K=1 ${m1.toFixed(2)} ms, K=10 ${m10.toFixed(2)} ms (K=10 ÷ K=1: ${(m10 / m1).toFixed(2)})\n`);
  } finally {
    await k.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:load:judge-every: ${(e as Error).message}\n`);
  process.exit(1);
});
