/**
 * One JSON line per executed case variant. The suites (in jest) append, the live reporter and the
 * run summary read: the verdict crosses from the test process to the CLI without parsing output.
 */
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { CaseResult } from '../src/harness/runner';
import type { Verdict } from '../src/harness/verdict';
import type { Finding } from '../src/harness/finding';

export interface VerdictRecord {
  key: string;
  id: string;
  title: string;
  feature: string;
  variant: CaseResult['variant'];
  verdict: Verdict;
  reason?: { message: string; requirement?: string; step?: string; expected?: string; fields?: string[] };
  requirements: string[];
  requirementVerdicts: Record<string, Verdict>;
  durationMs: number;
  sutAgents: string[];
  /** Per-case evidence files, relative to the results directory. */
  artifacts?: { ladder: string; exchange: string; pcap: string };
  /** SIP messages in the case's pcap (wire messages of the merged trace). */
  pcapMessages?: number;
  /** Entries of the merged trace (both ends of a loopback hop counted). */
  traceMessages?: number;
  /** What the devices cleaned up at the SUT after the verdict (bindings removed, sessions closed, problems). */
  teardown?: CaseResult['teardown'];
  /** When the variant started (ms since the epoch) and the AoRs it ran with: cases that overlapped never share a user. */
  startedAt?: number;
  users?: string[];
}

function slim(f: Finding | undefined): VerdictRecord['reason'] {
  return f ? { message: f.message, requirement: f.requirement, step: f.step, expected: f.expected, fields: f.fields } : undefined;
}

export function toRecord(r: CaseResult, feature: string): VerdictRecord {
  return {
    key: r.key, id: r.testCase.id, title: r.testCase.title, feature, variant: r.variant, verdict: r.verdict,
    reason: slim(r.reason), requirements: r.testCase.requirements, requirementVerdicts: r.requirementVerdicts,
    durationMs: r.durationMs, sutAgents: r.sutAgents, teardown: r.teardown, startedAt: r.startedAt, users: r.users,
  };
}

export function appendVerdict(file: string, rec: VerdictRecord): void {
  appendFileSync(file, JSON.stringify(rec) + '\n');
}

export function readVerdicts(file: string): VerdictRecord[] {
  if (!existsSync(file)) return [];
  return parseLines(readFileSync(file, 'utf8').split('\n'));
}

function parseLines(lines: string[]): VerdictRecord[] {
  return lines.filter((l) => l.trim()).flatMap((l) => {
    try {
      return [JSON.parse(l) as VerdictRecord];
    } catch {
      return [];
    }
  });
}

/**
 * Reads the records appended since the last call (whole lines only): the live reporter's view of a
 * growing log, in time linear in the log, where re-reading it per case was quadratic.
 */
export class VerdictTail {
  private offset = 0;
  private partial = '';

  constructor(readonly file: string) {}

  next(): VerdictRecord[] {
    if (!existsSync(this.file)) return [];
    const size = statSync(this.file).size;
    if (size <= this.offset) return [];
    const buf = Buffer.alloc(size - this.offset);
    const fd = openSync(this.file, 'r');
    try {
      readSync(fd, buf, 0, buf.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const lines = (this.partial + buf.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    return parseLines(lines);
  }
}
