/**
 * The routing contract of terminating service control with devices behind a SIP/IP Core: the
 * core proxies its devices' REGISTER to the registrar adding `Path: <sip:CORE;lr;hop=t2>`
 * (RFC 3327 §5.2); the registrar stores the Path with the binding and echoes it in the 200
 * (§5.3). PF B then forks to every binding (Request-URI = its contact) with next hop = the Route
 * that remains (core-emulation keeps `<core;lr;hop=t2>`), else the binding's Path, else the contact.
 */
import type { SipRequest } from '../../../src/sip/message';
import { headerValues } from '../../../src/sip/message';
import type { ServerTransaction } from '../../../src/sip/endpoint';
import { createResponse } from '../../../src/sip/request-builder';
import { routes } from '../../../src/sip/headers/route';
import { callId } from '../../../src/sip/headers/name-addr';
import type { Address } from '../../../src/sip/transport/address';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { COMPLETED_ELSEWHERE } from '../../../src/reference/mld';
import { DOMAIN, TestUa, TIMERS } from './test-ua';

const lr = (a: Address, extra = '') => `<sip:${a.host}:${a.port};lr${extra}>`;
const BOB = `sip:bob@${DOMAIN}`;

async function collect(ua: TestUa, method: string, n: number): Promise<ServerTransaction[]> {
  const out: ServerTransaction[] = [];
  for (let i = 0; i < n; i++) {
    const tx = await ua.waitFor(method);
    if (tx) out.push(tx);
  }
  return out;
}

describe.each(['proxy', 'b2bua'] as const)('Path and forking through a SIP/IP Core, %s mode', (mode) => {
  let server: ReferenceServer;
  let core: TestUa;
  let devices: TestUa[];
  let path: string;

  beforeEach(async () => {
    server = await startReferenceServer({ port: 0, mode, timers: TIMERS });
    core = await TestUa.open('core');
    devices = [await TestUa.open('bob'), await TestUa.open('bob')];
    path = lr(core.address, ';hop=t2');
    for (const d of devices) {
      // As if Core B proxied the device's REGISTER to the registrar (RFC 3327 §5.2).
      const ok = await d.register(server.pfA, 600, [{ name: 'Path', value: path }, { name: 'Supported', value: 'path' }]);
      expect(ok?.status).toBe(200);
      expect(headerValues(ok!, 'Path')).toEqual([path]); // RFC 3327 §5.3: echoed
    }
  });
  afterEach(async () => {
    for (const d of devices) await d.close();
    await core.close();
    await server.stop();
  });

  const expectBranches = (txs: ServerTransaction[]) => {
    expect(txs).toHaveLength(2);
    expect(txs.map((t) => t.request.uri).sort()).toEqual(devices.map((d) => d.contactUri).sort());
    for (const t of txs) expect(routes(t.request, 'Route').map((r) => `<${r.uri}>`)).toEqual([path]);
  };

  test('direct: PF B forks to every binding through its Path (as Route); the CANCEL follows the same Route', async () => {
    const alice = await TestUa.open('alice');
    try {
      const inv = alice.invite(BOB, server.pfA);
      const txs = await collect(core, 'INVITE', 2);
      expectBranches(txs);
      for (const t of txs) await t.respond(createResponse(t.request, 180, undefined, { toTag: `t${t.request.uri}` }));
      const ok = createResponse(txs[0].request, 200, undefined, { toTag: 'winner' });
      ok.headers.push({ name: 'Contact', value: `<${txs[0].request.uri}>` });
      await txs[0].respond(ok);
      expect((await inv.final)?.status).toBe(200);
      // The other branch's CANCEL goes the INVITE's way, with its Route (RFC 3261 §9.1).
      let cancel: SipRequest | undefined;
      const deadline = Date.now() + 2000;
      while (!cancel && Date.now() < deadline) {
        cancel = core.tap.entries.map((e) => e.message).find((m): m is SipRequest => m?.kind === 'request' && m.method === 'CANCEL');
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(cancel).toBeDefined();
      expect(cancel!.uri).toBe(txs[1].request.uri);
      expect(routes(cancel!, 'Route').map((r) => `<${r.uri}>`)).toEqual([path]);
      expect(headerValues(cancel!, 'Reason')).toEqual([COMPLETED_ELSEWHERE]);
    } finally {
      await alice.close();
    }
  });

  test('core-emulation: the remaining Route to the core is kept in front, the Request-URI becomes each contact', async () => {
    const inv = core.invite(BOB, server.pfB, [
      { name: 'Route', value: lr(server.pfB) },
      { name: 'Route', value: path },
    ]);
    const txs = await collect(core, 'INVITE', 2);
    expectBranches(txs);
    if (mode === 'proxy') for (const t of txs) expect(callId(t.request)).toBe(callId(inv.request));
    for (const t of txs) await t.respond(createResponse(t.request, 486, undefined, { toTag: `busy${t.request.uri}` }));
    expect((await inv.final)?.status).toBe(486);
  });

  test('an AoR without bindings is forwarded unchanged along the remaining Route', async () => {
    core.invite(`sip:carol@${DOMAIN}`, server.pfB, [
      { name: 'Route', value: lr(server.pfB) },
      { name: 'Route', value: path },
    ]);
    const [tx] = await collect(core, 'INVITE', 1);
    expect(tx.request.uri).toBe(`sip:carol@${DOMAIN}`);
    expect(routes(tx.request, 'Route').map((r) => `<${r.uri}>`)).toEqual([path]);
    await tx.respond(createResponse(tx.request, 480, undefined, { toTag: 'x' }));
  });
});
