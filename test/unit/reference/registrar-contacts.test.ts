/**
 * The registrar's 200 (OK) lists every current binding with its remaining expires (RFC 3261 §10.3
 * step 8) and, for a GRUU-capable device, its pub-gruu (RFC 5627 §5). Each binding's Contact value
 * is formatted once and reused (issue 14: a thousand devices made 500,000 of them): these tests
 * prove the reused value never outlives what it describes — a refresh, a removal, the clock, the
 * AoR's spelling or a REGISTER without `Supported: gruu`.
 */
import { Registrar } from '../../../src/reference/registrar';
import { LocationService } from '../../../src/reference/location-service';
import { parseMessage } from '../../../src/sip/codec/parse';
import { headerValues, type SipRequest } from '../../../src/sip/message';
import type { Flow } from '../../../src/sip/transport/address';

const AOR = 'sip:bob@cpm.example.com';
const instance = (i: number) => `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

function register(i: number, opts: { expires?: number; to?: string; gruu?: boolean; port?: number; contact?: string } = {}): SipRequest {
  const contact = opts.contact ?? `<sip:bob@127.0.0.1:${opts.port ?? 7000 + i};transport=tcp>;+sip.instance="<${instance(i)}>"`;
  const text = `REGISTER sip:cpm.example.com SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:${7000 + i};branch=z9hG4bK${i}-${Math.random()}\r\n` +
    `Max-Forwards: 70\r\nFrom: <${AOR}>;tag=${i}\r\nTo: <${opts.to ?? AOR}>\r\nCall-ID: reg-${i}\r\nCSeq: 1 REGISTER\r\n` +
    `${opts.gruu === false ? '' : 'Supported: path, gruu, outbound\r\n'}Contact: ${contact}\r\nExpires: ${opts.expires ?? 3600}\r\nContent-Length: 0\r\n\r\n`;
  const m = parseMessage(Buffer.from(text)).message;
  if (!m || m.kind !== 'request') throw new Error('test REGISTER does not parse');
  return m;
}

const tcp: Flow = { protocol: 'tcp', local: { host: '127.0.0.1', port: 5060 }, remote: { host: '127.0.0.1', port: 7000 } };

function setup() {
  let now = 1_000_000_000;
  const location = new LocationService(() => now);
  const registrar = new Registrar(location);
  return { registrar, location, advance: (ms: number) => { now += ms; }, contactsOf: (i: number, opts?: Parameters<typeof register>[1]) => headerValues(registrar.register(register(i, opts), tcp), 'Contact') };
}

const value = (i: number, expires: number, aor = AOR, gruu = true) =>
  `<sip:bob@127.0.0.1:${7000 + i};transport=tcp>;expires=${expires};+sip.instance="<${instance(i)}>"${gruu ? `;pub-gruu="${aor};gr=${instance(i)}"` : ''}`;

test('every binding is listed with its own remaining expires, as the clock runs', () => {
  const { contactsOf, advance } = setup();
  expect(contactsOf(0)).toEqual([value(0, 3600)]);
  advance(10_000);
  expect(contactsOf(1, { expires: 600 })).toEqual([value(0, 3590), value(1, 600)]);
  advance(90_000);
  // The reused values count down with the clock; none is served from before.
  expect(contactsOf(2)).toEqual([value(0, 3500), value(1, 510), value(2, 3600)]);
});

test('a refreshed binding is listed with its new expires, moved last; a removed one is no longer listed', () => {
  const { contactsOf, advance, location } = setup();
  contactsOf(0);
  contactsOf(1);
  advance(5_000);
  // §10.3 step 7: the same contact refreshes its binding (a new one, listed with the new interval).
  expect(contactsOf(0, { expires: 120 })).toEqual([value(1, 3595), value(0, 120)]);
  // Expires 0 removes it (§10.3 step 7); the 200 lists what is left.
  expect(contactsOf(1, { expires: 0 })).toEqual([value(0, 120)]);
  expect(location.lookup(AOR).map((b) => b.instanceId)).toEqual([instance(0)]);
  // Registered again after its removal: listed afresh, not from the removed binding.
  expect(contactsOf(1, { expires: 60 })).toEqual([value(0, 120), value(1, 60)]);
});

test('the pub-gruu follows each REGISTER: its To spelling, and none without Supported: gruu', () => {
  const { contactsOf } = setup();
  contactsOf(0);
  const other = 'sip:bob@CPM.example.com';
  expect(contactsOf(1, { to: other })).toEqual([value(0, 3600, other), value(1, 3600, other)]);
  expect(contactsOf(2, { gruu: false })).toEqual([value(0, 3600, AOR, false), value(1, 3600, AOR, false), value(2, 3600, AOR, false)]);
  expect(contactsOf(3)).toEqual([0, 1, 2, 3].map((i) => value(i, 3600)));
});

test('a REGISTER with a contact that does not parse changes nothing (400), over TCP as over UDP', () => {
  const { registrar, location, contactsOf } = setup();
  contactsOf(0);
  const bad = register(1, { contact: `<sip:bob@127.0.0.1:7001;transport=tcp>, <sip:>` });
  expect(registrar.register(bad, tcp).status).toBe(400);
  expect(registrar.register(bad, { ...tcp, protocol: 'udp' }).status).toBe(400);
  expect(location.lookup(AOR).map((b) => b.contact)).toEqual(['sip:bob@127.0.0.1:7000;transport=tcp']);
});
