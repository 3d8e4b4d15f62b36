/** Header surgery of a relaying PF (RFC 3261 §16.4, §16.6, §16.7) and the C.2.3.1 role rule. */
import type { SipRequest } from '../../../src/sip/message';
import { header, headerValues } from '../../../src/sip/message';
import { addRecordRoute, decrementMaxForwards, isInDialog, nextHop, popOwnRoutes, removeTopVia, uriTarget } from '../../../src/reference/routing';
import { leavingRole } from '../../../src/reference/leaving-role';
import { viaDestination } from '../../../src/reference/via-destination';
import { parseVia } from '../../../src/sip/headers/via';

const PF = { host: '127.0.0.1', port: 5060 };

function req(headers: Array<[string, string]>, uri = 'sip:bob@cpm.example.com'): SipRequest {
  return { kind: 'request', method: 'BYE', uri, version: 'SIP/2.0', headers: headers.map(([name, value]) => ({ name, value })), body: Buffer.alloc(0) };
}

test('popOwnRoutes removes only the leading entries naming the PF and reports their parameters', () => {
  const r = req([['Route', '<sip:127.0.0.1:5060;lr;orig>, <sip:127.0.0.1:7000;lr;hop=o2>'], ['Route', '<sip:127.0.0.1:5060;lr>']]);
  const popped = popOwnRoutes(r, PF);
  expect(popped).toHaveLength(1);
  expect(popped[0].params['orig']).toBeNull();
  expect(headerValues(r, 'Route')).toEqual(['<sip:127.0.0.1:7000;lr;hop=o2>', '<sip:127.0.0.1:5060;lr>']);
  expect(nextHop(r)?.address).toEqual({ host: '127.0.0.1', port: 7000 });
});

test('with no Route left the next hop is the Request-URI (§16.12), transport from its parameter', () => {
  const r = req([], 'sip:bob@127.0.0.1:6000;transport=tcp');
  expect(nextHop(r)).toEqual({ address: { host: '127.0.0.1', port: 6000 }, protocol: 'tcp' });
  expect(uriTarget('sips:[::1]')).toEqual({ address: { host: '::1', port: 5061 }, protocol: 'tls' });
});

test('Max-Forwards is decremented, added as 70 when absent, or kept under the fault', () => {
  const a = req([['Max-Forwards', '70']]);
  expect(decrementMaxForwards(a)).toBe(69);
  expect(header(a, 'Max-Forwards')).toBe('69');
  expect(decrementMaxForwards(req([]))).toBe(70);
  expect(decrementMaxForwards(req([['Max-Forwards', '10']]), true)).toBe(10);
});

test('Record-Route goes on top with lr and the transport; the top Via is removed from a response', () => {
  const r = req([['Record-Route', '<sip:10.0.0.1;lr>'], ['Via', 'SIP/2.0/UDP a:1;branch=z9hG4bK1, SIP/2.0/UDP b:2;branch=z9hG4bK2']]);
  addRecordRoute(r, PF, 'tcp');
  expect(headerValues(r, 'Record-Route')).toEqual(['<sip:127.0.0.1:5060;transport=tcp;lr>', '<sip:10.0.0.1;lr>']);
  removeTopVia(r);
  expect(headerValues(r, 'Via')).toEqual(['SIP/2.0/UDP b:2;branch=z9hG4bK2']);
});

test('in-dialog means a To tag', () => {
  expect(isInDialog(req([['To', '<sip:b@x>;tag=1']]))).toBe(true);
  expect(isInDialog(req([['To', '<sip:b@x>']]))).toBe(false);
});

test('responses go to received/rport of the Via (RFC 3581)', () => {
  expect(viaDestination(parseVia('SIP/2.0/TCP h.example:5070;branch=z9hG4bK1;received=127.0.0.2;rport=4000')!)).toEqual({ address: { host: '127.0.0.2', port: 4000 }, protocol: 'tcp' });
  expect(viaDestination(parseVia('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1')!)).toEqual({ address: { host: '127.0.0.1', port: 5060 }, protocol: 'udp' });
});

test('C.2.3.1 roles: the PF serving the BYE\'s sender is originating', () => {
  expect(leavingRole('A', true)).toBe('originating');
  expect(leavingRole('B', true)).toBe('terminating');
  expect(leavingRole('A', false)).toBe('terminating');
  expect(leavingRole('B', false)).toBe('originating');
});
