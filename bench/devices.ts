/**
 * Device-scaling benchmark (issue 4 §3): the CPM-MLD-007 acceptance case against the built-in
 * reference server with 2, 10, 50, 100 and 500 devices on one user. Prints wall time and peak
 * memory (RSS, harness and reference in this one process) per count, and the growth ratio
 * against the smallest count measured in the same run: time per device must not grow (≤ linear).
 *
 *   npm run bench:devices            # all counts
 *   node dist/bench/devices.js 2 10  # chosen counts
 */
import { startReferenceServer } from '../src/reference';
import { runCase } from '../src/harness/runner';
import { acceptanceCancelsOthers } from '../suites/multi-device/cases';
import { referenceTarget } from '../bin/targets';

async function measure(devices: number): Promise<{ devices: number; ms: number; peakMb: number; verdict: string; reason?: string }> {
  if (global.gc) global.gc();
  const server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp'], mode: 'proxy', timers: { t1: 100, t2: 800, t4: 1000 } });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  try {
    const base = referenceTarget(server, ['udp']);
    // More devices need more time for the burst of INVITEs and CANCELs; the verdict must not depend on it.
    const target = { ...base, ixit: { ...base.ixit, responseTimeoutMs: Math.max(base.ixit.responseTimeoutMs, 20 * devices) } };
    const started = process.hrtime.bigint();
    const r = await runCase(acceptanceCancelsOthers, { transport: 'udp', topology: 'direct', devices: [1, devices] }, target, { caseTimeoutMs: 600_000 });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { devices, ms, peakMb: peak / 2 ** 20, verdict: r.verdict, reason: r.reason?.message };
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
}

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number).filter((n) => n >= 1);
  const list = counts.length > 0 ? counts : [2, 10, 50, 100, 500];
  const rows = [];
  process.stdout.write('devices  wall ms   ms/device  peak RSS MB  verdict\n');
  for (const n of list) {
    const r = await measure(n);
    rows.push(r);
    process.stdout.write(`${String(n).padStart(7)}  ${r.ms.toFixed(0).padStart(7)}  ${(r.ms / n).toFixed(2).padStart(9)}  ${r.peakMb.toFixed(1).padStart(11)}  ${r.verdict}${r.reason ? ` (${r.reason.slice(0, 120)})` : ''}\n`);
  }
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (rows.length > 1) {
    // ≤ 1 means the time per device at the largest count is no worse than at the smallest: at most linear growth.
    const growth = (last.ms / last.devices) / (first.ms / first.devices);
    process.stdout.write(`\ntime per device at ${last.devices} vs ${first.devices} devices: ${growth.toFixed(2)}x (≤ 1.00 = no worse than linear)\n`);
    process.stdout.write(`memory per added device: ${(((last.peakMb - first.peakMb) * 1024) / (last.devices - first.devices)).toFixed(1)} KiB\n`);
  }
  if (rows.some((r) => r.verdict !== 'pass')) process.exitCode = 1;
}

void main();
