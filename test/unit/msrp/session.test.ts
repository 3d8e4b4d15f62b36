import { buildReport, buildResponse, buildSend, bindingSend, failureReportWanted, responseWanted, successReportWanted } from '../../../src/msrp/build';
import { chunkMessage, interruptChunk } from '../../../src/msrp/chunker';
import { Reassembler } from '../../../src/msrp/reassembly';
import { H, header, type MsrpRequest } from '../../../src/msrp/message';
import { parseFrame } from '../../../src/msrp/parse';
import { serializeFrame } from '../../../src/msrp/serialize';
import { ALICE, BOB } from './frames';

const body = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
const limits = { maxMessageBytes: 1 << 20, maxMessagesInProgress: 4 };
/** Through the wire format and back, as a receiver sees it. */
const wire = (f: MsrpRequest): MsrpRequest => {
  const r = parseFrame(serializeFrame(f), { mode: 'strict' });
  expect(r.diagnostics).toEqual([]);
  return r.frame as MsrpRequest;
};

describe('chunking (RFC 4975 §5.1, §7.1.1)', () => {
  it('splits a message into SENDs with 1-based Byte-Ranges, one Message-ID, + on all but the last', () => {
    const chunks = chunkMessage({ toPath: [BOB], fromPath: [ALICE], body, chunkSize: 4096, successReport: 'yes', contentType: 'application/octet-stream' });
    expect(chunks.map((c) => header(c, H.byteRange))).toEqual(['1-4096/10000', '4097-8192/10000', '8193-10000/10000']);
    expect(chunks.map((c) => c.flag)).toEqual(['+', '+', '$']);
    expect(new Set(chunks.map((c) => header(c, H.messageId))).size).toBe(1);
    expect(new Set(chunks.map((c) => c.transactionId)).size).toBe(3);
    expect(chunks.every((c) => header(c, H.successReport) === 'yes' && header(c, H.toPath) === 'msrp://127.0.0.1:40002/bob000002;tcp')).toBe(true);
    expect(Buffer.concat(chunks.map((c) => wire(c).body!)).equals(body)).toBe(true);
    const empty = chunkMessage({ toPath: [BOB], fromPath: [ALICE], body: Buffer.alloc(0), chunkSize: 10 });
    expect(empty.map((c) => [header(c, H.byteRange), c.flag, c.body!.length])).toEqual([['1-0/0', '$', 0]]);
    expect(() => chunkMessage({ toPath: [BOB], fromPath: [ALICE], body, chunkSize: 0 })).toThrow(RangeError);
  });

  it('interrupts a chunk (end-line early with +, range end *) and resumes from the next octet', () => {
    const [c] = chunkMessage({ toPath: [BOB], fromPath: [ALICE], body, chunkSize: 10_000 });
    const [cut, resumed] = interruptChunk(c!, 3000);
    expect([header(cut, H.byteRange), cut.flag, cut.body!.length]).toEqual(['1-*/10000', '+', 3000]);
    expect([header(resumed, H.byteRange), resumed.flag, resumed.body!.length]).toEqual(['3001-10000/10000', '$', 7000]);
    expect(cut.transactionId).not.toBe(resumed.transactionId);
  });

  it('builds the bodiless binding SEND (§7.1, §5.4): Message-ID, no Content-Type, no body', () => {
    const f = wire(bindingSend([BOB], [ALICE]));
    expect(f.body).toBeNull();
    expect(f.headers.map((h) => h.name)).toEqual(['To-Path', 'From-Path', 'Message-ID']);
  });
});

describe('reassembly by Message-ID (RFC 4975 §5.1, §7.3)', () => {
  const chunks = () => chunkMessage({ toPath: [BOB], fromPath: [ALICE], body, chunkSize: 1000 }).map(wire);

  it('puts chunks together in order and out of order, byte-exact', () => {
    for (const order of [chunks(), chunks().reverse(), (() => { const c = chunks(); return [c[3]!, c[0]!, c[9]!, ...c.slice(4, 9), c[1]!, c[2]!]; })()]) {
      const r = new Reassembler(limits);
      const outcomes = order.map((c) => r.push(c));
      expect(outcomes.slice(0, -1).every((o) => o.kind === 'partial')).toBe(true);
      const last = outcomes[outcomes.length - 1]!;
      if (last.kind !== 'complete') throw new Error(`got ${last.kind}`);
      expect(last.message.body.equals(body)).toBe(true);
      expect(last.message.chunks).toBe(10);
      expect(header(last.message.first, H.byteRange)).toBe('1-1000/10000');
      expect(r.inProgress).toBe(0);
    }
  });

  it('counts the octets that arrived in an interrupted chunk, not the ones announced', () => {
    const [c] = chunkMessage({ toPath: [BOB], fromPath: [ALICE], body, chunkSize: 10_000 });
    const [cut, resumed] = interruptChunk(c!, 1234);
    const r = new Reassembler(limits);
    expect(r.push(wire(cut))).toMatchObject({ kind: 'partial', received: 1234, total: 10000 });
    const done = r.push(wire(resumed));
    expect(done.kind === 'complete' && done.message.body.equals(body)).toBe(true);
  });

  it('learns the total from the $ chunk when every chunk said *, and delivers a single unranged SEND whole', () => {
    const r = new Reassembler(limits);
    const c = chunks().map((x) => ({ ...x, headers: x.headers.map((h) => (h.name === 'Byte-Range' ? { ...h, value: h.value.replace('/10000', '/*') } : h)) }));
    const outs = c.map((x) => r.push(x));
    expect(outs[outs.length - 1]!.kind).toBe('complete');
    const single = buildSend({ toPath: [BOB], fromPath: [ALICE], messageId: 'm1234567', body: Buffer.from('hi') });
    expect(new Reassembler(limits).push(single)).toMatchObject({ kind: 'complete', message: { body: Buffer.from('hi') } });
  });

  it('drops an aborted message (#), refuses one too large or one too many (413) and one without Message-ID (400)', () => {
    const r = new Reassembler({ maxMessageBytes: 5000, maxMessagesInProgress: 1 });
    const c = chunks();
    expect(r.push({ ...c[0]!, flag: '#' })).toMatchObject({ kind: 'aborted', received: 1000 });
    expect(r.push(c[0]!)).toMatchObject({ kind: 'rejected', status: 413 });
    const small = chunkMessage({ toPath: [BOB], fromPath: [ALICE], body: Buffer.alloc(3000), chunkSize: 1000 });
    expect(r.push(small[0]!).kind).toBe('partial');
    const other = chunkMessage({ toPath: [BOB], fromPath: [ALICE], body: Buffer.alloc(3000), chunkSize: 1000 });
    expect(r.push(other[0]!)).toMatchObject({ kind: 'rejected', status: 413 });
    expect(r.heldBytes).toBe(1000);
    const noId = { ...small[1]!, headers: small[1]!.headers.filter((h) => h.name !== 'Message-ID') };
    expect(r.push(noId)).toMatchObject({ kind: 'rejected', status: 400 });
    expect(r.push(bindingSend([BOB], [ALICE]))).toEqual({ kind: 'bodiless' });
  });
});

describe('responses and REPORTs (RFC 4975 §7.1.2, §7.2)', () => {
  const send = wire(buildSend({ toPath: [BOB], fromPath: [ALICE], messageId: 'm1234567', body: Buffer.from('hello'), byteRange: { start: 1, end: 5, total: 5 }, successReport: 'yes' }));

  it('answers with the same transaction id, the previous hop as To-Path and the responder as From-Path', () => {
    const r = parseFrame(serializeFrame(buildResponse(send, 200)), { mode: 'strict' });
    expect(r.diagnostics).toEqual([]);
    expect(r.frame).toMatchObject({ kind: 'response', status: 200, comment: 'OK', transactionId: send.transactionId });
    expect([header(r.frame!, H.toPath), header(r.frame!, H.fromPath)]).toEqual([header(send, H.fromPath), header(send, H.toPath)]);
  });

  it('reports success with the SEND\'s Message-ID and From-Path, a Byte-Range and Status 000 200, no report headers', () => {
    const r = parseFrame(serializeFrame(buildReport({ send, reporter: BOB, byteRange: { start: 1, end: 5, total: 5 } })), { mode: 'strict' });
    expect(r.diagnostics).toEqual([]);
    expect(r.frame!.headers).toEqual([
      { name: 'To-Path', value: 'msrp://127.0.0.1:40001/alice0001;tcp' }, { name: 'From-Path', value: 'msrp://127.0.0.1:40002/bob000002;tcp' },
      { name: 'Message-ID', value: 'm1234567' }, { name: 'Byte-Range', value: '1-5/5' }, { name: 'Status', value: '000 200 OK' },
    ]);
  });

  it('applies Failure-Report and Success-Report as §7.2 / §7.1.2 say', () => {
    const withFr = (v?: string): MsrpRequest => ({ ...send, headers: [...send.headers.filter((h) => h.name !== 'Failure-Report'), ...(v ? [{ name: 'Failure-Report', value: v }] : [])] });
    expect([responseWanted(withFr(), 200), responseWanted(withFr('yes'), 200), responseWanted(withFr('YES'), 481)]).toEqual([true, true, true]);
    expect([responseWanted(withFr('partial'), 200), responseWanted(withFr('partial'), 413)]).toEqual([false, true]);
    expect([responseWanted(withFr('no'), 200), responseWanted(withFr('no'), 501)]).toEqual([false, false]);
    expect([failureReportWanted(withFr('no')), failureReportWanted(withFr('partial')), failureReportWanted(withFr())]).toEqual([false, true, true]);
    const report = buildReport({ send, reporter: BOB, byteRange: { start: 1, end: 5, total: 5 } });
    expect(responseWanted(report, 400)).toBe(false);
    expect([successReportWanted(send), successReportWanted(bindingSend([BOB], [ALICE]))]).toEqual([true, false]);
  });
});
