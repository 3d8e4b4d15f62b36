/**
 * The steps of `npm run bench:load` (bench/load.ts, bench/reference-load.ts; docs/load.md): one
 * generator at one rate for BENCH_LOAD_STEP_S seconds against one proxy — `cpm-conformance load
 * --flow leave` (every call judged) or SIPp 3.6.1 (its UAC and a UAS copying the Record-Route) —
 * and the search for its ceiling: the rate stepped ×1.5 from BENCH_LOAD_START until it falls
 * behind (an arrival shed, or the calls take longer than the step allows) or a call fails.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { freePort } from '../test/interop/support/free-port';
import { SampledPeer, cpuSeconds, measure, register } from './load-peers';

export const STEP_S = Number(process.env.BENCH_LOAD_STEP_S ?? 5);
export const START = Number(process.env.BENCH_LOAD_START ?? 20);
export const MAX_RATE = Number(process.env.BENCH_LOAD_MAX ?? 1500);
export const SLOTS = Number(process.env.BENCH_LOAD_SLOTS ?? 500);
export const ROOT = resolve(__dirname, '..', '..'); // dist/bench → the repository
export const CLI = join(ROOT, 'dist', 'bin', 'cpm-conformance.js');
export const DOMAIN = 'cpm.example.com';

/** A proxy under load: where its PF A (or its only port) listens, and its pid when the bench started it. */
export interface Proxy {
  name: string;
  host: string;
  port: number;
  address: string;
  /** The pid whose CPU a step reports (the reference server's own process). */
  pid?: number;
}

export interface Step {
  rate: number;
  /** Ours: CPU while the flows ran (process start and the devices' registration excluded). */
  flowCpuS?: number;
  held: boolean;
  why: string;
  calls: number;
  wallS: number;
  cpuS: number;
  /** The proxy's own CPU over the step, when the bench started it (the reference server). */
  proxyCpuS?: number;
}

export function rates(): number[] {
  const out: number[] = [];
  for (let r = START; r <= MAX_RATE; r = Math.round(r * 1.5)) out.push(r);
  return out;
}

/** A target config for the proxy: enough users for SLOTS slots of two users, a wide port range. */
export function targetYaml(p: Proxy, dir: string, pfB: string = p.address): string {
  const users = Array.from({ length: 2 * SLOTS }, (_, i) => `  - aor: sip:bench${i}@${DOMAIN}\n    devices: 1`).join('\n');
  const file = join(dir, `bench-${p.port}.yaml`);
  writeFileSync(file, `sut: { name: ${p.name} (bench), host: ${p.host}, port: ${p.port}, transport: udp, domain: ${DOMAIN} }
topology: direct
local: { host: 127.0.0.1, ports: { from: 20000, to: 29999 } }
participatingFunction: { mode: proxy, a: "${p.address}", b: "${pfB}" }
users:
${users}
ics: { sessionLeaving: true, multiDevice: false, transfer: { csInMediaPath: false, csNotInMediaPath: false, pull: false } }
ixit: { responseTimeoutMs: 5000, quietPeriodMs: 100 }
binding: { reasonOnCancel: required }
`);
  return file;
}

/** The proxy's CPU from here on (undefined when the bench did not start it). */
function proxyMeter(p: Proxy): () => number | undefined {
  const at = p.pid !== undefined ? cpuSeconds(p.pid) : undefined;
  return () => (p.pid !== undefined && at !== undefined ? (cpuSeconds(p.pid) ?? at) - at : undefined);
}

interface Summary { arrivals: { due: number; started: number; shed: number }; verdicts: Record<string, number>; setup: { slots: number }; generator?: { flowCpuS?: number } }

/** One step of ours: `shards` processes (`load --shard i/n`, each rate/n and its slice of the users) at once. */
export async function oursAt(p: Proxy, target: string, dir: string, rate: number, shards: number, extra: string[] = []): Promise<Step> {
  const proxyCpu = proxyMeter(p);
  const runs = await Promise.all(Array.from({ length: shards }, async (_, i) => {
    const results = join(dir, `ours-${p.port}-${shards}-${rate}-${i + 1}`);
    const m = await measure('node', [CLI, 'load', '--target', target, '--flow', 'leave', '--rate', String(rate), '--duration', String(STEP_S), '--max-concurrent', String(SLOTS),
      '--keep-failures', '0', '--results', results, ...(shards > 1 ? ['--shard', `${i + 1}/${shards}`] : []), ...extra], 120_000 + STEP_S * 4000);
    let s: Summary | undefined;
    try {
      s = JSON.parse(readFileSync(join(results, 'load-summary.json'), 'utf8')) as Summary;
    } catch {
      // no summary: reported below with the exit code
    }
    return { m, s };
  }));
  const cpuS = runs.reduce((n, r) => n + r.m.cpuS, 0);
  const wallS = Math.max(...runs.map((r) => r.m.wallS));
  const proxyCpuS = proxyCpu();
  const summaries = runs.flatMap((r) => (r.s ? [r.s] : []));
  const missing = runs.find((r) => !r.s);
  if (missing) return { rate, held: false, why: `no summary (exit ${missing.m.code}): ${missing.m.stderr.slice(-300)}`, calls: 0, wallS, cpuS, proxyCpuS };
  const sum = (f: (s: Summary) => number) => summaries.reduce((n, s) => n + f(s), 0);
  const shed = sum((s) => s.arrivals.shed);
  const bad = sum((s) => (s.verdicts.fail ?? 0) + (s.verdicts.inconclusive ?? 0) + (s.verdicts.error ?? 0));
  const slots = sum((s) => s.setup.slots);
  const why = shed > 0 ? `${shed} of ${sum((s) => s.arrivals.due)} arrivals shed (all ${slots} slots busy)` : bad > 0 ? `${bad} call(s) not PASS: ${sum((s) => s.verdicts.fail ?? 0)} fail, ${sum((s) => s.verdicts.inconclusive ?? 0)} inconclusive (the generator stalled, or a precondition), ${sum((s) => s.verdicts.error ?? 0)} error` : slots < SLOTS ? `only ${slots} slots opened` : 'held';
  return { rate, held: why === 'held', why, calls: sum((s) => s.arrivals.started), wallS, cpuS, flowCpuS: sum((s) => s.generator?.flowCpuS ?? 0), proxyCpuS };
}

/** One step of SIPp: its UAS registered at the proxy as `service`, its UAC calling it `rate` times a second. */
export async function sippAt(p: Proxy, rate: number, uac: { scenario: string; args: string[] }, dir: string): Promise<Step> {
  const uasPort = await freePort();
  const uas = new SampledPeer(spawn('sipp', ['-sf', join(ROOT, 'bench', 'scenarios', 'uas-record-route.xml'), '-i', '127.0.0.1', '-p', String(uasPort), '-t', 'u1', '-nostdin'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  try {
    await new Promise((r) => setTimeout(r, 300));
    const reg = await register(p, DOMAIN, 'service', uasPort, 300);
    if (reg !== 200) throw new Error(`the UAS contact was not registered: ${reg}`);
    const calls = Math.round(rate * STEP_S);
    const proxyCpu = proxyMeter(p);
    const errors = join(dir, `sipp-${p.port}-${rate}-errors.log`);
    const m = await measure('sipp', ['-sf', uac.scenario, p.address, '-s', 'service', ...uac.args, '-i', '127.0.0.1', '-p', String(await freePort()), '-t', 'u1',
      '-r', String(rate), '-rp', '1000', '-m', String(calls), '-nostdin', '-timeout', `${STEP_S * 3 + 10}s`, '-timeout_error', '-trace_err', '-error_file', errors], (STEP_S * 3 + 20) * 1000);
    const proxyCpuS = proxyCpu();
    const cpuS = m.cpuS + uas.cpuS;
    // The calls end a pause (100 ms) and two transactions after the last INVITE: allow 20 % and a second.
    const late = m.wallS > STEP_S * 1.2 + 1;
    const why = m.code !== 0 ? `SIPp exit ${m.code} (a call failed or timed out${firstError(errors)})` : late ? `${calls} calls took ${m.wallS.toFixed(1)} s (fell behind)` : 'held';
    return { rate, held: why === 'held', why, calls, wallS: m.wallS, cpuS, proxyCpuS };
  } finally {
    await uas.stop();
    await register(p, DOMAIN, 'service', uasPort, 0).catch(() => undefined);
  }
}

/** The first call SIPp aborted and why (its -error_file), in a few words. */
function firstError(file: string): string {
  try {
    const text = readFileSync(file, 'latin1');
    const m = /(Aborting call[^\n]*\n?[^\n]*|[^\n]*(timeout|Timeout)[^\n]*)/.exec(text);
    return m ? `: ${m[0].replace(/\s+/g, ' ').slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

/** Step the rate up until the generator does not hold it; one line per step. */
export async function ceiling(name: string, at: (rate: number) => Promise<Step>): Promise<Step[]> {
  const steps: Step[] = [];
  for (const r of rates()) {
    const s = await at(r);
    steps.push(s);
    const proxy = s.proxyCpuS !== undefined ? `  proxy CPU ${s.proxyCpuS.toFixed(2)} s` : '';
    process.stdout.write(`  ${name.padEnd(22)} ${String(r).padStart(5)}/s  ${s.held ? 'held' : 'NOT held'}  ${s.calls} calls  wall ${s.wallS.toFixed(1)} s  CPU ${s.cpuS.toFixed(2)} s${s.flowCpuS !== undefined ? ` (${s.flowCpuS.toFixed(2)} s while the calls ran)` : ''}${proxy}${s.held ? '' : `  (${s.why})`}\n`);
    if (!s.held) break;
  }
  return steps;
}

/** The last step held. */
export const top = (steps: Step[]): Step | undefined => [...steps].reverse().find((s) => s.held);

/** CPU per call of a generator's step (ours: while the calls ran). */
export function perCall(s: Step | undefined): string {
  return s && s.calls ? `${(((s.flowCpuS ?? s.cpuS) / s.calls) * 1000).toFixed(2)} ms CPU per call${s.flowCpuS !== undefined ? ' while the calls ran' : ''}` : 'n/a';
}
