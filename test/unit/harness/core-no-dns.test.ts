/**
 * The core emulation never resolves a host name the SUT wrote (src/harness/addressing.ts
 * withoutDns): a Route, a Request-URI or a response's next Via naming `cs.example.invalid` is
 * unroutable (404, recorded as an anomaly), and no getaddrinfo is issued — the harness sends
 * nothing beyond loopback and the SUT the target config gives. Real UDP sockets on 127.0.0.1.
 */
import * as dgram from 'node:dgram';
import { createHook } from 'node:async_hooks';
import { createTransport } from '../../../src/sip/transport/factory';
import { Tap } from '../../../src/sip/transport/tap';
import { CoreEmulator } from '../../../src/harness/core-emulator';
import { withoutDns } from '../../../src/harness/addressing';

const HOST = '127.0.0.1';

describe('withoutDns', () => {
  it('keeps IP literals and hosts the config names, drops every other name', () => {
    expect(withoutDns({ host: '127.0.0.1', port: 5060 }, [])).toEqual({ host: '127.0.0.1', port: 5060 });
    expect(withoutDns({ host: '::1', port: 5060 }, [])).toEqual({ host: '::1', port: 5060 });
    expect(withoutDns({ host: 'CS.Vendor.example', port: 5060 }, ['cs.vendor.example'])).toEqual({ host: 'CS.Vendor.example', port: 5060 });
    expect(withoutDns({ host: 'cs.example.invalid', port: 5060 }, ['cs.vendor.example'])).toBeNull();
    expect(withoutDns(null, [])).toBeNull();
  });
});

describe('CoreEmulator and host names the SUT wrote', () => {
  const lookups: string[] = [];
  const watch = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'GETADDRINFOREQWRAP') lookups.push(String((resource as { hostname?: unknown }).hostname ?? '?'));
    },
  });
  let sut: dgram.Socket;
  let core: CoreEmulator;
  const received: string[] = [];

  beforeAll(async () => {
    sut = dgram.createSocket('udp4');
    sut.on('message', (m) => received.push(m.toString('latin1')));
    await new Promise<void>((r) => sut.bind(0, HOST, () => r()));
    const transport = await createTransport({ protocol: 'udp', host: HOST, port: 0, tap: new Tap(), owner: 'Core A' });
    const pf = { host: HOST, port: sut.address().port };
    core = new CoreEmulator({ name: 'Core A', transport, pfOrig: pf, pfTerm: pf });
    watch.enable();
  });

  afterAll(async () => {
    watch.disable();
    await core.transport.close();
    sut.close();
  });

  const send = (text: string) => new Promise<void>((r) => sut.send(Buffer.from(text.replace(/\n/g, '\r\n')), core.address.port, HOST, () => r()));
  const waitFor = async (pred: (s: string) => boolean, ms = 2000): Promise<string | undefined> => {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      const hit = received.find(pred);
      if (hit) return hit;
    }
    return undefined;
  };
  const request = (routeOrUri: { route?: string; uri: string }, branch: string) => `BYE ${routeOrUri.uri} SIP/2.0
Via: SIP/2.0/UDP ${HOST}:${sut.address().port};branch=z9hG4bK${branch};rport
${routeOrUri.route ? `Route: <${routeOrUri.route}>\n` : ''}Max-Forwards: 70
From: <sip:a@cpm.example.com>;tag=1
To: <sip:b@cpm.example.com>;tag=2
Call-ID: ${branch}@test
CSeq: 2 BYE
Content-Length: 0

`;

  it('answers 404 to a request whose Route names a host it would have to resolve, and looks nothing up', async () => {
    await send(request({ route: 'sip:cs.example.invalid;lr', uri: `sip:b@${HOST}:1` }, 'route1'));
    const res = await waitFor((s) => s.includes('route1') && s.startsWith('SIP/2.0 '));
    expect(res).toMatch(/^SIP\/2\.0 404 /);
    expect(core.anomalies.map((a) => a.reason)).toContain('Route names no host the harness reaches without DNS');
    expect(lookups).toEqual([]);
  });

  it('answers 404 to an in-dialog request whose Request-URI (remote target) is a host name, and looks nothing up', async () => {
    await send(request({ uri: 'sip:b@cs.example.invalid:5060' }, 'ruri1'));
    const res = await waitFor((s) => s.includes('ruri1') && s.startsWith('SIP/2.0 '));
    expect(res).toMatch(/^SIP\/2\.0 404 /);
    expect(core.anomalies.map((a) => a.reason)).toContain('Request-URI names no host the harness reaches without DNS');
    expect(lookups).toEqual([]);
  });

  it('drops a response whose next Via names a host name (recorded), and looks nothing up', async () => {
    const own = `${HOST}:${core.address.port}`;
    await send(`SIP/2.0 200 OK
Via: SIP/2.0/UDP ${own};branch=z9hG4bKcore1;rport
Via: SIP/2.0/UDP cs.example.invalid:5060;branch=z9hG4bKvia1
From: <sip:a@cpm.example.com>;tag=1
To: <sip:b@cpm.example.com>;tag=2
Call-ID: via1@test
CSeq: 2 BYE
Content-Length: 0

`);
    for (let i = 0; i < 50 && !core.anomalies.some((a) => a.reason.includes('cs.example.invalid')); i++) await new Promise((r) => setTimeout(r, 20));
    expect(core.anomalies.map((a) => a.reason).some((r) => r.includes('next Via names cs.example.invalid'))).toBe(true);
    expect(lookups).toEqual([]);
  });
});
