/**
 * The local port range (target config local.ports, src/harness/port-range.ts) on real loopback
 * sockets: every socket and dialled connection takes a port of the range, no two live ones share
 * one, a port another program holds is skipped, ports come back when a claim is released, and a
 * range too small says so naming the field. Ports of other programs may sit anywhere in a range,
 * so assertions say "inside the range, all distinct", never "exactly port N".
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { PortRange, PortRangeError, type PortDemand } from '../../../src/harness/port-range';
import { createTransport } from '../../../src/sip/transport/factory';
import { Tap } from '../../../src/sip/transport/tap';
import type { Transport } from '../../../src/sip/transport/transport';
import { createTestPki } from '../../support/tls-cert';
import { Inbox, request, settledSocketHandles } from './helpers';

const HOST = '127.0.0.1';
const demand = (ports: number, label = 'test'): PortDemand => ({ label, ports, detail: `${ports} test sockets` });

describe('PortRange', () => {
  let handlesBefore: string[];
  const open: Transport[] = [];
  beforeAll(async () => {
    handlesBefore = await settledSocketHandles();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    expect(await settledSocketHandles()).toEqual(handlesBefore);
  });

  test('UDP and TCP sockets of concurrent claims bind inside the range, never on the same port; release gives them back', async () => {
    const range = new PortRange(HOST, { from: 23710, to: 23749 });
    const tap = new Tap();
    const claims = [range.claim(demand(6, 'case 1')), range.claim(demand(6, 'case 2')), range.claim(demand(6, 'case 3'))];
    // All three "cases" bind at once, UDP and TCP mixed, as concurrent runCase calls do.
    const bound = await Promise.all(claims.flatMap((c, i) => [0, 1, 2, 3].map((k) =>
      c.bind((port) => createTransport({ protocol: (i + k) % 2 ? 'tcp' : 'udp', host: HOST, port, tap })))));
    open.push(...bound);
    const ports = bound.map((t) => t.local.port);
    expect(ports.every((p) => p >= 23710 && p <= 23749)).toBe(true);
    expect(new Set(ports).size).toBe(12);
    const reserved = claims.map((c) => c.reserve());
    expect(reserved.every((p) => p !== undefined && range.contains(p) && !ports.includes(p))).toBe(true);
    expect(range.inUse).toBe(15);
    await Promise.all(open.splice(0).map((t) => t.close()));
    for (const c of claims) c.release();
    expect(range.inUse).toBe(0);
  });

  test('a port another program holds (EADDRINUSE) is skipped for the next one', async () => {
    const squatter = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(23760, HOST, () => resolve()));
    try {
      const range = new PortRange(HOST, { from: 23760, to: 23762 });
      const claim = range.claim(demand(2));
      const t = await claim.bind((port) => createTransport({ protocol: 'udp', host: HOST, port, tap: new Tap() }));
      open.push(t);
      expect(t.local.port).not.toBe(23760);
      expect(range.contains(t.local.port)).toBe(true);
      claim.release();
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });

  test('the TCP connections a transport dials leave from ports of the range, given back when they close', async () => {
    const tap = new Tap();
    const range = new PortRange(HOST, { from: 23770, to: 23779 });
    const claim = range.claim(demand(4));
    const server = await claim.bind((port) => createTransport({ protocol: 'tcp', host: HOST, port, tap, owner: 'server' }));
    const client = await claim.bind((port) => createTransport({ protocol: 'tcp', host: HOST, port, tap, owner: 'client', localPorts: claim.dialPorts }));
    open.push(server, client);
    const inbox = new Inbox(server);
    await client.send(request(1), server.local);
    const [m] = await inbox.waitFor(1);
    // The listener and the dialled connection are two sockets: two ports of the range, distinct.
    expect(range.contains(m.flow.remote.port)).toBe(true);
    expect(m.flow.remote.port).not.toBe(client.local.port);
    expect(range.inUse).toBe(3);
    await client.close();
    await server.close();
    open.length = 0;
    expect(range.inUse).toBe(2); // the dialled port came back when its connection closed
    claim.release();
    expect(range.inUse).toBe(0);
  });

  test('a dialled source port another program holds is given back and the next one tried', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(23820, HOST, () => resolve()));
    try {
      const tap = new Tap();
      const range = new PortRange(HOST, { from: 23820, to: 23821 });
      const claim = range.claim(demand(2));
      // Both ends ephemeral: only the dialled connection takes a port of the range.
      const server = await createTransport({ protocol: 'tcp', host: HOST, port: 0, tap });
      const client = await createTransport({ protocol: 'tcp', host: HOST, port: 0, tap, localPorts: claim.dialPorts });
      open.push(server, client);
      const inbox = new Inbox(server);
      const errors: Error[] = [];
      client.onError((e) => errors.push(e));
      await client.send(request(1), server.local);
      const [m] = await inbox.waitFor(1);
      expect(m.flow.remote.port).toBe(23821);
      expect(errors).toEqual([]);
      claim.release();
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });

  test('TLS connections leave from the range too', async () => {
    const pki = await createTestPki();
    try {
      const tap = new Tap();
      const range = new PortRange(HOST, { from: 23830, to: 23839 });
      const claim = range.claim(demand(3));
      const server = await claim.bind((port) => createTransport({ protocol: 'tls', host: HOST, port, tap, tls: { cert: pki.server.cert, key: pki.server.key } }));
      const client = await claim.bind((port) => createTransport({ protocol: 'tls', host: HOST, port, tap, tls: { ca: pki.ca.cert }, localPorts: claim.dialPorts }));
      open.push(server, client);
      // A client-only TLS transport listens nowhere: the port it was offered went back at once.
      expect(client.local.port).toBe(0);
      const inbox = new Inbox(server);
      await client.send(request(1, Buffer.alloc(0), 'TLS'), server.local);
      const [m] = await inbox.waitFor(1);
      expect(range.contains(m.flow.remote.port)).toBe(true);
      expect(range.contains(server.local.port)).toBe(true);
      expect(range.inUse).toBe(2);
      claim.release();
    } finally {
      await pki.cleanup();
    }
  });

  test('without a range every socket binds an ephemeral port and nothing is reserved', async () => {
    const claim = new PortRange(HOST).claim(demand(1000));
    const t = await claim.bind((port) => createTransport({ protocol: 'udp', host: HOST, port, tap: new Tap() }));
    open.push(t);
    expect(t.local.port).toBeGreaterThan(0);
    expect(claim.reserve()).toBeUndefined();
    expect(claim.dialPorts).toBeUndefined();
    claim.release();
  });

  test('a variant needing more ports than the range holds fails before binding, naming local.ports', () => {
    const range = new PortRange(HOST, { from: 31000, to: 31003 });
    expect(() => range.claim({ label: 'tcp, core-emulation, devices 1+3', ports: 20, detail: '6 SIP sockets, 4 MSRP ports, up to 14 dialled TCP connections' }))
      .toThrow(new PortRangeError('local.ports 31000-31003 holds 4 ports; this run needs up to 20 at once (one case, tcp, core-emulation, devices 1+3, alone needs 20: 6 SIP sockets, 4 MSRP ports, up to 14 dialled TCP connections) — widen the range'));
    expect(range.inUse).toBe(0);
  });

  test('cases that fit alone but not together fail with what the run needs at once', async () => {
    const range = new PortRange(HOST, { from: 23790, to: 23793 });
    const a = range.claim(demand(3, 'case A'));
    const b = range.claim(demand(3, 'case B'));
    const udp = (port: number) => createTransport({ protocol: 'udp', host: HOST, port, tap: new Tap() });
    open.push(await a.bind(udp), await a.bind(udp), await a.bind(udp), await b.bind(udp));
    await expect(b.bind(udp)).rejects.toThrow('local.ports 23790-23793 holds 4 ports; this run needs up to 6 at once (2 cases at once, e.g. case B needs 3: 3 test sockets) — widen the range');
    a.release();
    b.release();
  });

  test('an invalid range is refused', () => {
    expect(() => new PortRange(HOST, { from: 5, to: 4 })).toThrow(PortRangeError);
  });
});
