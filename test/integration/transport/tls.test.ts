import { createTransport } from '../../../src/sip/transport/factory';
import { Tap } from '../../../src/sip/transport/tap';
import type { TlsSettings } from '../../../src/sip/transport/tls-settings';
import type { Transport } from '../../../src/sip/transport/transport';
import { createTestPki, type TestPki } from '../../support/tls-cert';
import { Inbox, OK, request, settledSocketHandles, until } from './helpers';

let pki: TestPki;
let rogue: TestPki;
let handlesBefore: string[];

beforeAll(async () => {
  handlesBefore = await settledSocketHandles();
  [pki, rogue] = await Promise.all([createTestPki({ label: 'trusted' }), createTestPki({ label: 'rogue' })]);
});
afterAll(async () => {
  await pki?.cleanup();
  await rogue?.cleanup();
  expect(await settledSocketHandles()).toEqual(handlesBefore);
});

describe.each([['IPv4', '127.0.0.1'], ['IPv6', '::1']])('TlsTransport over %s', (_f, host) => {
  const open: Transport[] = [];
  const tap = new Tap();
  async function transport(owner: string, tls: TlsSettings): Promise<Transport> {
    const t = await createTransport({ protocol: 'tls', host, port: 0, tap, owner, tls, connectTimeoutMs: 3000 });
    open.push(t);
    return t;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  it('verifies the server against the test CA, and answers over the same connection', async () => {
    const server = await transport('server', { cert: pki.server.cert, key: pki.server.key });
    const client = await transport('client', { ca: pki.ca.certPath });
    const inS = new Inbox(server);
    const inC = new Inbox(client);
    await client.send(request(1, Buffer.from('over tls'), 'TLS'), server.local);
    const [req] = await inS.waitFor(1);
    expect(req.flow.protocol).toBe('tls');
    expect(req.message?.body.toString()).toBe('over tls');
    await server.send(OK, req.flow.remote);
    const [res] = await inC.waitFor(1);
    expect(res.message?.kind === 'response' && res.message.status).toBe(200);
    expect(inC.errors).toEqual([]);
    expect(inS.errors).toEqual([]);
  });

  it('refuses a server whose certificate the CA did not sign, cleanly', async () => {
    const server = await transport('server', { cert: rogue.server.cert, key: rogue.server.key });
    const client = await transport('client', { ca: pki.ca.cert });
    const inS = new Inbox(server);
    const inC = new Inbox(client);
    await client.send(request(1, undefined, 'TLS'), server.local);
    expect(inC.errors).toHaveLength(1);
    expect(inC.errors[0].message).toMatch(/certificate/i);
    expect(inS.messages).toEqual([]);
  });

  it('refuses by default when no CA is given (public roots only)', async () => {
    const server = await transport('server', { cert: pki.server.cert, key: pki.server.key });
    const client = await transport('client', {});
    const inC = new Inbox(client);
    await client.send(request(1, undefined, 'TLS'), server.local);
    expect(inC.errors).toHaveLength(1);
  });

  it('refuses a certificate for another name when a servername is required', async () => {
    const server = await transport('server', { cert: pki.server.cert, key: pki.server.key });
    const client = await transport('client', { ca: pki.ca.cert, servername: 'sut.example.net' });
    const inC = new Inbox(client);
    await client.send(request(1, undefined, 'TLS'), server.local);
    expect(inC.errors[0]?.message).toMatch(/sut\.example\.net|altnames/i);
  });

  it('accepts an untrusted certificate only with insecure: true', async () => {
    const server = await transport('server', { cert: rogue.server.cert, key: rogue.server.key });
    const client = await transport('client', { ca: pki.ca.cert, insecure: true });
    const inS = new Inbox(server);
    await client.send(request(1, undefined, 'TLS'), server.local);
    await inS.waitFor(1);
  });

  it('does mutual TLS when the server requests a client certificate', async () => {
    const server = await transport('server', { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert, requestCert: true });
    const good = await transport('good', { ca: pki.ca.cert, cert: pki.client.certPath, key: pki.client.keyPath });
    const bad = await transport('bad', { ca: pki.ca.cert, cert: rogue.client.cert, key: rogue.client.key });
    const inS = new Inbox(server);
    await good.send(request(1, undefined, 'TLS'), server.local);
    await inS.waitFor(1);
    await bad.send(request(2, undefined, 'TLS'), server.local);
    // TLS 1.3 lets the client finish its handshake before the server checks the certificate, so
    // the rejection is seen by the server (reported there) and the client just loses the connection.
    await until(() => inS.errors.length > 0, 3000, () => 'the server to reject the client certificate');
    expect(inS.messages).toHaveLength(1);
  });

  it('is client-only without a certificate (nothing listens)', async () => {
    const client = await transport('client', { ca: pki.ca.cert });
    expect(client.local.port).toBe(0);
  });
});
