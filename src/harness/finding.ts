/** A judgement recorded during a case: which requirement, which spec step, expected vs actual. */
import type { TraceEntry } from '../sip/transport/tap';
import type { RequirementId } from './requirements';
import type { Verdict } from './verdict';

export interface Finding {
  verdict: Verdict;
  requirement?: RequirementId;
  /** Spec flow step (e.g. "6" of C.2.3.1) or case step id. */
  step?: string;
  message: string;
  /** The expected template, in words. */
  expected?: string;
  /** The offending message (trace entry) or a description of what happened instead. */
  actual?: TraceEntry;
  actualText?: string;
  /** Header names (or template fields) the check compared; the report highlights them. */
  fields?: string[];
  /**
   * Context added by the runner for a verdict whose findings name no message (the last message the
   * SUT sent): it points at octets but judged none, so views do not mark that message as failing.
   */
  context?: boolean;
}

/** Thrown to stop a case at its first failure (root cause), carrying the finding. */
export class CaseStop extends Error {
  constructor(readonly finding: Finding) {
    super(finding.message);
    this.name = 'CaseStop';
  }
}
