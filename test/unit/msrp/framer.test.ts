import fc from 'fast-check';
import { MsrpFramer, type MsrpUnit } from '../../../src/msrp/framer';
import { MSRP_RULE } from '../../../src/msrp/rules';
import { chunkMessage } from '../../../src/msrp/chunker';
import { serializeFrame } from '../../../src/msrp/serialize';
import { parseFrame } from '../../../src/msrp/parse';
import { ALICE, BOB, RFC_200, RFC_SEND, crlf } from './frames';

const limits = { maxFrameBytes: 64 * 1024, maxStartLineBytes: 1024 };
const feed = (f: MsrpFramer, chunks: Buffer[]): MsrpUnit[] => chunks.flatMap((c) => f.push(c));
const frames = (units: MsrpUnit[]): Buffer[] => units.filter((u) => u.kind === 'frame').map((u) => u.octets);

/** A SEND whose body contains line ends, NULs and end-lines of other transactions: only the right end-line may end it. */
const tricky = Buffer.concat([
  crlf('MSRP t1234567 SEND\nTo-Path: msrp://b.example:1/b;tcp\nFrom-Path: msrp://a.example:2/a;tcp\nMessage-ID: m1234567\nContent-Type: application/octet-stream\n\n'),
  Buffer.from('-------t123456$\r\n-------t12345678$\r\n\r\n\0\0-------t1234567X\r\n-------t1234567$'), // the last one lacks its CRLF: not an end-line yet
  Buffer.from('!\r\n-------t1234567+\r\n'),
]);

describe('MsrpFramer (RFC 4975 §5.1, §9 end-line framing)', () => {
  it('frames a frame split at every octet boundary, and one fed an octet at a time', () => {
    for (let cut = 0; cut <= tricky.length; cut++) {
      const f = new MsrpFramer(limits);
      const out = feed(f, [tricky.subarray(0, cut), tricky.subarray(cut)]);
      expect(frames(out)).toEqual([tricky]);
      expect(f.buffered).toBe(0);
    }
    expect(frames(feed(new MsrpFramer(limits), [...tricky].map((b) => Buffer.from([b]))))).toEqual([tricky]);
  });

  it('cuts several frames out of one chunk, in order, with their transaction ids', () => {
    const out = new MsrpFramer(limits).push(Buffer.concat([RFC_SEND, RFC_200, tricky]));
    expect(out.map((u) => u.kind === 'frame' && u.transactionId)).toEqual(['a786hjs2', 'a786hjs2', 't1234567']);
    expect(frames(out)).toEqual([RFC_SEND, RFC_200, tricky]);
  });

  it('frames whatever way a chunked message is segmented (property)', () => {
    const wire = Buffer.concat(chunkMessage({ toPath: [BOB], fromPath: [ALICE], body: Buffer.alloc(5000, 0x2d), chunkSize: 700 }).map(serializeFrame));
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 40 }), (sizes) => {
      const f = new MsrpFramer(limits);
      const parts: Buffer[] = [];
      let off = 0;
      for (let i = 0; off < wire.length; i++) {
        const n = sizes[i % sizes.length]!;
        parts.push(wire.subarray(off, off + n));
        off += n;
      }
      const got = frames(feed(f, parts));
      expect(Buffer.concat(got).equals(wire)).toBe(true);
      expect(got.every((g) => parseFrame(g, { mode: 'strict' }).diagnostics.length === 0)).toBe(true);
    }), { numRuns: 200 });
  });

  it('skips an oversize frame with bounded memory, reports it with its head and size, and frames what follows', () => {
    const f = new MsrpFramer({ maxFrameBytes: 4096, maxStartLineBytes: 1024 });
    const big = chunkMessage({ toPath: [BOB], fromPath: [ALICE], body: Buffer.alloc(200_000, 0x61), chunkSize: 200_000 })[0]!;
    const wire = Buffer.concat([serializeFrame(big), RFC_SEND]);
    let peak = 0;
    const out: MsrpUnit[] = [];
    for (let off = 0; off < wire.length; off += 1000) {
      out.push(...f.push(wire.subarray(off, off + 1000)));
      peak = Math.max(peak, f.buffered);
    }
    expect(peak).toBeLessThan(4096 + 2000);
    expect(out.map((u) => u.kind)).toEqual(['oversize', 'frame']);
    const o = out[0]!;
    if (o.kind !== 'oversize') throw new Error('expected oversize');
    expect(o.totalBytes).toBe(serializeFrame(big).length);
    expect(o.transactionId).toBe(big.transactionId);
    expect(o.diagnostic.rule).toBe(MSRP_RULE.limitFrame);
    expect(o.octets.toString('latin1')).toMatch(/^MSRP \S+ SEND\r\nTo-Path: /);
    expect(frames(out)).toEqual([RFC_SEND]);
  });

  it('also reports an oversize frame that arrived in one piece', () => {
    const out = new MsrpFramer({ maxFrameBytes: 100, maxStartLineBytes: 50 }).push(Buffer.concat([RFC_SEND, RFC_200]));
    expect(out.map((u) => u.kind)).toEqual(['oversize', 'oversize']);
  });

  it('ends the stream on octets that cannot start a frame: binary, another protocol, an endless first line', () => {
    for (const junk of [Buffer.from([0x16, 0x03, 0x01, 0x00]), Buffer.from('INVITE sip:b@x SIP/2.0\r\n'), Buffer.from('MSRP ' + 'x'.repeat(2000))]) {
      const f = new MsrpFramer(limits);
      const out = f.push(Buffer.concat([junk, RFC_SEND]));
      expect(out).toHaveLength(1);
      expect(out[0]!.kind).toBe('error');
      expect(f.closed).toBe(true);
      expect(f.push(RFC_SEND)).toEqual([]);
    }
  });

  it('skips stray CR/LF between frames with a warning on the next frame', () => {
    const out = new MsrpFramer(limits).push(Buffer.concat([RFC_SEND, Buffer.from('\r\n\r\n'), RFC_200]));
    expect(frames(out)).toEqual([RFC_SEND, RFC_200]);
    const second = out[1]!;
    expect(second.kind === 'frame' && second.diagnostics.map((d) => d.rule)).toEqual([MSRP_RULE.betweenFrames]);
  });

  it('hands back an unfinished frame with the reason when the peer closes', () => {
    const f = new MsrpFramer(limits);
    expect(f.push(tricky.subarray(0, 100))).toEqual([]);
    const rest = f.unfinished();
    expect(rest!.octets.equals(tricky.subarray(0, 100))).toBe(true);
    expect(rest!.diagnostic.rule).toBe(MSRP_RULE.truncated);
    expect(new MsrpFramer(limits).unfinished()).toBeNull();
  });
});
