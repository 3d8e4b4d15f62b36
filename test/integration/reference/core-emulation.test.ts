/**
 * Core-emulation topology: a SIP/IP Core triggers a PF with `Route: <pf;lr;orig>, <core;lr>`
 * (originating, TS 24.229 §5.4.3.1) or `Route: <pf;lr>, <core;lr>` (terminating); the PF pops its
 * own Route (RFC 3261 §16.4) and sends the request back to the next Route, keeping the rest, with
 * no registrar lookup. Proxy mode Record-Routes; B2BUA mode starts a new leg that keeps the Route.
 */
import { header } from '../../../src/sip/message';
import { createResponse } from '../../../src/sip/request-builder';
import { vias } from '../../../src/sip/headers/via';
import { routes } from '../../../src/sip/headers/route';
import { callId } from '../../../src/sip/headers/name-addr';
import type { Address } from '../../../src/sip/transport/address';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { TestUa, TIMERS, mf } from './test-ua';

const uri = (a: Address, extra = '') => `<sip:${a.host}:${a.port};lr${extra}>`;

describe.each(['proxy', 'b2bua'] as const)('reference server, core-emulation routing, %s mode', (mode) => {
  let server: ReferenceServer;
  let core: TestUa;

  beforeEach(async () => {
    server = await startReferenceServer({ port: 0, mode, timers: TIMERS });
    core = await TestUa.open('core');
  });
  afterEach(async () => {
    await core.close();
    await server.stop();
  });

  test.each([['A', ';orig', 'o2'], ['B', '', 't2']] as const)('PF %s sends the INVITE back to the core named by the next Route', async (pf, param, hop) => {
    const pfAddr = pf === 'A' ? server.pfA : server.pfB;
    const coreRoute = uri(core.address, `;hop=${hop}`);
    const inv = core.invite('sip:bob@cpm.example.com', pfAddr, [
      { name: 'Route', value: uri(pfAddr, param) },
      { name: 'Route', value: coreRoute },
    ]);
    const back = await core.waitFor('INVITE');
    expect(back).not.toBeNull();
    const req = back!.request;
    // Not the registrar's business: the Request-URI is still the AoR (nobody registered anyway).
    expect(req.uri).toBe('sip:bob@cpm.example.com');
    expect(routes(req, 'Route').map((r) => r.uri)).toEqual([coreRoute.slice(1, -1)]);
    expect(vias(req)[0].port).toBe(pfAddr.port);
    expect(mf(req)).toBe(69);
    if (mode === 'proxy') {
      expect(callId(req)).toBe(callId(inv.request));
      expect(vias(req).map((v) => v.port)).toEqual([pfAddr.port, core.address.port]);
      expect(routes(req, 'Record-Route').map((r) => r.uri)).toEqual([`sip:${pfAddr.host}:${pfAddr.port};transport=udp;lr`]);
    } else {
      expect(callId(req)).not.toBe(callId(inv.request));
      expect(vias(req)).toHaveLength(1);
    }
    const ok = createResponse(req, 200, undefined, { toTag: 'core-uas' });
    ok.headers.push({ name: 'Contact', value: `<${core.contactUri}>` });
    await back!.respond(ok);
    const res = await inv.final;
    expect(res?.status).toBe(200);
    expect(vias(res!)).toHaveLength(1);
    if (mode === 'proxy') expect(header(res!, 'Record-Route')).toContain(`:${pfAddr.port};transport=udp;lr`);
  });
});
