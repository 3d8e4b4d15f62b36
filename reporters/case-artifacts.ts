/**
 * Per-case evidence files (docs/reporting.md): the ladder diagram (SVG, and the same SVG inline in an HTML
 * page, which Allure shows at 100 % with hover working), the exchange page (HTML) and the
 * trace as pcap, written next to the Allure results (for readers without Allure) and attached to
 * the case's Allure result.
 */
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { writePcap } from '../src/sip/pcap/writer';
import { buildCaseView, isKeepAlive, wireMessages, type CaseEvidence, type SutAddress } from './case-view';
import { ladderPage, renderLadder } from './ladder';
import { renderExchange } from './exchange-html';
import { TimeSlicer } from './loop-yield';
import { entryText } from './sip-text';

export interface CaseArtifacts {
  /** SIP messages written to the pcap (the trace's wire messages). */
  pcapMessages: number;
  /** Files written, relative to the results directory (absent when no directory was given). */
  files?: CaseFiles;
  /** The rendered evidence, when it was rendered in this thread (not by the render worker). */
  svg?: string;
  html?: string;
  pcap?: Buffer;
  trace?: string;
  steps?: string[];
}

export interface CaseFiles {
  ladder: string;
  ladderPage?: string;
  exchange: string;
  pcap: string;
  /** The merged trace as JSON (seq, times, owner, direction, flow, octets as latin1 text). */
  trace?: string;
  /** One text file per step of the case, in step order: the SIP messages it exchanged. */
  steps?: string[];
}

export interface RenderedArtifacts {
  svg: string;
  html: string;
  pcap: Buffer;
  pcapMessages: number;
  trace: string;
  steps: string[];
}

/**
 * A step's messages as one text attachment, each under its heading (hop, transport, time).
 * One file per step, not per message: a default run exchanges about 15,000 messages, and a file
 * each was the run's largest report cost (issue 14); the exchange page shows them one by one.
 */
export function stepText(entries: CaseEvidence['steps'][number]['entries']): string {
  return entries.map(entryText).join('\n\n');
}

/**
 * The merged trace as JSON: every entry with its octets as latin1 text (one character per octet),
 * one entry per line (a JSON array; `grep` finds a message's line, `jq` reads the whole). Not
 * indented field by field: that made the run's traces a fifth larger and slower to write (issue 14).
 */
export function traceJson(trace: CaseEvidence['trace']): string {
  const lines = trace.map((e) => JSON.stringify({
    seq: e.seq, at: e.at.toString(), wallMs: e.wallMs, owner: e.owner, direction: e.direction, flow: e.flow, protocol: e.protocol, text: e.raw.toString('latin1'),
  }));
  return `[\n${lines.join(',\n')}\n]\n`;
}

/** File-system-safe name of a case variant key ("TC-LEAVE-01 [udp, direct, devices 1+1]"). */
export function caseSlug(key: string): string {
  return key.replace(/[^A-Za-z0-9+.-]+/g, '_').replace(/^_+|_+$/g, '');
}

/** The folder under the results directory that holds the run's reports and per-case files. */
export const CONFORMANCE_DIR = 'conformance';

/** The ladder, the exchange page and the pcap of one case (pure; the render worker runs it too). */
export function renderCaseArtifacts(r: CaseEvidence, sut: readonly SutAddress[]): RenderedArtifacts {
  // One pass over the trace for the ladder, the exchange page and the pcap.
  const wireOnce = wireMessages(r.trace);
  const view = buildCaseView(r, sut, wireOnce);
  const svg = renderLadder(view);
  const html = renderExchange(r, sut, svg, view, wireOnce);
  // Keep-alives are not SIP messages (RFC 5626 §3.5.1); a message traced at both ends is written once.
  const wire = wireOnce.kept.filter((e) => !isKeepAlive(e));
  return { svg, html, pcap: writePcap(wire, { dedupe: false }), pcapMessages: wire.length, trace: traceJson(r.trace), steps: r.steps.map((s) => stepText(s.entries)) };
}

/** The case's files under <resultsDir>/conformance/cases/<case>/: where each goes and what it holds. */
function caseFilePlan(resultsDir: string, key: string, a: RenderedArtifacts): { dir: string; writes: Array<[string, string | Buffer]>; files: CaseFiles } {
  const rel = path.join(CONFORMANCE_DIR, 'cases', caseSlug(key));
  const dir = path.join(resultsDir, rel);
  const steps = a.steps.map((_, i) => path.join(rel, 'steps', `${String(i + 1).padStart(2, '0')}.sip.txt`));
  const writes: Array<[string, string | Buffer]> = [
    [path.join(dir, 'ladder.svg'), a.svg],
    [path.join(dir, 'ladder.html'), ladderPage(a.svg, key)],
    [path.join(dir, 'exchange.html'), a.html],
    [path.join(dir, 'trace.pcap'), a.pcap],
    [path.join(dir, 'trace.json'), a.trace],
    ...a.steps.map((text, i): [string, string] => [path.join(resultsDir, steps[i]), text]),
  ];
  const files: CaseFiles = {
    ladder: path.join(rel, 'ladder.svg'), ladderPage: path.join(rel, 'ladder.html'), exchange: path.join(rel, 'exchange.html'),
    pcap: path.join(rel, 'trace.pcap'), trace: path.join(rel, 'trace.json'), steps,
  };
  return { dir, writes, files };
}

/** Writes the rendered files under <resultsDir>/conformance/cases/<case>/, off the event loop. */
export async function writeCaseFiles(resultsDir: string, key: string, a: RenderedArtifacts): Promise<CaseFiles> {
  const { dir, writes, files } = caseFilePlan(resultsDir, key, a);
  await fsp.mkdir(path.join(dir, 'steps'), { recursive: true });
  await Promise.all(writes.map(([file, content]) => fsp.writeFile(file, content)));
  return files;
}

/**
 * The same files written synchronously: for the render worker, whose thread runs no case (blocking
 * it delays nobody). A promise write is an open, a write and a close, each a hop to libuv's thread
 * pool and back with a FileHandle and promises around it; for the ~10 files of each of 240 cases
 * that was a fifth of the worker's time (issue 14, profiled), where plain system calls cost less.
 */
export function writeCaseFilesSync(resultsDir: string, key: string, a: RenderedArtifacts): CaseFiles {
  const { dir, writes, files } = caseFilePlan(resultsDir, key, a);
  fs.mkdirSync(path.join(dir, 'steps'), { recursive: true });
  for (const [file, content] of writes) fs.writeFileSync(file, content);
  return files;
}

/**
 * Renders the evidence in this thread and writes the files (when given a directory): the fallback
 * when no render worker is at hand. The renders are separated by yields, since running cases share
 * this event loop (loop-yield.ts says why).
 */
export async function buildCaseArtifacts(r: CaseEvidence, sut: readonly SutAddress[], resultsDir?: string, slicer = new TimeSlicer()): Promise<CaseArtifacts> {
  const wireOnce = wireMessages(r.trace);
  const view = buildCaseView(r, sut, wireOnce);
  await slicer.yield();
  const svg = renderLadder(view);
  await slicer.yield();
  const html = renderExchange(r, sut, svg, view, wireOnce);
  await slicer.yield();
  const wire = wireOnce.kept.filter((e) => !isKeepAlive(e));
  const pcap = writePcap(wire, { dedupe: false });
  await slicer.yield();
  const rendered: RenderedArtifacts = { svg, html, pcap, pcapMessages: wire.length, trace: traceJson(r.trace), steps: r.steps.map((s) => stepText(s.entries)) };
  return { ...rendered, files: resultsDir ? await writeCaseFiles(resultsDir, r.key, rendered) : undefined };
}
