/** Closest-candidate suggestion for typos in keys and enum values. */

/** Levenshtein distance; inputs are config keys, so O(n·m) is nothing. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/**
 * The candidate closest to `input` (case-insensitive), or undefined when nothing is close enough
 * to be a plausible typo: a distance up to a third of the word (at least 2), or a prefix match.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const hay = c.toLowerCase();
    const prefix = Math.min(needle.length, hay.length) >= 3 && (hay.startsWith(needle) || needle.startsWith(hay));
    const d = hay === needle ? 0 : prefix ? 1 : editDistance(needle, hay);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(input.length / 3));
  return bestDistance <= limit ? best : undefined;
}
