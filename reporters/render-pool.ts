/**
 * One worker thread that renders every case's ladder (SVG), exchange page (HTML) and pcap and
 * writes them, for the whole run.
 *
 * Why a thread: the rendering runs while other cases are running, and on the main thread it shared
 * their event loop. Profiled in a default run, a large case's view + exchange page took 50–170 ms in
 * one block, and the megabytes of markup it allocates per case grew the heap until major GCs paused
 * the loop for 250–450 ms: late timers and late socket reads for the running cases (issue 14). On
 * its own thread and heap, neither reaches them. The main thread only copies the evidence over
 * (a few ms for the largest case) and attaches the written files.
 *
 * The jest test environment (allure-environment.ts) creates the renderer once, in jest's own realm,
 * and hands it to the suites' test context as the global RENDERER_GLOBAL; without it (or if the
 * worker fails) reportCase renders in its own thread, as before.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TraceEntry } from '../src/sip/transport/tap';
import type { Finding } from '../src/harness/finding';
import type { CaseEvidence, SutAddress } from './case-view';
import { buildCaseArtifacts, type CaseArtifacts } from './case-artifacts';

export interface RenderJob {
  id: number;
  evidence: CaseEvidence;
  sut: SutAddress[];
  resultsDir: string;
}

export type RenderReply =
  | { id: number; ok: true; files: NonNullable<CaseArtifacts['files']>; pcapMessages: number }
  | { id: number; ok: false; error: string };

/** The global under which the test environment hands the renderer to the test context. */
export const RENDERER_GLOBAL = '__cpmCaseRenderer';

export interface CaseRenderer {
  /** Renders and writes the case's files under resultsDir; the result names them (no content). */
  render(r: CaseEvidence, sut: readonly SutAddress[], resultsDir: string): Promise<CaseArtifacts>;
}

/**
 * The evidence as it crosses to the worker: only what the views read, and every octet buffer copied
 * into a buffer of its own. A Buffer is a view, and a structured clone copies the whole memory
 * behind it: the 8 KiB allocation pool for a small message, a 64 KiB read for one sliced out of a
 * TCP stream. Shared entries (a step's entry is also in the trace) stay shared.
 */
export function packEvidence(r: CaseEvidence): CaseEvidence {
  const memo = new Map<TraceEntry, TraceEntry>();
  const own = (b: Buffer): Buffer => new Uint8Array(b) as Buffer;
  const entry = (e: TraceEntry): TraceEntry => {
    let p = memo.get(e);
    if (!p) {
      p = { ...e, raw: own(e.raw), message: e.message && { ...e.message, body: own(e.message.body) } };
      if (e.msrp) p.msrp = { ...e.msrp, body: e.msrp.body && own(e.msrp.body) };
      memo.set(e, p);
    }
    return p;
  };
  const finding = (f: Finding): Finding => (f.actual ? { ...f, actual: entry(f.actual) } : f);
  return {
    key: r.key, title: r.title, verdict: r.verdict,
    trace: r.trace.map(entry),
    steps: r.steps.map((s) => ({ ...s, entries: s.entries.map(entry), findings: s.findings.map(finding) })),
    findings: r.findings.map(finding),
    reason: r.reason && finding(r.reason),
  };
}

/** In the worker: the cloned octets (Uint8Array) become Buffers again, which the views use. */
export function reviveEvidence(r: CaseEvidence): CaseEvidence {
  const asBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));
  const entry = (e: TraceEntry): void => {
    e.raw = asBuffer(e.raw);
    if (e.message) e.message.body = asBuffer(e.message.body);
    if (e.msrp?.body) e.msrp.body = asBuffer(e.msrp.body);
  };
  const finding = (f: Finding): void => {
    if (f.actual) entry(f.actual);
  };
  r.trace.forEach(entry);
  for (const s of r.steps) {
    s.entries.forEach(entry);
    s.findings.forEach(finding);
  }
  r.findings.forEach(finding);
  if (r.reason) finding(r.reason);
  return r;
}

class WorkerRenderer implements CaseRenderer {
  private worker: Worker | undefined;
  /** Set once the worker failed: every later case renders in the calling thread. */
  private broken = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: RenderReply) => void; reject: (e: Error) => void }>();

  constructor(private readonly script: string) {}

  async render(r: CaseEvidence, sut: readonly SutAddress[], resultsDir: string): Promise<CaseArtifacts> {
    const w = this.broken ? undefined : this.start();
    if (!w) return buildCaseArtifacts(r, sut, resultsDir);
    const id = this.nextId++;
    const reply = new Promise<RenderReply>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    try {
      w.postMessage({ id, evidence: packEvidence(r), sut: sut.map((s) => ({ ...s })), resultsDir } satisfies RenderJob);
    } catch {
      // Evidence that does not clone (a harness change put something exotic in it): render here.
      this.pending.delete(id);
      return buildCaseArtifacts(r, sut, resultsDir);
    }
    // Keep the process alive while a render is out; an idle worker must not hold it open.
    if (this.pending.size === 1) w.ref();
    let done: RenderReply;
    try {
      done = await reply;
    } catch {
      return buildCaseArtifacts(r, sut, resultsDir); // the worker died: render here
    }
    if (!done.ok) throw new Error(`rendering the case's ladder / exchange / pcap failed: ${done.error}`);
    return { files: done.files, pcapMessages: done.pcapMessages };
  }

  private start(): Worker | undefined {
    if (this.worker) return this.worker;
    // The worker renders only: the CLI's own node flags (a profiler, a preload) are not for it.
    const w = new Worker(this.script, { execArgv: [] });
    w.unref();
    w.on('message', (m: RenderReply) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      p?.resolve(m);
    });
    const fail = (e: Error) => {
      this.broken = true;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    w.on('error', (e) => fail(e));
    w.on('exit', (code) => fail(new Error(`the render worker exited (code ${code})`)));
    this.worker = w;
    return w;
  }
}

let shared: CaseRenderer | undefined;

/**
 * The run's renderer: one worker for every test file of every pass. Undefined where the compiled
 * worker script is not present (the sources run through a TypeScript transform, as in unit tests).
 */
export function sharedCaseRenderer(): CaseRenderer | undefined {
  const script = path.join(__dirname, 'render-worker.js');
  if (!shared && fs.existsSync(script)) shared = new WorkerRenderer(script);
  return shared;
}
