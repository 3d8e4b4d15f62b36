/** Pieces of the session-transfer logic (5.2.5.1): sipfrag status, the CS's own SDP, devices by contact, the transfer faults. */
import { LocationService } from '../../../src/reference/location-service';
import { FAULTS } from '../../../src/reference/faults';
import { csMsrpUri, csSdp } from '../../../src/reference/transfer-model';
import { sipfragStatus } from '../../../src/sip/sipfrag';
import { initialTarget } from '../../../src/reference/forwarding-target';
import type { PfContext } from '../../../src/reference/pf-context';
import { FaultSet } from '../../../src/reference/faults';
import type { SipRequest } from '../../../src/sip/message';

const base = { protocol: 'udp' as const, callId: 'c', cseq: 1, expires: 60 };

test('sipfrag status lines (RFC 3420) are read from the first line only', () => {
  expect(sipfragStatus(Buffer.from('SIP/2.0 200 OK\r\n'))).toEqual({ status: 200, reason: 'OK' });
  expect(sipfragStatus(Buffer.from('SIP/2.0 603 Decline\r\nVia: x\r\n'))).toEqual({ status: 603, reason: 'Decline' });
  expect(sipfragStatus(Buffer.from('SIP/2.0 100'))).toEqual({ status: 100, reason: '' });
  expect(sipfragStatus(Buffer.from('INVITE sip:x SIP/2.0'))).toBeNull();
});

test('the CS answers with its own MSRP URI and the offer\'s accept-types', () => {
  const ctx = { address: { host: '127.0.0.1', port: 5070 } } as PfContext;
  expect(csMsrpUri(ctx, 'abc')).toBe('msrp://127.0.0.1:2855/abc;tcp');
  const sdp = csSdp(ctx, Buffer.from('v=0\r\na=accept-types:text/plain\r\n'), 'abc').toString();
  expect(sdp).toContain('m=message 2855 TCP/MSRP *\r\n');
  expect(sdp).toContain('a=accept-types:text/plain\r\n');
  expect(sdp).toContain('a=path:msrp://127.0.0.1:2855/abc;tcp\r\n');
  const v6 = csSdp({ address: { host: '::1', port: 5070 } } as PfContext, Buffer.alloc(0), 'x').toString();
  expect(v6).toContain('c=IN IP6 ::1');
  expect(v6).toContain('a=path:msrp://[::1]:2855/x;tcp');
});

test('a device is found by its contact whatever its AoR (transport and port matter, host case does not)', () => {
  const loc = new LocationService();
  loc.update({ ...base, aor: 'sip:alice@cpm.example.com', contact: 'sip:alice@127.0.0.1:6000', address: { host: '127.0.0.1', port: 6000 } });
  loc.update({ ...base, aor: 'sip:bob@cpm.example.com', contact: 'sip:bob@127.0.0.1:6002;transport=tcp', address: { host: '127.0.0.1', port: 6002 }, protocol: 'tcp' });
  expect(loc.findByContact('<sip:alice@127.0.0.1:6000;transport=udp>')?.aor).toBe('sip:alice@cpm.example.com');
  expect(loc.findByContact('sip:bob@127.0.0.1:6002;transport=tcp')?.aor).toBe('sip:bob@cpm.example.com');
  expect(loc.findByContact('sip:bob@127.0.0.1:6002')).toBeUndefined();
  expect(loc.findByContact('sip:alice@127.0.0.1:6001')).toBeUndefined();
});

test('terminating control sends a request for a registered contact to that binding, through its Path', () => {
  const location = new LocationService();
  location.update({ ...base, aor: 'sip:bob@cpm.example.com', contact: 'sip:bob@127.0.0.1:6002', address: { host: '127.0.0.1', port: 6002 }, path: ['<sip:127.0.0.1:7000;lr;hop=t2>'] });
  const ctx = { role: 'B', location, domain: 'cpm.example.com', faults: new FaultSet() } as unknown as PfContext;
  const req: SipRequest = { kind: 'request', version: 'SIP/2.0', method: 'INVITE', uri: 'sip:bob@127.0.0.1:6002', headers: [], body: Buffer.alloc(0) };
  const d = initialTarget(ctx, req, 'udp');
  expect(d.kind).toBe('fork');
  if (d.kind !== 'fork') return;
  expect(d.branches).toHaveLength(1);
  expect(d.branches[0]).toMatchObject({ requestUri: 'sip:bob@127.0.0.1:6002', routes: ['<sip:127.0.0.1:7000;lr;hop=t2>'], address: { host: '127.0.0.1', port: 7000 } });
});

test('every transfer fault names its mode and a TRF requirement', () => {
  const trf = FAULTS.filter((f) => f.name.startsWith('trf-'));
  expect(trf).toHaveLength(57);
  for (const f of trf) {
    expect(f.requirement).toMatch(/^TRF-/);
    expect(f.mode).toBe(f.name.startsWith('trf-nmp-') ? 'proxy' : 'b2bua');
  }
});
