/**
 * Terminating target determination with Path (RFC 3327), the registrar's Path bookkeeping, the
 * best-response rule of a forking proxy (RFC 3261 §16.7 step 6). (A late 2xx is no longer
 * released by the proxy: it forwards every 2xx, §16.7 step 5; integration/reference/forking.test.ts.)
 */
import type { SipRequest, SipResponse } from '../../../src/sip/message';
import { headerValues } from '../../../src/sip/message';
import { createRequest, createResponse } from '../../../src/sip/request-builder';
import { LocationService } from '../../../src/reference/location-service';
import { Registrar } from '../../../src/reference/registrar';
import { FaultSet } from '../../../src/reference/faults';
import { initialTarget } from '../../../src/reference/forwarding-target';
import { bestResponse } from '../../../src/reference/proxy-fork';
import type { PfContext } from '../../../src/reference/pf-context';

const PF_A = { host: '127.0.0.1', port: 5060 };
const PF_B = { host: '127.0.0.1', port: 5062 };
const CORE = '<sip:127.0.0.1:7000;lr;hop=t2>';
const flow = { protocol: 'udp' as const, local: PF_A, remote: { host: '127.0.0.1', port: 7000 } };

function ctx(location: LocationService, role: 'A' | 'B' = 'B'): PfContext {
  return {
    role, name: `PF ${role}`, address: role === 'A' ? PF_A : PF_B, peer: role === 'A' ? PF_B : PF_A, mode: 'proxy',
    endpoint: undefined as never, transports: new Map(), location, faults: new FaultSet(), domain: 'cpm.example.com', log: () => undefined,
  };
}

function register(reg: Registrar, contact: string, extra: Array<{ name: string; value: string }> = []): SipResponse {
  const req = createRequest({
    method: 'REGISTER', uri: 'sip:cpm.example.com', from: '<sip:bob@cpm.example.com>', to: '<sip:bob@cpm.example.com>',
    contact: `<${contact}>`, extra: [{ name: 'Via', value: 'SIP/2.0/UDP 127.0.0.1:7000;branch=z9hG4bKx' }, ...extra],
  });
  return reg.register(req, flow);
}

function invite(uri: string, routes: string[] = []): SipRequest {
  return createRequest({ method: 'INVITE', uri, from: '<sip:alice@cpm.example.com>', to: `<${uri}>`, extra: routes.map((value) => ({ name: 'Route', value })) });
}

test('the registrar stores each binding\'s Path and echoes it in the 200 (RFC 3327 §5.3)', () => {
  const loc = new LocationService();
  const reg = new Registrar(loc);
  const ok = register(reg, 'sip:bob@127.0.0.1:6000', [{ name: 'Path', value: CORE }, { name: 'Supported', value: 'path' }]);
  expect(ok.status).toBe(200);
  expect(headerValues(ok, 'Path')).toEqual([CORE]);
  const plain = register(reg, 'sip:bob@127.0.0.1:6002');
  expect(headerValues(plain, 'Path')).toEqual([]);
  expect(loc.lookup('sip:bob@cpm.example.com').map((b) => [b.contact, b.path])).toEqual([
    ['sip:bob@127.0.0.1:6000', [CORE]],
    ['sip:bob@127.0.0.1:6002', []],
  ]);
});

test('PF B forks to every binding: next hop = remaining Route, else Path, else the contact', () => {
  const loc = new LocationService();
  const reg = new Registrar(loc);
  register(reg, 'sip:bob@127.0.0.1:6000', [{ name: 'Path', value: CORE }]);
  register(reg, 'sip:bob@127.0.0.1:6002;transport=tcp');
  const direct = initialTarget(ctx(loc), invite('sip:bob@cpm.example.com'), 'udp');
  expect(direct.kind).toBe('fork');
  if (direct.kind !== 'fork') return;
  expect(direct.branches.map((b) => [b.requestUri, b.routes, b.address.port, b.protocol])).toEqual([
    ['sip:bob@127.0.0.1:6000', [CORE], 7000, 'udp'],
    ['sip:bob@127.0.0.1:6002;transport=tcp', [], 6002, 'tcp'],
  ]);
  const viaCore = initialTarget(ctx(loc), invite('sip:bob@cpm.example.com', ['<sip:127.0.0.1:7000;lr;hop=t2>']), 'udp');
  expect(viaCore.kind).toBe('fork');
  if (viaCore.kind !== 'fork') return;
  for (const b of viaCore.branches) {
    expect(b.routes).toEqual(['<sip:127.0.0.1:7000;lr;hop=t2>']);
    expect(b.address).toEqual({ host: '127.0.0.1', port: 7000 });
  }
});

test('without bindings: a remaining Route is followed unchanged; else 404 (never registered) or 480', () => {
  const loc = new LocationService();
  expect(initialTarget(ctx(loc), invite('sip:carol@cpm.example.com', [CORE]), 'udp')).toMatchObject({ kind: 'forward', address: { port: 7000 } });
  expect(initialTarget(ctx(loc), invite('sip:carol@cpm.example.com'), 'udp')).toMatchObject({ kind: 'reject', status: 404 });
  loc.update({ aor: 'sip:carol@cpm.example.com', contact: 'sip:carol@127.0.0.1:6004', address: { host: '127.0.0.1', port: 6004 }, protocol: 'udp', expires: 0, callId: 'c', cseq: 1 });
  expect(initialTarget(ctx(loc), invite('sip:carol@cpm.example.com'), 'udp')).toMatchObject({ kind: 'reject', status: 480 });
  // PF A never forks: it hands the request to PF B.
  register(new Registrar(loc), 'sip:bob@127.0.0.1:6000');
  expect(initialTarget(ctx(loc, 'A'), invite('sip:bob@cpm.example.com'), 'udp')).toMatchObject({ kind: 'forward', address: PF_B });
});

test('best response (§16.7 step 6): 6xx first, else the lowest class; 503 becomes 500; none → null', () => {
  const req = invite('sip:bob@cpm.example.com');
  const r = (s: number) => createResponse(req, s);
  expect(bestResponse([r(486), r(603), r(200)])?.status).toBe(603);
  expect(bestResponse([r(503), r(487), r(404)])?.status).toBe(487);
  expect(bestResponse([r(503), null])?.status).toBe(500);
  expect(bestResponse([null, null])).toBeNull();
});
