/**
 * tshark as an independent judge of what the engine puts on the wire: the tap's entries are
 * written as pcap and tshark must decode every one as SIP, in order, with no malformed packet
 * and no expert error (checksums validated too, so the pcap writer is judged as well).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceEntry } from '../../../src/sip/transport/tap';
import { wireEntries, writePcap } from '../../../src/sip/pcap/writer';

export interface TsharkCheck {
  ok: boolean;
  /** SIP messages tshark decoded. */
  sipMessages: number;
  /** SIP messages written. */
  expected: number;
  /** Why `ok` is false, one line each. */
  problems: string[];
  /** tshark's own words: the expert summary and any offending frames. */
  tsharkText: string;
}

export interface TsharkCheckOptions {
  /** Lowest expert severity that fails the check. Default 'error'. */
  failOn?: 'error' | 'warn';
  /** Ports to force-decode as SIP (the entries' ports are added automatically). */
  ports?: number[];
  /** Per tshark invocation; default 20 s. */
  timeoutMs?: number;
}

// Severity values of _ws.expert.severity (epan/proto.h: PI_WARN, PI_ERROR).
const SEVERITY = { warn: 6291456, error: 8388608 } as const;

/** Run tshark, bounded; resolves with its output even when it exits non-zero. */
function tshark(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('tshark', args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      // On failure execFile's error carries the exit status as a number (or a string errno code).
      const status = err ? (err as { code?: unknown }).code : 0;
      const code = typeof status === 'number' ? status : null;
      resolve({ code, stdout, stderr: stderr.split('\n').filter((l) => !/Running as user "root"/.test(l)).join('\n') });
    });
  });
}

function firstLine(raw: Buffer): string {
  const s = raw.subarray(0, 4096).toString('latin1');
  const i = s.indexOf('\r\n');
  return i >= 0 ? s.slice(0, i) : s;
}

/** Check a pcap: `startLines` are the start lines tshark must decode, in order. */
export async function tsharkCheckPcap(pcap: Buffer, startLines: string[], options: TsharkCheckOptions = {}): Promise<TsharkCheck> {
  const timeoutMs = options.timeoutMs ?? 20000;
  const failSeverity = SEVERITY[options.failOn ?? 'error'];
  const dir = await mkdtemp(join(tmpdir(), 'cpm-tshark-'));
  try {
    const file = join(dir, 'trace.pcap');
    await writeFile(file, pcap);
    const common = ['-n', '-r', file,
      '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'];
    // Heuristics would find SIP on most ports, but a port registered to another protocol wins
    // over them (e.g. an ephemeral port that happens to be a well-known one): force SIP.
    for (const p of new Set(options.ports ?? [])) common.push('-d', `udp.port==${p},sip`, '-d', `tcp.port==${p},sip`);

    const problems: string[] = [];
    // Three independent reads of the same file, run side by side.
    const [fields, bad, expert] = await Promise.all([
      tshark([...common, '-Y', 'sip', '-T', 'json', '-e', 'frame.number', '-e', 'sip.Request-Line', '-e', 'sip.Status-Line'], timeoutMs),
      tshark([...common, '-Y', `_ws.malformed || _ws.expert.severity >= ${failSeverity}`], timeoutMs),
      // Notes too: tshark files some malformed-content complaints (e.g. an invalid SDP line) as notes.
      tshark([...common, '-q', '-z', 'expert,note'], timeoutMs),
    ]);
    const decoded: string[] = [];
    try {
      const frames = JSON.parse(fields.stdout || '[]') as Array<{ _source: { layers: Record<string, string[] | undefined> } }>;
      for (const f of frames) {
        const l = f._source.layers;
        decoded.push(...(l['sip.Request-Line'] ?? []), ...(l['sip.Status-Line'] ?? []));
      }
    } catch (err) {
      problems.push(`tshark JSON output unreadable: ${(err as Error).message}`);
    }
    if (fields.code !== 0) problems.push(`tshark exited with ${fields.code}: ${fields.stderr.trim()}`);
    if (decoded.length !== startLines.length) problems.push(`tshark decoded ${decoded.length} SIP messages, ${startLines.length} were written`);
    const n = Math.min(decoded.length, startLines.length);
    for (let i = 0; i < n; i++) {
      // The writer puts one message per frame, so tshark's order is the trace order.
      if (decoded[i] !== startLines[i]) {
        problems.push(`message ${i}: tshark decoded "${decoded[i]}", written "${startLines[i]}"`);
        break;
      }
    }

    const badFrames = bad.stdout.split('\n').filter((l) => l.trim() !== '');
    if (badFrames.length) problems.push(`${badFrames.length} frame(s) malformed or with expert ${options.failOn ?? 'error'}s`);
    const tsharkText = [expert.stdout.trim(), badFrames.length ? `Offending frames:\n${badFrames.join('\n')}` : ''].filter(Boolean).join('\n\n');
    return { ok: problems.length === 0, sipMessages: decoded.length, expected: startLines.length, problems, tsharkText };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Check trace entries (by default those the engine sent; dropped datagrams excluded): write them
 * as pcap and let tshark decode them.
 */
export async function tsharkCheckEntries(entries: readonly TraceEntry[], options: TsharkCheckOptions & { direction?: 'sent' | 'received' | 'both' } = {}): Promise<TsharkCheck> {
  const dir = options.direction ?? 'sent';
  // CRLF keep-alives (RFC 5626 §3.5.1) are not SIP messages: neither written nor counted.
  const chosen = entries.filter((e) => !e.dropped && (dir === 'both' || e.direction === dir) && e.raw.toString('latin1').trim() !== '');
  const ports = [...(options.ports ?? [])];
  for (const e of chosen) ports.push(e.flow.local.port, e.flow.remote.port);
  const written = wireEntries(chosen, { dedupe: dir === 'both' });
  return tsharkCheckPcap(writePcap(written, { dedupe: false }), written.map((e) => firstLine(e.raw)), { ...options, ports });
}

/** Throw with tshark's own text when the check failed. */
export function assertTsharkClean(check: TsharkCheck): void {
  if (check.ok) return;
  throw new Error(`tshark check failed:\n- ${check.problems.join('\n- ')}\n\n${check.tsharkText}`);
}

/** Counts across a test file, for the run's summary (INTEROP_SUMMARY=1 prints them). */
export const tsharkTally = { runs: 0, messages: 0 };

/** Register an afterAll that prints the tally when INTEROP_SUMMARY is set. */
export function reportTsharkTally(label: string): void {
  afterAll(() => {
    if (process.env.INTEROP_SUMMARY) console.log(`${label}: tshark decoded ${tsharkTally.messages} engine-sent SIP messages cleanly in ${tsharkTally.runs} runs`);
  });
}

/** The interop tests' wire check: every message the engine sent decodes cleanly in tshark. */
export async function expectEngineOutputClean(entries: readonly TraceEntry[]): Promise<TsharkCheck> {
  const check = await tsharkCheckEntries(entries, { direction: 'sent' });
  assertTsharkClean(check);
  tsharkTally.runs++;
  tsharkTally.messages += check.sipMessages;
  return check;
}
