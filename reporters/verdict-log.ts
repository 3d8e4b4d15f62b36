/**
 * One JSON line per executed case variant. The suites (in jest) append, the live reporter and the
 * run summary read: the verdict crosses from the test process to the CLI without parsing output.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
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
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => {
    try {
      return [JSON.parse(l) as VerdictRecord];
    } catch {
      return [];
    }
  });
}
