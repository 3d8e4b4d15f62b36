/**
 * Issue 14: a 200 (OK) to REGISTER lists every binding of the AoR (RFC 3261 §10.3 step 8). When it
 * would not fit one UDP datagram, the registrar never sends it to be lost: the update fails as a
 * whole (§10.3 step 7: 500, tentative updates removed) and a Warning (§20.43) says why. Over TCP
 * the same REGISTER succeeds.
 */
import { Registrar } from '../../../src/reference/registrar';
import { LocationService } from '../../../src/reference/location-service';
import { parseMessage } from '../../../src/sip/codec/parse';
import { serializeMessage } from '../../../src/sip/codec/serialize';
import { header, type SipRequest } from '../../../src/sip/message';
import { MAX_UDP_PAYLOAD } from '../../../src/sip/transport/udp';
import type { Flow } from '../../../src/sip/transport/address';

const AOR = 'sip:bob@cpm.example.com';

function register(i: number, protocol: 'udp' | 'tcp'): SipRequest {
  const instance = `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const text = `REGISTER sip:cpm.example.com SIP/2.0\r\nVia: SIP/2.0/${protocol.toUpperCase()} 127.0.0.1:${7000 + i};branch=z9hG4bK${i}\r\n` +
    `Max-Forwards: 70\r\nFrom: <${AOR}>;tag=${i}\r\nTo: <${AOR}>\r\nCall-ID: reg-${i}\r\nCSeq: 1 REGISTER\r\nSupported: path, gruu, outbound\r\n` +
    `Contact: <sip:bob@127.0.0.1:${7000 + i};transport=${protocol}>;+sip.instance="<${instance}>"\r\nExpires: 3600\r\nContent-Length: 0\r\n\r\n`;
  const m = parseMessage(Buffer.from(text)).message;
  if (!m || m.kind !== 'request') throw new Error('test REGISTER does not parse');
  return m;
}

function flow(protocol: 'udp' | 'tcp', i: number): Flow {
  return { protocol, local: { host: '127.0.0.1', port: 5060 }, remote: { host: '127.0.0.1', port: 7000 + i } };
}

test('over UDP, the REGISTER whose 200 would pass one datagram fails with 500 and a Warning naming the cause; nothing is bound', () => {
  const loc = new LocationService();
  const reg = new Registrar(loc);
  let i = 0;
  let last = reg.register(register(i, 'udp'), flow('udp', i));
  while (last.status === 200 && i < 2000) {
    expect(serializeMessage(last).length).toBeLessThanOrEqual(MAX_UDP_PAYLOAD);
    i++;
    last = reg.register(register(i, 'udp'), flow('udp', i));
  }
  expect(last.status).toBe(500);
  expect(i).toBeGreaterThan(100);
  expect(header(last, 'Warning')).toMatch(new RegExp(`^399 cpm-reference ".*all ${i + 1} bindings.* over the ${MAX_UDP_PAYLOAD}-octet UDP datagram limit; REGISTER over TCP`));
  expect(serializeMessage(last).length).toBeLessThan(2000);
  // §10.3 step 7: the failed update is removed; the earlier bindings stay.
  expect(loc.lookup(AOR)).toHaveLength(i);
  // The same REGISTER over TCP succeeds, listing every binding (§10.3 step 8).
  const ok = reg.register(register(i, 'tcp'), flow('tcp', i));
  expect(ok.status).toBe(200);
  expect(ok.headers.filter((h) => h.name === 'Contact')).toHaveLength(i + 1);
});
