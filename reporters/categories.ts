/**
 * Allure categories (the verdict mapping of docs/reporting.md), written as categories.json into the
 * results: FAIL → failed (SUT non-conformance); INCONC and ERROR → broken, told apart by the
 * message prefix the suite runner throws, a case the run's interruption stopped apart from the
 * SUT's INCONCs; N/A → skipped; a known deviation of the baseline gets its own category (the run
 * rewrites its message to start with "Known deviation").
 */
export interface AllureCategory {
  name: string;
  description?: string;
  matchedStatuses: Array<'failed' | 'broken' | 'passed' | 'skipped' | 'unknown'>;
  messageRegex?: string;
}

/** An INCONC status message, as the run writes it ("Error: Inconclusive: INCONC …") or as the report shows it ("Inconclusive: …"). */
const INCONC = '(Error: )?Inconclusive';
/** The runner's words for a case the run's interruption stopped (src/harness/runner.ts), on the message's first line. */
const INTERRUPTED = '[^\\n]*the run was interrupted';

export const CATEGORIES: AllureCategory[] = [
  { name: 'Known deviation (baseline)', description: 'fails as recorded in the baseline of known deviations; does not fail the run', matchedStatuses: ['failed', 'broken'], messageRegex: '^Known deviation[\\s\\S]*' },
  { name: 'SUT non-conformance', description: 'FAIL: a SHALL/MUST not met', matchedStatuses: ['failed'], messageRegex: '^(?!Known deviation)[\\s\\S]*' },
  // A case the run's Ctrl-C / SIGTERM stopped (or never started) says nothing about the SUT: it is
  // not one of the SUT's inconclusive cases, and has its own category (issue 13: "not reached" is
  // its own reason everywhere). Allure 3 puts a result in the first category that matches.
  { name: 'Not run: interrupted', description: 'INCONC: the run was interrupted (Ctrl-C / SIGTERM) before this case started or ended: no verdict on the SUT', matchedStatuses: ['broken'], messageRegex: `^${INCONC}${INTERRUPTED}[\\s\\S]*` },
  { name: 'Inconclusive', description: 'INCONC: a precondition failed, the requirement was not reached', matchedStatuses: ['broken'], messageRegex: `^(?!${INCONC}${INTERRUPTED})${INCONC}[\\s\\S]*` },
  { name: 'Harness error', description: 'ERROR: a fault of the test harness, not of the SUT', matchedStatuses: ['broken'], messageRegex: '^(?!(Error: )?Inconclusive|Known deviation)[\\s\\S]*' },
  // A transport / topology the target does not offer is no ICS claim: its own category (issue 13).
  { name: 'Not applicable (target configuration)', description: 'N/A: the target offers no transport / topology this variant needs', matchedStatuses: ['skipped'], messageRegex: "^not applicable: the target's (transport|topology) is[\\s\\S]*" },
  { name: 'Not applicable (ICS)', description: 'N/A: the SUT does not claim the feature in its ICS', matchedStatuses: ['skipped'], messageRegex: "^(?!not applicable: the target's (transport|topology) is)[\\s\\S]*" },
];
