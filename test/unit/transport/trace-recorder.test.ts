/**
 * The trace keeps exactly what crossed the socket. A sent message is parsed back from its octets
 * when first read (not when sent), and a large received one is held weakly and parsed again from
 * the same octets once nothing else holds it (issue 14: a thousand devices' 200s to REGISTER). The
 * trace must not tell the difference: same content, and the object a receiver was handed is the
 * one the trace returns.
 */
import { Tap, type TraceEntry } from '../../../src/sip/transport/tap';
import { LARGE_MESSAGE, TraceRecorder, parseOctets } from '../../../src/sip/transport/trace-recorder';
import type { Flow } from '../../../src/sip/transport/address';

const flow: Flow = { protocol: 'tcp', local: { host: '127.0.0.1', port: 5060 }, remote: { host: '127.0.0.1', port: 7000 } };

function ok(contacts: number): Buffer {
  const lines = Array.from({ length: contacts }, (_, i) => `Contact: <sip:bob@127.0.0.1:${7000 + i};transport=tcp>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}>"\r\n`);
  return Buffer.from(`SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:7000;branch=z9hG4bK1\r\nFrom: <sip:bob@cpm.example.com>;tag=1\r\nTo: <sip:bob@cpm.example.com>;tag=2\r\n` +
    `Call-ID: reg-1\r\nCSeq: 1 REGISTER\r\n${lines.join('')}Content-Length: 0\r\n\r\n`);
}

test('a sent message is on the trace as its octets parsed, read lazily and then kept', () => {
  const tap = new Tap();
  const rec = new TraceRecorder(tap, 'PF A');
  const raw = ok(3);
  const e = rec.sent(flow, raw);
  expect(tap.entries).toEqual([e]);
  expect(e.seq).toBe(0);
  expect(e.message).toEqual(parseOctets(raw).message);
  expect(e.message).toBe(e.message);
  expect(e.message?.kind === 'response' && e.message.headers.filter((h) => h.name === 'Contact')).toHaveLength(3);
  // Copies (reports, worker messages) carry the parsed message like any field.
  expect({ ...e }.message).toBe(e.message);
  expect(JSON.parse(JSON.stringify({ m: e.message })).m.status).toBe(200);
  // A message set on the entry replaces it.
  e.message = null;
  expect(e.message).toBeNull();
});

test('a large received message is the object the receiver was handed, and equal when parsed again', () => {
  const tap = new Tap();
  const rec = new TraceRecorder(tap, 'B1');
  const raw = ok(200);
  expect(raw.length).toBeGreaterThan(LARGE_MESSAGE);
  const { entry, inbound } = rec.received(flow, raw);
  expect(entry.message).toBe(inbound.message);
  expect(entry.message).toEqual(parseOctets(raw).message);
  // What a copy of the trace carries (e.g. a report) is the same content.
  const copy: TraceEntry = { ...entry };
  expect(copy.message).toEqual(inbound.message);
});

test('the tap numbers an entry without reading its message', () => {
  const tap = new Tap();
  const e = { at: 0n, wallMs: 0, direction: 'sent' as const, flow, raw: Buffer.alloc(0) } as Omit<TraceEntry, 'seq'>;
  Object.defineProperty(e, 'message', { enumerable: true, get: () => { throw new Error('read at record time'); } });
  expect(() => tap.record(e)).not.toThrow();
  expect(tap.entries[0].seq).toBe(0);
});
