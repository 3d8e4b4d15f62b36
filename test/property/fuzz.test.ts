/**
 * Robustness: random octets and mutations of a realistic corpus never make the parser throw,
 * hang, or return nothing. FUZZ_RUNS sets the count (./runs.ts: 200,000 in `npm test`, 1,000,000 in
 * `npm run test:full`: about 20 s here).
 */
import fc from 'fast-check';
import { FUZZ_RUNS } from './runs';
import { parseMessage, type ParseOptions, type ParseResult } from '../../src/sip/codec/parse';
import { corpus, fuzzInput } from './arbitraries';

const RUNS = FUZZ_RUNS;
const MODES: ParseOptions[] = [
  { mode: 'strict', framing: 'datagram' }, { mode: 'lenient', framing: 'datagram' },
  { mode: 'strict', framing: 'stream' }, { mode: 'lenient', framing: 'stream' },
];

/** What every result must satisfy; returns a reason when it does not. */
function violation(input: Buffer, r: ParseResult): string | null {
  if (r.diagnostics.some((d) => d.rule.startsWith('INTERNAL'))) return `parser fault: ${r.diagnostics.map((d) => d.message).join('; ')}`;
  if (r.message === null && r.diagnostics.length === 0 && !r.needMore) return 'no message, no diagnostics, no needMore';
  if (!(r.consumed >= 0 && r.consumed <= input.length)) return `consumed ${r.consumed} outside 0..${input.length}`;
  if (r.needMore && r.message !== null) return 'needMore with a message';
  for (const d of r.diagnostics) if (!(d.line >= 0 && d.column >= 0 && d.message.length > 0)) return `bad diagnostic ${JSON.stringify(d)}`;
  return null;
}

describe('parser fuzz', () => {
  it(`${RUNS} random and mutated inputs never throw, hang or yield nothing`, () => {
    const items = corpus();
    let slowest = 0;
    const t0 = Date.now();
    fc.assert(fc.property(fuzzInput(items), fc.nat(MODES.length - 1), (input, k) => {
      const s = performance.now();
      const r = parseMessage(input, MODES[k]);
      const took = performance.now() - s;
      if (took > slowest) slowest = took;
      const why = violation(input, r);
      if (why) throw new Error(why);
      return took < 2000; // "never hang": one parse of ≤ a few KiB takes microseconds; 2 s allows for GC pauses on a loaded machine
    }), { numRuns: RUNS });
    process.stdout.write(`fuzz: ${RUNS} inputs in ${((Date.now() - t0) / 1000).toFixed(1)} s, slowest parse ${slowest.toFixed(2)} ms\n`);
  }, 600_000);

  it('the checks can fail (a broken result is caught)', () => {
    expect(violation(Buffer.from('x'), { message: null, diagnostics: [], consumed: 0 })).not.toBeNull();
    expect(violation(Buffer.from('x'), { message: null, diagnostics: [], consumed: 5, needMore: true })).not.toBeNull();
  });
});
