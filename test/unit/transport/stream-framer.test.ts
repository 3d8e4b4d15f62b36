import fc from 'fast-check';
import { StreamFramer, type FramedUnit } from '../../../src/sip/transport/stream-framer';
import { DEFAULT_STREAM_LIMITS, resolveStreamLimits, type StreamLimits } from '../../../src/sip/transport/limits';

function sipMessage(body: Buffer | string, lengthHeader = 'Content-Length'): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const head = [
    'MESSAGE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK776asdhds',
    'Call-ID: a84b4c76e66710',
    'CSeq: 1 MESSAGE',
    `${lengthHeader}: ${b.length}`,
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head + '\r\n\r\n'), b]);
}

function feed(framer: StreamFramer, chunks: Buffer[]): FramedUnit[] {
  return chunks.flatMap((c) => framer.push(c));
}

function messages(units: FramedUnit[]): Buffer[] {
  return units.filter((u) => u.kind === 'message').map((u) => u.octets);
}

const limits = (p: Partial<StreamLimits> = {}): StreamLimits => ({ ...DEFAULT_STREAM_LIMITS, ...p });

describe('StreamFramer (RFC 3261 §18.3 framing by Content-Length)', () => {
  // A body that contains an empty line and NUL octets: only Content-Length can frame it.
  const trickyBody = Buffer.concat([Buffer.from('v=0\r\n\r\nafter-empty-line'), Buffer.from([0, 0, 0xff, 0x0d, 0x0a]), Buffer.from('\r\n\r\n')]);

  it('frames a message split at every byte boundary', () => {
    const msg = sipMessage(trickyBody);
    for (let cut = 0; cut <= msg.length; cut++) {
      const framer = new StreamFramer(limits());
      const out = feed(framer, [msg.subarray(0, cut), msg.subarray(cut)]);
      expect(out).toHaveLength(1);
      expect(out[0].kind).toBe('message');
      expect(out[0].octets.equals(msg)).toBe(true);
      expect(framer.buffered).toBe(0);
    }
  });

  it('frames a message delivered one octet at a time', () => {
    const msg = sipMessage(trickyBody);
    const framer = new StreamFramer(limits());
    const out = feed(framer, [...msg].map((b) => Buffer.from([b])));
    expect(messages(out)).toEqual([msg]);
  });

  it('frames several messages in one chunk, skipping keepalive CRLFs between them (RFC 5626 §3.5.1)', () => {
    const a = sipMessage('first');
    const b = sipMessage(trickyBody, 'l');
    const c = sipMessage('', 'content-length ');
    const chunk = Buffer.concat([Buffer.from('\r\n\r\n'), a, Buffer.from('\r\n'), b, Buffer.from('\r\n\r\n\r\n'), c]);
    const out = new StreamFramer(limits()).push(chunk);
    expect(out.map((u) => u.kind)).toEqual(['message', 'message', 'message']);
    expect(messages(out)).toEqual([a, b, c]);
    for (const u of out) if (u.kind === 'message') expect(u.diagnostics).toEqual([]);
  });

  it('ignores pure keepalive traffic', () => {
    const framer = new StreamFramer(limits());
    expect(feed(framer, [Buffer.from('\r\n\r\n'), Buffer.from('\r\n')])).toEqual([]);
    expect(framer.buffered).toBe(0);
  });

  it('unfolds a folded Content-Length (RFC 3261 §7.3.1)', () => {
    const msg = Buffer.from('SIP/2.0 200 OK\r\nCall-ID: x\r\nContent-Length:\r\n  4\r\n\r\nbody');
    expect(messages(new StreamFramer(limits()).push(msg))).toEqual([msg]);
  });

  it('accepts bare-LF line ends so the parser, not the framer, judges them', () => {
    const msg = Buffer.from('SIP/2.0 200 OK\nContent-Length: 2\n\nokNEXT');
    const out = new StreamFramer(limits()).push(msg);
    expect(messages(out)).toEqual([Buffer.from('SIP/2.0 200 OK\nContent-Length: 2\n\nok')]);
  });

  it('assumes an empty body when Content-Length is missing, with a diagnostic', () => {
    const msg = Buffer.from('OPTIONS sip:x SIP/2.0\r\nCall-ID: y\r\n\r\n');
    const out = new StreamFramer(limits()).push(msg);
    expect(out).toHaveLength(1);
    expect(out[0].kind === 'message' && out[0].diagnostics.map((d) => d.rule)).toEqual(['RFC3261-18.3-missing-content-length']);
  });

  it('closes on conflicting Content-Length values', () => {
    const framer = new StreamFramer(limits());
    const out = framer.push(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 3\r\nl: 5\r\n\r\nabcde'));
    expect(out).toHaveLength(1);
    expect(out[0].kind === 'error' && out[0].diagnostic.rule).toBe('RFC3261-18.3-conflicting-content-length');
    expect(framer.closed).toBe(true);
    expect(framer.push(sipMessage('x'))).toEqual([]);
  });

  it('closes on a non-numeric Content-Length', () => {
    const out = new StreamFramer(limits()).push(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: -1\r\n\r\n'));
    expect(out[0].kind === 'error' && out[0].diagnostic.rule).toBe('RFC3261-20.14-content-length-not-a-number');
  });

  it('reports a Content-Length of 4000000000 at once, with the offending octets, holding nothing', () => {
    const head = Buffer.from('MESSAGE sip:b@x SIP/2.0\r\nContent-Length: 4000000000\r\n\r\n');
    const framer = new StreamFramer(limits());
    const out = framer.push(Buffer.concat([head, Buffer.alloc(1000, 0x41)]));
    expect(out).toHaveLength(1);
    expect(out[0].kind).toBe('error');
    expect(out[0].kind === 'error' && out[0].diagnostic.rule).toBe('HARNESS-stream-body-too-large');
    expect(out[0].octets.subarray(0, head.length).equals(head)).toBe(true);
    expect(framer.buffered).toBe(0);
  });

  it('reports a header section that never ends, never holding more than the bound', () => {
    const l = limits({ maxHeaderBytes: 1024, maxBodyBytes: 1024, maxBufferedBytes: 4096 });
    const framer = new StreamFramer(l);
    const out: FramedUnit[] = [];
    out.push(...framer.push(Buffer.from('INVITE sip:b@x SIP/2.0\r\n')));
    for (let i = 0; i < 100 && out.length === 0; i++) {
      out.push(...framer.push(Buffer.from(`X-Filler-${i}: ${'y'.repeat(40)}\r\n`)));
      expect(framer.buffered).toBeLessThanOrEqual(l.maxHeaderBytes + 64);
    }
    expect(out).toHaveLength(1);
    expect(out[0].kind === 'error' && out[0].diagnostic.rule).toBe('HARNESS-stream-header-too-large');
    expect(out[0].octets.toString('latin1')).toMatch(/^INVITE sip:b@x/);
  });

  it('reports binary octets where a start line must be (e.g. a TLS ClientHello on a TCP port)', () => {
    const out = new StreamFramer(limits()).push(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]));
    expect(out[0].kind === 'error' && out[0].diagnostic.rule).toBe('HARNESS-stream-not-sip');
  });

  it('never buffers more than maxBufferedBytes, however large the chunk', () => {
    const l = limits({ maxHeaderBytes: 256, maxBodyBytes: 1024, maxBufferedBytes: 2048 });
    const framer = new StreamFramer(l);
    // Ten legal messages in one chunk larger than the buffer bound still frame fine ...
    const many = Array.from({ length: 10 }, (_, i) => sipMessage('x'.repeat(900 + i)));
    const out = framer.push(Buffer.concat(many));
    expect(messages(out)).toEqual(many);
    // ... while a message whose body fits the limit but whose header never ends trips the bound.
    const huge = framer.push(Buffer.alloc(100_000, 0x61));
    expect(huge).toHaveLength(1);
    expect(huge[0].kind).toBe('error');
    expect(huge[0].octets.length).toBeLessThanOrEqual(l.maxBufferedBytes);
    expect(framer.buffered).toBe(0);
  });

  it('frames any sequence of messages under any chunking (property)', () => {
    const body = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(body, fc.constantFrom('Content-Length', 'l', 'CONTENT-LENGTH')), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 20 }),
        (specs, sizes) => {
          const msgs = specs.map(([b, name]) => sipMessage(b, name));
          const stream = Buffer.concat(msgs.flatMap((m) => [m, Buffer.from('\r\n')]));
          const framer = new StreamFramer(limits());
          const out: FramedUnit[] = [];
          let pos = 0;
          for (let i = 0; pos < stream.length; i++) {
            const n = sizes[i % sizes.length];
            out.push(...framer.push(stream.subarray(pos, pos + n)));
            pos += n;
          }
          expect(messages(out)).toEqual(msgs);
        },
      ),
      { seed: 20240611, numRuns: 200 },
    );
  });
});

describe('StreamFramer on large header sections (issue 14)', () => {
  it('frames a 200 listing a thousand Contacts, in 64 KiB chunks, with its Content-Length after them', () => {
    const contacts = Array.from({ length: 1000 }, (_, i) => `Contact: <sip:b${i}@127.0.0.1:${7000 + i};transport=tcp>;expires=3600;+sip.instance="<urn:uuid:${i}>"`);
    const head = ['SIP/2.0 200 OK', 'Via: SIP/2.0/TCP 127.0.0.1:7000;branch=z9hG4bK1', 'CSeq: 1 REGISTER', ...contacts, 'Content-Length: 5'].join('\r\n');
    const msg = Buffer.from(`${head}\r\n\r\nhello`);
    const framer = new StreamFramer(limits({ maxHeaderBytes: 512 * 1024 }));
    const out: FramedUnit[] = [];
    for (let pos = 0; pos < msg.length * 2; pos += 65536) out.push(...framer.push(Buffer.concat([msg, msg]).subarray(pos, pos + 65536)));
    expect(messages(out)).toEqual([msg, msg]);
    expect(framer.buffered).toBe(0);
  });

  // What the framer did before it read Content-Length in one scan: line by line after unfolding.
  function contentLengthsLineByLine(head: string): string[] {
    const lines = head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/).slice(1);
    return lines.flatMap((line) => {
      const m = /^(content-length|l)[ \t]*:(.*)$/i.exec(line);
      return m ? [m[2].trim()] : [];
    });
  }

  it('reads Content-Length exactly as a line-by-line reading does, whatever the header octets (property)', () => {
    const piece = fc.constantFrom('Content-Length', 'content-length', 'CONTENT-length', 'l', 'L', 'c', 'X-l', ':', ': ', ' ', '\t', '\r', '\n', '\r\n', '\r\n ', '\n\t', '0', '7', '12', 'x', ',');
    fc.assert(
      fc.property(fc.array(fc.array(piece, { maxLength: 8 }).map((a) => a.join('')), { maxLength: 12 }), (lines) => {
        const head = ['MESSAGE sip:bob@example.com SIP/2.0', ...lines].join('\r\n');
        // Only header sections the framer reaches Content-Length for: one empty line, at the end.
        fc.pre(!/\n\r?\n/.test(head) && !head.endsWith('\r') && !head.endsWith('\n'));
        const octets = Buffer.from(`${head}\r\n\r\n`, 'latin1');
        const values = contentLengthsLineByLine(`${head}\r\n\r\n`);
        const distinct = [...new Set(values)];
        fc.pre(distinct.length !== 1 || !/^\d+$/.test(distinct[0]) || Number(distinct[0]) <= 2000);
        // Body octets enough for any length that frames; the message ends where Content-Length says.
        const out = new StreamFramer(limits()).push(Buffer.concat([octets, Buffer.alloc(2000, 0x61)]));
        if (distinct.length > 1) expect(out[0]).toMatchObject({ kind: 'error', diagnostic: { rule: 'RFC3261-18.3-conflicting-content-length' } });
        else if (distinct.length === 1 && !/^\d+$/.test(distinct[0])) expect(out[0]).toMatchObject({ kind: 'error', diagnostic: { rule: 'RFC3261-20.14-content-length-not-a-number' } });
        else {
          const length = distinct.length === 0 ? 0 : Number(distinct[0]);
          expect(out[0]).toMatchObject({ kind: 'message' });
          expect(out[0].octets.length).toBe(octets.length + length);
        }
      }),
      { seed: 20261207, numRuns: 3000 },
    );
  });
});

describe('resolveStreamLimits', () => {
  it('fills defaults and rejects nonsense', () => {
    expect(resolveStreamLimits()).toEqual(DEFAULT_STREAM_LIMITS);
    expect(resolveStreamLimits({ maxHeaderBytes: 100 }).maxHeaderBytes).toBe(100);
    expect(() => resolveStreamLimits({ maxBodyBytes: -1 })).toThrow(RangeError);
    expect(() => resolveStreamLimits({ maxBufferedBytes: 10 })).toThrow(RangeError);
  });
});
