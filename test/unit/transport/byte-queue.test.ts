import { ByteQueue } from '../../../src/sip/transport/byte-queue';

describe('ByteQueue', () => {
  it('keeps FIFO order across growth, compaction and clear', () => {
    const q = new ByteQueue(4);
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 200; round++) {
      const chunk = Buffer.from(Array.from({ length: (round * 7) % 13 }, () => next++ & 0xff));
      q.append(chunk);
      expected.push(...chunk);
      const n = (round * 5) % 11;
      const got = q.take(n);
      expect([...got]).toEqual(expected.splice(0, got.length));
      expect(q.length).toBe(expected.length);
    }
    q.clear();
    expect(q.length).toBe(0);
    q.append(Buffer.from('abc\r\n'));
    expect(q.indexOf('\n')).toBe(4);
    expect(q.at(0)).toBe(0x61);
    expect(q.at(5)).toBeUndefined();
  });
});
