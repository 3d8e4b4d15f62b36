/**
 * Codec benchmark (docs/architecture.md, Conventions: a script printing ratios against a peer measured in the same run).
 * Parses the fixtures/messages corpus with our parser in STRICT mode (grammar + semantic checks)
 * and with the `sip` npm package's `parse` (on the string, as that package does), then serializes
 * with ours and with `sip`'s `stringify`. Warm-up, then several timed rounds; the best round of
 * each counts, so a busy neighbour on a shared machine hurts both sides alike.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/codec.js [--rounds 7] [--ms 400]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseMessage } from '../src/sip/codec/parse';
import { serializeMessage } from '../src/sip/codec/serialize';

// `sip` 0.0.6 ships no types; only parse/stringify are used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const peer = require('sip') as { parse(s: string): unknown; stringify(m: unknown): string };

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

/** Messages per second of `fn` over the corpus, running about `ms` milliseconds. */
function rate(corpusSize: number, ms: number, fn: (i: number) => unknown): number {
  let n = 0;
  let sink = 0;
  const t0 = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let k = 0; k < 200; k++) {
      if (fn(n % corpusSize)) sink++;
      n++;
    }
    elapsed = process.hrtime.bigint() - t0;
  }
  if (sink < 0) process.stdout.write(''); // keep results alive for the optimiser
  return n / (Number(elapsed) / 1e9);
}

function main(): void {
  const dir = join(__dirname, '../../fixtures/messages');
  const files = readdirSync(dir).filter((f) => f.endsWith('.sip')).sort();
  const buffers = files.map((f) => readFileSync(join(dir, f)));
  const strings = buffers.map((b) => b.toString('utf8'));
  const rounds = arg('rounds', 7);
  const ms = arg('ms', 400);

  // Both parsers must understand the whole corpus, or the comparison means nothing.
  const ours = buffers.map((b) => parseMessage(b, { mode: 'strict' }));
  const theirs = strings.map((s) => peer.parse(s));
  ours.forEach((r, i) => {
    if (!r.message || r.diagnostics.length > 0) throw new Error(`our parser rejects ${files[i]}: ${JSON.stringify(r.diagnostics)}`);
  });
  theirs.forEach((m, i) => {
    if (!m) throw new Error(`sip.parse rejects ${files[i]}`);
  });
  const ourMsgs = ours.map((r) => r.message!);

  const cases: Record<string, () => number> = {
    'parse ours (strict)': () => rate(buffers.length, ms, (i) => parseMessage(buffers[i]!, { mode: 'strict' }).message),
    'parse ours (lenient)': () => rate(buffers.length, ms, (i) => parseMessage(buffers[i]!).message),
    'parse sip 0.0.6': () => rate(strings.length, ms, (i) => peer.parse(strings[i]!)),
    'serialize ours': () => rate(ourMsgs.length, ms, (i) => serializeMessage(ourMsgs[i]!).length),
    'serialize sip 0.0.6': () => rate(theirs.length, ms, (i) => peer.stringify(theirs[i]).length),
  };
  const best: Record<string, number> = {};
  for (const name of Object.keys(cases)) cases[name]!(); // warm-up (JIT) for every case
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(cases)) best[name] = Math.max(best[name] ?? 0, run());
  }
  process.stdout.write(`corpus: ${files.length} messages (${files.join(', ')}), ${rounds} rounds of ${ms} ms, best round\n`);
  for (const [name, v] of Object.entries(best)) process.stdout.write(`${name.padEnd(24)} ${Math.round(v).toLocaleString('en-US').padStart(12)} msg/s\n`);
  const p = best['parse ours (strict)']! / best['parse sip 0.0.6']!;
  const s = best['serialize ours']! / best['serialize sip 0.0.6']!;
  process.stdout.write(`ratio parse  strict ours / sip: ${p.toFixed(2)}x (goal >= 1.5x: ${p >= 1.5 ? 'met' : 'NOT met'})\n`);
  process.stdout.write(`ratio serialize ours / sip:     ${s.toFixed(2)}x\n`);
}

main();
