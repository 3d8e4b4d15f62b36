/**
 * Verdicts (docs/architecture.md, Verdicts, TTCN-3 and Autobahn style). Worst wins:
 * pass < non-strict < inconclusive < fail; error = harness fault; n/a = not applicable per ICS.
 */
export type Verdict = 'pass' | 'non-strict' | 'inconclusive' | 'fail' | 'error' | 'n/a';

const RANK: Record<Verdict, number> = { 'n/a': 0, pass: 1, 'non-strict': 2, inconclusive: 3, fail: 4, error: 5 };

export function worse(a: Verdict, b: Verdict): Verdict {
  return RANK[b] > RANK[a] ? b : a;
}

export function worst(verdicts: Iterable<Verdict>, empty: Verdict = 'pass'): Verdict {
  let v: Verdict | undefined;
  for (const x of verdicts) v = v === undefined ? x : worse(v, x);
  return v ?? empty;
}

/** `--strict` turns a SHOULD not met into a failure. */
export function applyStrict(v: Verdict, strict: boolean): Verdict {
  return strict && v === 'non-strict' ? 'fail' : v;
}

/** Process exit code of a run (docs/architecture.md, Verdicts): 0 clean, 1 any fail, 3 inconclusive/error only. */
export function exitCodeFor(verdicts: Iterable<Verdict>): number {
  let fail = false;
  let other = false;
  for (const v of verdicts) {
    if (v === 'fail') fail = true;
    else if (v === 'inconclusive' || v === 'error') other = true;
  }
  return fail ? 1 : other ? 3 : 0;
}

export const VERDICT_LABEL: Record<Verdict, string> = {
  pass: 'PASS', 'non-strict': 'NON-STRICT', inconclusive: 'INCONC', fail: 'FAIL', error: 'ERROR', 'n/a': 'N/A',
};
