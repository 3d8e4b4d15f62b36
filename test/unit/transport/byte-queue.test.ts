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

describe('ByteQueue memory', () => {
  it('gives a large message\'s memory back once emptied, and keeps order across it', () => {
    const q = new ByteQueue();
    const big = Buffer.alloc(300 * 1024, 0x41);
    q.append(big);
    q.append(Buffer.from('tail'));
    expect(q.capacity).toBeGreaterThanOrEqual(big.length);
    expect(q.take(big.length).equals(big)).toBe(true);
    // Not yet empty: the store is kept with what it holds.
    expect(q.take(4).toString()).toBe('tail');
    expect(q.length).toBe(0);
    expect(q.capacity).toBeLessThanOrEqual(64 * 1024);
    q.append(Buffer.from('next'));
    expect(q.take(4).toString()).toBe('next');
  });
});
