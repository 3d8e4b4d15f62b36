import * as net from 'node:net';
import { createTransport } from '../../../src/sip/transport/factory';
import { serializeMessage } from '../../../src/sip/codec/serialize';
import { Tap } from '../../../src/sip/transport/tap';
import { TcpTransport } from '../../../src/sip/transport/tcp';
import type { Address } from '../../../src/sip/transport/address';
import { Inbox, OK, request, settledSocketHandles, until } from './helpers';

/** A raw client socket, for sending octets exactly as a misbehaving peer would. */
function rawConnect(to: Address): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: to.host, port: to.port, noDelay: true }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function closedPromise(s: net.Socket): Promise<void> {
  return new Promise((resolve) => (s.closed ? resolve() : s.once('close', () => resolve())));
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

describe.each([['IPv4', '127.0.0.1'], ['IPv6', '::1']])('TcpTransport over %s', (_f, host) => {
  let tap: Tap;
  let client: TcpTransport;
  let server: TcpTransport;
  let raws: net.Socket[];
  let handlesBefore: string[];
  beforeAll(async () => {
    handlesBefore = await settledSocketHandles();
  });

  beforeEach(async () => {
    tap = new Tap(1);
    raws = [];
    client = await TcpTransport.open({ host, tap, owner: 'client' });
    server = await TcpTransport.open({ host, tap, owner: 'server', limits: { maxHeaderBytes: 4096, maxBodyBytes: 65536, maxBufferedBytes: 1 << 20 } });
  });
  afterEach(async () => {
    for (const s of raws) s.destroy();
    await Promise.all(raws.map(closedPromise));
    await client.close();
    await server.close();
  });
  afterAll(async () => {
    expect(await settledSocketHandles()).toEqual(handlesBefore);
  });

  it('sends a request over a new connection and the response back over that same connection (RFC 3261 §18.2.2)', async () => {
    const inS = new Inbox(server);
    const inC = new Inbox(client);
    await client.send(request(1, Buffer.from('hello')), server.local);
    const [req] = await inS.waitFor(1);
    expect(req.message?.kind === 'request' && req.message.method).toBe('MESSAGE');
    expect(req.message?.body.toString()).toBe('hello');
    expect(req.flow.local).toEqual(server.local);
    expect(req.flow.remote.port).not.toBe(client.local.port); // the client's ephemeral port, not its listener

    await server.send(OK, req.flow.remote);
    const [res] = await inC.waitFor(1);
    expect(res.message?.kind === 'response' && res.message.status).toBe(200);
    expect(res.flow.local).toEqual(req.flow.remote);
    expect(client.connectionCount).toBe(1);
    expect(server.connectionCount).toBe(1);

    // A second request reuses the connection too.
    await client.send(request(2), server.local);
    await inS.waitFor(2);
    expect(inS.messages[1].flow).toEqual(req.flow);
    expect(client.connectionCount).toBe(1);
    // Trace: sends and receipts of both owners, seq ordered, hrtime monotonic.
    const e = tap.entries;
    expect(e.map((x) => `${x.owner}:${x.direction}`)).toEqual(['client:sent', 'server:received', 'server:sent', 'client:received', 'client:sent', 'server:received']);
    for (let i = 1; i < e.length; i++) expect(e[i].at >= e[i - 1].at).toBe(true);
    expect(e.every((x) => x.flow.protocol === 'tcp')).toBe(true);
  });

  it('frames a message split at every byte boundary, and several messages in one segment', async () => {
    const inbox = new Inbox(server);
    const body = Buffer.concat([Buffer.from('v=0\r\n\r\nm=message'), Buffer.from([0, 0, 0x0d, 0x0a, 0x0d, 0x0a, 0])]);
    const wire = serializeMessage(request(1, body));
    const raw = await rawConnect(server.local);
    raws.push(raw);
    for (let cut = 1; cut < wire.length; cut++) {
      raw.write(wire.subarray(0, cut));
      await tick();
      raw.write(wire.subarray(cut));
    }
    const n = wire.length - 1;
    raw.write(Buffer.concat([wire, Buffer.from('\r\n\r\n'), wire, wire, Buffer.from('\r\n')]));
    const got = await inbox.waitFor(n + 3);
    for (const m of got) {
      expect(m.raw.equals(wire)).toBe(true);
      expect(m.message?.body.equals(body)).toBe(true);
    }
    await tick();
    expect(inbox.messages).toHaveLength(n + 3); // keepalives are not messages
  });

  it('reconnects after the peer closed the previous connection', async () => {
    const inbox = new Inbox(server);
    await client.send(request(1), server.local);
    await inbox.waitFor(1);
    await server.close();
    await until(() => client.connectionCount === 0, 3000, () => 'client to notice the close');
    // A new listener on the same port: the client must dial again.
    server = await TcpTransport.open({ host, port: server.local.port, tap, owner: 'server' });
    const inbox2 = new Inbox(server);
    await client.send(request(2), server.local);
    const [m] = await inbox2.waitFor(1);
    expect(m.message?.kind === 'request' && m.message.headers.find((h) => h.name === 'Call-ID')?.value).toBe('call-2');
    expect(client.connectionCount).toBe(1);
  });

  it('reports a peer claiming Content-Length: 4000000000 and closes that connection, holding nothing', async () => {
    const inbox = new Inbox(server);
    const raw = await rawConnect(server.local);
    raws.push(raw);
    raw.on('error', () => undefined);
    const head = 'MESSAGE sip:bob@example.com SIP/2.0\r\nCall-ID: big\r\nContent-Length: 4000000000\r\n\r\n';
    raw.write(head);
    raw.write(Buffer.alloc(64 * 1024, 0x41));
    await closedPromise(raw);
    const [m] = await inbox.waitFor(1);
    expect(m.message).toBeNull();
    expect(m.diagnostics.map((d) => d.rule)).toEqual(['HARNESS-stream-body-too-large']);
    expect(m.raw.toString('latin1').startsWith(head)).toBe(true);
    expect(m.raw.length).toBeLessThan(1 << 20);
    await until(() => server.connectionCount === 0);
    // The transport still serves other peers.
    await client.send(request(3), server.local);
    await inbox.waitFor(2);
  });

  it('reports an endless header section at the configured limit and binary garbage at once', async () => {
    const inbox = new Inbox(server);
    const a = await rawConnect(server.local);
    const b = await rawConnect(server.local);
    raws.push(a, b);
    a.on('error', () => undefined);
    b.on('error', () => undefined);
    a.write('INVITE sip:bob@example.com SIP/2.0\r\n');
    for (let i = 0; i < 200 && !a.closed && !a.destroyed; i++) {
      a.write(`X-Pad-${i}: ${'p'.repeat(60)}\r\n`);
      await tick();
    }
    b.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00]));
    await Promise.all([closedPromise(a), closedPromise(b)]);
    await inbox.waitFor(2);
    const rules = inbox.messages.flatMap((m) => m.diagnostics.map((d) => d.rule)).sort();
    expect(rules).toEqual(['HARNESS-stream-header-too-large', 'HARNESS-stream-not-sip']);
    for (const m of inbox.messages) {
      expect(m.message).toBeNull();
      expect(m.raw.length).toBeLessThanOrEqual(4096 + 128);
    }
  });

  it('reports a refused connection through onError; send still resolves', async () => {
    const inbox = new Inbox(client);
    const spare = await TcpTransport.open({ host, tap });
    const dead = spare.local;
    await spare.close();
    await client.send(request(1), dead);
    expect(inbox.errors).toHaveLength(1);
    expect(inbox.errors[0].message).toMatch(/ECONNREFUSED/);
  });
});

describe('createTransport("tcp")', () => {
  it('applies limits and leaves no handle behind after close()', async () => {
    const before = await settledSocketHandles();
    const tap = new Tap();
    const t = await createTransport({ protocol: 'tcp', host: '127.0.0.1', port: 0, tap, limits: { maxHeaderBytes: 100, maxBodyBytes: 100, maxBufferedBytes: 200 } });
    expect(t.protocol).toBe('tcp');
    const inbox = new Inbox(t);
    const raw = await rawConnect(t.local);
    raw.on('error', () => undefined);
    raw.write(`OPTIONS sip:x SIP/2.0\r\nContent-Length: 101\r\n\r\n`);
    await closedPromise(raw);
    await inbox.waitFor(1);
    expect(inbox.messages[0].diagnostics[0].rule).toBe('HARNESS-stream-body-too-large');
    await t.close();
    await t.close(); // idempotent
    expect(await settledSocketHandles()).toEqual(before);
    await expect(createTransport({ protocol: 'tcp', host: '127.0.0.1', tap, limits: { maxBodyBytes: 0 } })).rejects.toThrow(RangeError);
  });

  it('carries a 3 MiB body under the default limits, and shares one dial between concurrent sends', async () => {
    const tap = new Tap();
    const a = await createTransport({ protocol: 'tcp', host: '127.0.0.1', tap });
    const b = await createTransport({ protocol: 'tcp', host: '127.0.0.1', tap });
    try {
      const inbox = new Inbox(b);
      const body = Buffer.alloc(3 * 1024 * 1024, 0x5a);
      await Promise.all([a.send(request(1, body), b.local), a.send(request(2), b.local), a.send(request(3), b.local)]);
      const got = await inbox.waitFor(3);
      expect(got.map((m) => m.message?.body.length)).toEqual([body.length, 0, 0]);
      expect(new Set(got.map((m) => m.flow.remote.port)).size).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('turns a throwing receiver and sends after close() into error reports', async () => {
    const tap = new Tap();
    const a = await createTransport({ protocol: 'tcp', host: '127.0.0.1', tap });
    const b = await createTransport({ protocol: 'tcp', host: '127.0.0.1', tap });
    const errors: Error[] = [];
    b.onError((err) => errors.push(err));
    b.onMessage(() => {
      throw new Error('receiver bug');
    });
    await a.send(request(1), b.local);
    await until(() => errors.length === 1);
    expect(errors[0].message).toBe('receiver bug');
    await a.close();
    await b.close();
    await b.send(request(2), a.local);
    expect(errors[1].message).toMatch(/closed/);
  });
});
