/**
 * The reference server's own ceiling (issue 19: "the reference server holds rate too, its own
 * ceiling printed by a bench, so `load` runs out of the box"): the built-in reference in proxy mode
 * (PF A and PF B record-routing, RFC 3261 §16.6 step 4, and its registrar) as a process of its own
 * (bench/reference-peer.ts), loaded by SIPp 3.6.1 (bench/scenarios/uac-call-domain.xml and the
 * record-routing UAS) and by `cpm-conformance load --flow leave`, each stepping its rate up as
 * bench/load-steps.ts does; the reference's CPU per step is read from /proc. Part of `npm run
 * bench:load` (after the Kamailio rows), or alone: `npm run bench:load:reference`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { toolPath } from '../test/interop/support/tools';
import { SampledPeer } from './load-peers';
import { DOMAIN, ROOT, START, STEP_S, ceiling, oursAt, perCall, sippAt, targetYaml, top, type Proxy, type Step } from './load-steps';

/** Start bench/reference-peer.js and read its `ready host port portB` line. */
async function startReference(): Promise<{ proxy: Proxy; pfB: string; peer: SampledPeer }> {
  const child = spawn('node', [join(ROOT, 'dist', 'bench', 'reference-peer.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the reference server did not start within 10 s: ${out}`)), 10_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.split('\n')[0]);
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the reference server exited (${code}): ${out}`)); });
  });
  const [, host, port, portB] = line.split(' ');
  const peer = new SampledPeer(child);
  return { proxy: { name: 'reference (proxy mode)', host, port: Number(port), address: `${host}:${port}`, pid: child.pid }, pfB: `${host}:${portB}`, peer };
}

/** The reference's CPU per call of a step. */
const proxyPerCall = (s: Step): string => (s.calls && s.proxyCpuS !== undefined ? `${((s.proxyCpuS / s.calls) * 1000).toFixed(2)} ms per call` : 'n/a');

/** The reference's ceiling under SIPp, and under ours; prints the rows and the summary lines. */
export async function referenceCeiling(dir: string): Promise<void> {
  const { proxy, pfB, peer } = await startReference();
  try {
    process.stdout.write(`\nreference server (proxy mode, record-routing PF A ${proxy.address} → PF B ${pfB}, registrar; pid ${proxy.pid}); steps of ${STEP_S} s from ${START}/s (×1.5)\n`);
    // A first step on a cold server (its code not yet optimised by V8) once failed where the warm one held: warm it up, uncounted.
    const warm = await sippAt(proxy, Math.max(5, Math.round(START / 2)), { scenario: join(ROOT, 'bench', 'scenarios', 'uac-call-domain.xml'), args: ['-key', 'domain', DOMAIN] }, dir);
    process.stdout.write(`  warm-up (not counted)  ${String(warm.rate).padStart(5)}/s  ${warm.held ? 'held' : `NOT held (${warm.why})`}\n`);
    const sipp = await ceiling('SIPp → reference', (r) => sippAt(proxy, r, { scenario: join(ROOT, 'bench', 'scenarios', 'uac-call-domain.xml'), args: ['-key', 'domain', DOMAIN] }, dir));
    const target = targetYaml(proxy, dir, pfB);
    const ours = await ceiling('load → reference', (r) => oursAt(proxy, target, dir, r, 1));
    const p = top(sipp);
    const o = top(ours);
    const firstFail = (steps: Step[]) => steps.find((s) => !s.held);
    const limit = (steps: Step[]) => { const f = firstFail(steps); return f ? `; at ${f.rate}/s: ${f.why}` : ' (the highest step: its real ceiling is higher)'; };
    process.stdout.write(`\nceiling, reference server under SIPp:  ${p ? `${p.rate}/s, the reference's CPU ${p.proxyCpuS?.toFixed(2) ?? '?'} s over ${p.wallS.toFixed(1)} s (${proxyPerCall(p)}); SIPp ${p.cpuS.toFixed(2)} s (${perCall(p)})` : 'none (the first step failed)'}${limit(sipp)}\n`);
    process.stdout.write(`ceiling, reference server under load:  ${o ? `${o.rate}/s, the reference's CPU ${o.proxyCpuS?.toFixed(2) ?? '?'} s (${proxyPerCall(o)}); ours ${perCall(o)}` : 'none (the first step failed)'}${limit(ours)}\n`);
    process.stdout.write(`reference server CPU in all: ${peer.cpuS.toFixed(2)} s (start, both searches, registrations)\n`);
  } finally {
    await peer.stop();
  }
}

if (require.main === module) {
  const dir = mkdtempSync(join(tmpdir(), 'cpm-bench-ref-'));
  (async () => {
    if (!toolPath('sipp')) throw new Error('bench:load:reference needs sipp: apt-get install -y sip-tester');
    await referenceCeiling(dir);
  })().catch((e: unknown) => {
    process.stderr.write(`bench:load:reference: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}
