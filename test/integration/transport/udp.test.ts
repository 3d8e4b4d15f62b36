import { createTransport } from '../../../src/sip/transport/factory';
import { Tap, type TraceEntry } from '../../../src/sip/transport/tap';
import type { InboundMessage, Transport } from '../../../src/sip/transport/transport';
import type { SipRequest } from '../../../src/sip/message';
import { UdpTransport } from '../../../src/sip/transport/udp';

function options(n: number): SipRequest {
  return {
    kind: 'request', version: 'SIP/2.0', method: 'OPTIONS', uri: 'sip:bob@example.com',
    headers: [
      { name: 'Via', value: `SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-${n}` },
      { name: 'Call-ID', value: `call-${n}` },
      { name: 'CSeq', value: `${n} OPTIONS` },
    ],
    body: Buffer.alloc(0),
  };
}

/** Resolve with the first `count` inbound messages, or reject after a bounded wait. */
function collect(t: Transport, count: number, timeoutMs = 3000): Promise<InboundMessage[]> {
  return new Promise((resolve, reject) => {
    const got: InboundMessage[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${got.length}/${count} messages arrived`)), timeoutMs);
    t.onMessage((m) => {
      got.push(m);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

describe.each([['IPv4', '127.0.0.1'], ['IPv6', '::1']])('UdpTransport over %s', (_family, host) => {
  let tap: Tap;
  let a: Transport;
  let b: Transport;
  beforeEach(async () => {
    tap = new Tap(42);
    a = await createTransport({ protocol: 'udp', host, port: 0, tap, owner: 'A' });
    b = await createTransport({ protocol: 'udp', host, port: 0, tap, owner: 'B' });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('binds an ephemeral port and round-trips messages through one shared tap', async () => {
    expect(a.local.host).toBe(host);
    expect(a.local.port).toBeGreaterThan(0);
    const atB = collect(b, 3);
    for (let i = 1; i <= 3; i++) await a.send(options(i), b.local);
    const got = await atB;
    expect(got.map((m) => m.message?.kind === 'request' && m.message.method)).toEqual(['OPTIONS', 'OPTIONS', 'OPTIONS']);
    expect(got[0].flow).toEqual({ protocol: 'udp', local: b.local, remote: a.local });

    const atA = collect(a, 1);
    await b.send(Buffer.from('SIP/2.0 200 OK\r\nCall-ID: call-1\r\nContent-Length: 0\r\n\r\n'), got[0].flow.remote);
    const [reply] = await atA;
    expect(reply.message?.kind === 'response' && reply.message.status).toBe(200);

    // Both ends' entries, in order, with monotonic timestamps and owners.
    const e = tap.entries;
    // A's sends may resolve before B's receive events run, so only causal order is fixed:
    // each receipt follows the send of the same octets, and the reply comes last.
    expect(e.filter((x) => x.owner === 'A' && x.direction === 'sent')).toHaveLength(3);
    expect(e.filter((x) => x.owner === 'B' && x.direction === 'received')).toHaveLength(3);
    e.forEach((x, i) => {
      if (x.direction === 'received') expect(e.slice(0, i).some((s) => s.direction === 'sent' && s.raw.equals(x.raw))).toBe(true);
    });
    expect(e.slice(-2).map((x) => `${x.owner}:${x.direction}`)).toEqual(['B:sent', 'A:received']);
    expect(e.map((x) => x.seq)).toEqual(e.map((_, i) => i));
    for (let i = 1; i < e.length; i++) expect(e[i].at >= e[i - 1].at).toBe(true);
    expect(e[0].message?.kind).toBe('request');
    expect(e.every((x) => x.dropped === undefined)).toBe(true);
  });

  it('hands garbage datagrams on with message = null and keeps working', async () => {
    const atB = collect(b, 2);
    await a.send(Buffer.from([0x00, 0xff, 0x13, 0x37]), b.local);
    await a.send(options(9), b.local);
    const [garbage, good] = await atB;
    expect(garbage.raw).toEqual(Buffer.from([0x00, 0xff, 0x13, 0x37]));
    expect(garbage.message).toBeNull();
    expect(good.message?.kind).toBe('request');
  });

  it('receives a maximum-size datagram and reports an oversized send instead of throwing', async () => {
    const errors: Error[] = [];
    a.onError((err) => errors.push(err));
    const max = host === '::1' ? 65527 : 65507;
    const big = Buffer.concat([Buffer.from('MESSAGE sip:b@x SIP/2.0\r\nContent-Length: 0\r\n\r\n')]);
    const atB = collect(b, 1);
    await a.send(Buffer.concat([big, Buffer.alloc(max - big.length, 0x41)]), b.local);
    const [m] = await atB;
    expect(m.raw.length).toBe(max);
    await a.send(Buffer.alloc(70000, 0x41), b.local);
    expect(errors.length).toBe(1);
    expect(errors[0].message).toMatch(/EMSGSIZE/);
  });
});

describe('UDP loss injection', () => {
  async function run(seed: number): Promise<{ dropped: number; entries: TraceEntry[] }> {
    const tap = new Tap(seed);
    tap.lossRate = 0.3;
    const a = await UdpTransport.open({ host: '127.0.0.1', tap, owner: 'A' });
    const b = await UdpTransport.open({ host: '127.0.0.1', tap, owner: 'B' });
    try {
      let received = 0;
      b.onMessage(() => received++);
      for (let i = 0; i < 400; i++) {
        await a.send(options(i), b.local);
        // Let B read: a burst of 400 unread datagrams would overflow the kernel's receive buffer
        // and add real loss to the injected loss.
        await new Promise((r) => setImmediate(r));
      }
      // Every datagram that left is either received (and recorded) or dropped at B: wait for that count.
      const sentOut = tap.entries.filter((e) => e.direction === 'sent' && !e.dropped).length;
      const deadline = Date.now() + 3000;
      while (tap.entries.filter((e) => e.direction === 'received').length < sentOut && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const droppedEntries = tap.entries.filter((e) => e.dropped);
      expect(received).toBe(tap.entries.filter((e) => e.direction === 'received' && !e.dropped).length);
      return { dropped: droppedEntries.length, entries: tap.entries };
    } finally {
      await a.close();
      await b.close();
    }
  }

  it('drops roughly the configured share in both directions, recorded as dropped, repeatably for a seed', async () => {
    const first = await run(7);
    const second = await run(7);
    // 400 sends, each can be lost outbound (30%) or, once out, inbound (30%): expect ~ 400*(0.3+0.7*0.3) = 204.
    expect(first.dropped).toBeGreaterThan(160);
    expect(first.dropped).toBeLessThan(250);
    expect(first.entries.some((e) => e.dropped && e.direction === 'sent')).toBe(true);
    expect(first.entries.some((e) => e.dropped && e.direction === 'received')).toBe(true);
    const pattern = (x: TraceEntry[]): string => x.map((e) => `${e.direction[0]}${e.dropped ? 'x' : ''}`).join(',');
    expect(pattern(second.entries)).toBe(pattern(first.entries));
  });
});
