/** Location service and registrar bookkeeping (RFC 3261 §10.3) and the fault set. */
import { LocationService, aorKey } from '../../../src/reference/location-service';
import { FaultSet, unknownFaults } from '../../../src/reference/faults';

const base = { address: { host: '127.0.0.1', port: 6000 }, protocol: 'udp' as const, callId: 'c', cseq: 1 };

test('AoR keys ignore sips, parameters and host case', () => {
  expect(aorKey('<sips:Bob@CPM.example.com;transport=tcp>')).toBe('sip:Bob@cpm.example.com');
});

test('bindings are kept per contact, refreshed, expired and removed', () => {
  let now = 1_000_000;
  const loc = new LocationService(() => now);
  loc.update({ ...base, aor: 'sip:bob@cpm.example.com', contact: 'sip:bob@127.0.0.1:6000', expires: 60 });
  loc.update({ ...base, aor: 'sip:bob@cpm.example.com', contact: 'sip:bob@127.0.0.1:6002', expires: 10 });
  loc.update({ ...base, aor: 'sip:bob@cpm.example.com', contact: 'sip:bob@127.0.0.1:6000', expires: 120 });
  expect(loc.lookup('sip:bob@cpm.example.com').map((b) => b.contact)).toEqual(['sip:bob@127.0.0.1:6002', 'sip:bob@127.0.0.1:6000']);
  now += 11_000;
  expect(loc.lookup('sip:bob@cpm.example.com').map((b) => b.contact)).toEqual(['sip:bob@127.0.0.1:6000']);
  loc.update({ ...base, aor: 'sip:bob@cpm.example.com', contact: 'sip:bob@127.0.0.1:6000', expires: 0 });
  expect(loc.lookup('sip:bob@cpm.example.com')).toEqual([]);
  expect(loc.isKnown('sip:bob@cpm.example.com')).toBe(true);
  expect(loc.isKnown('sip:carol@cpm.example.com')).toBe(false);
});

test('the fault set refuses unknown names', () => {
  expect(unknownFaults(['leave-ok-wrong-via', 'nope'])).toEqual(['nope']);
  expect(() => new FaultSet(['nope'])).toThrow(/valid: leave-pf-a-not-in-path/);
  expect(new FaultSet(['leave-ok-wrong-via']).has('leave-ok-wrong-via')).toBe(true);
});
