/**
 * How many inputs the fuzz-style properties draw (fuzz.test.ts: all of it; equivalence: a fifth,
 * each input parses eight times; shape: a tenth per property).
 *
 * `npm test` draws 200,000 (fuzz 200k, equivalence 40k per property, shape 20k per property):
 * every run draws a fresh fast-check seed, printed with any counterexample, so the inputs of
 * successive runs add up instead of repeating, and the corpus, torture messages and regressions
 * are checked in full every time. `npm run test:full` (FUZZ_RUNS=1000000) keeps the full sizes
 * (fuzz 1,000,000, equivalence 200k per property, shape 100k per property) for a release gate.
 */
export const FUZZ_RUNS = Number(process.env['FUZZ_RUNS'] ?? 200_000);
