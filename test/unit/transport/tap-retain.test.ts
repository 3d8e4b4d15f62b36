/**
 * A long-running server's tap stays bounded (src/reference/server.ts): by entries and, since a
 * registrar's 200 (OK) listing every binding grows with the devices (RFC 3261 §10.3 step 8), by
 * the octets the entries hold (issue 14). Older entries go first, in blocks, newest always kept.
 */
import { Tap, type TraceEntry } from '../../../src/sip/transport/tap';
import type { Flow } from '../../../src/sip/transport/address';

const flow: Flow = { protocol: 'tcp', local: { host: '127.0.0.1', port: 5060 }, remote: { host: '127.0.0.1', port: 7000 } };
const entry = (octets: number): Omit<TraceEntry, 'seq'> => ({ at: 0n, wallMs: 0, direction: 'sent', flow, raw: Buffer.alloc(octets), message: null });
const held = (tap: Tap) => tap.entries.reduce((n, e) => n + e.raw.length, 0);

test('by octets: large entries push the oldest out, the newest stays, the rest keeps its order', () => {
  const tap = new Tap();
  tap.retainBytes = 10_000;
  for (let i = 0; i < 100; i++) {
    tap.record(entry(i % 10 === 9 ? 4_000 : 100));
    expect(held(tap)).toBeLessThanOrEqual(10_000);
  }
  expect(tap.entries.at(-1)?.seq).toBe(99);
  const seqs = tap.entries.map((e) => e.seq);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => 100 - seqs.length + i));
  // One entry above the whole bound is still kept: the trace never ends without its last message.
  tap.record(entry(50_000));
  expect(tap.entries.map((e) => e.seq)).toEqual([100]);
  tap.record(entry(10));
  expect(tap.entries.map((e) => e.seq)).toEqual([101]);
});

test('by count, as before, with no byte bound', () => {
  const tap = new Tap();
  tap.retain = 10;
  for (let i = 0; i < 25; i++) tap.record(entry(1_000_000));
  expect(tap.entries.length).toBeLessThanOrEqual(10);
  expect(tap.entries.at(-1)?.seq).toBe(24);
  tap.clear();
  tap.retainBytes = 1_500;
  tap.record(entry(1_000));
  tap.record(entry(1_000));
  expect(tap.entries.map((e) => e.seq)).toEqual([26]);
});
