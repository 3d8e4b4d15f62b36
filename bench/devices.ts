/**
 * Device-scaling benchmark (issue 4 §3, issue 14): the CPM-MLD-007 acceptance case against the
 * built-in reference server with 2 to 1,000 devices on one user. Prints wall time, time and
 * memory per device (RSS, harness and reference in this one process) per count, and the growth
 * ratio against the smallest count measured in the same run: time per device must not grow.
 * A count whose 200 (OK) to REGISTER, listing every binding (RFC 3261 §10.3 step 8), would not
 * fit one UDP datagram runs over TCP (§18.1.1; src/harness/register-hints.ts estimates the size).
 *
 *   npm run bench:devices            # all counts
 *   node dist/bench/devices.js 2 10  # chosen counts
 */
import { startReferenceServer } from '../src/reference';
import { runCase } from '../src/harness/runner';
import { acceptanceCancelsOthers } from '../suites/multi-device/cases';
import { referenceTarget } from '../bin/targets';
import { estimatedOkSize } from '../src/harness/register-hints';
import { MAX_UDP_PAYLOAD } from '../src/sip/transport/udp';

/** UDP while the largest 200 (OK) fits a datagram with room to spare, TCP beyond. */
function transportFor(devices: number): 'udp' | 'tcp' {
  const device = { contact: `<sip:b-${devices}@127.0.0.1:65535;transport=udp>;+sip.instance="<urn:uuid:00000000-0000-4000-8000-000000000000>";+g.oma.sip-im`,
    aor: 'sip:user-000000@cpm.example.com', instanceId: 'urn:uuid:00000000-0000-4000-8000-000000000000', transport: { protocol: 'udp' } };
  return estimatedOkSize(device, devices) <= MAX_UDP_PAYLOAD * 0.5 ? 'udp' : 'tcp';
}

interface Row { devices: number; transport: string; ms: number; baseMb: number; peakMb: number; verdict: string; reason?: string }

async function measure(devices: number): Promise<Row> {
  if (global.gc) global.gc();
  const transport = transportFor(devices);
  const baseMb = process.memoryUsage().rss / 2 ** 20;
  const server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: [transport], mode: 'proxy', timers: { t1: 100, t2: 800, t4: 1000 } });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  try {
    const base = referenceTarget(server, [transport]);
    // More devices need more time for the burst of INVITEs and CANCELs; the verdict must not depend on it.
    const target = { ...base, ixit: { ...base.ixit, responseTimeoutMs: Math.max(base.ixit.responseTimeoutMs, 20 * devices) } };
    const started = process.hrtime.bigint();
    const r = await runCase(acceptanceCancelsOthers, { transport, topology: 'direct', devices: [1, devices] }, target, {
      caseTimeoutMs: 600_000,
      // The 200 (OK) to REGISTER lists every binding (§10.3 step 8): about 230 octets each, so a
      // thousand devices need a header section above the harness's default 64 KiB bound.
      limits: { stream: { maxHeaderBytes: Math.max(64 * 1024, 512 * devices) } },
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { devices, transport, ms, baseMb, peakMb: peak / 2 ** 20, verdict: r.verdict, reason: r.reason?.message };
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
}

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number).filter((n) => n >= 1);
  const list = counts.length > 0 ? counts : [2, 10, 50, 100, 200, 500, 1000];
  const rows: Row[] = [];
  process.stdout.write('devices  transport  wall ms   ms/device  peak RSS MB  KiB/device  verdict\n');
  for (const n of list) {
    const r = await measure(n);
    rows.push(r);
    // Memory per device: the case's peak RSS above the process's RSS before it, over its devices.
    const kib = ((r.peakMb - r.baseMb) * 1024) / n;
    process.stdout.write(`${String(n).padStart(7)}  ${r.transport.padEnd(9)}  ${r.ms.toFixed(0).padStart(7)}  ${(r.ms / n).toFixed(2).padStart(9)}  ${r.peakMb.toFixed(1).padStart(11)}  ${kib.toFixed(1).padStart(10)}  ${r.verdict}${r.reason ? ` (${r.reason.slice(0, 160)})` : ''}\n`);
  }
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (rows.length > 1) {
    // ≤ 1 means the time per device at the largest count is no worse than at the smallest: at most linear growth.
    const growth = (last.ms / last.devices) / (first.ms / first.devices);
    process.stdout.write(`\ntime per device at ${last.devices} vs ${first.devices} devices: ${growth.toFixed(2)}x (≤ 1.00 = no worse than linear)\n`);
    const rose = rows.slice(1).filter((r, i) => r.ms / r.devices > rows[i].ms / rows[i].devices).map((r) => r.devices);
    process.stdout.write(`time per device non-increasing from row to row: ${rose.length === 0 ? 'yes' : `no (rose at ${rose.join(', ')} devices)`}\n`);
    process.stdout.write(`memory per added device: ${(((last.peakMb - first.peakMb) * 1024) / (last.devices - first.devices)).toFixed(1)} KiB\n`);
  }
  if (rows.some((r) => r.verdict !== 'pass')) process.exitCode = 1;
}

void main();
