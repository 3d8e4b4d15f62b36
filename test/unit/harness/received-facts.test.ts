/**
 * The runner's facts about what the SUT sent (unparsed octets, Server / User-Agent) are taken as
 * each entry is recorded (issue 14: reading large messages again after the case parsed them twice);
 * they must be what reading the trace afterwards would give.
 */
import { Tap } from '../../../src/sip/transport/tap';
import { TraceRecorder } from '../../../src/sip/transport/trace-recorder';
import type { Flow } from '../../../src/sip/transport/address';
import { watchReceived } from '../../../src/harness/received-facts';

const flow: Flow = { protocol: 'tcp', local: { host: '127.0.0.1', port: 7000 }, remote: { host: '127.0.0.1', port: 5060 } };
const ok = (extra: string, contacts = 0) => Buffer.from(`SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:7000;branch=z9hG4bK1\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n${extra}` +
  `${'Contact: <sip:b@127.0.0.1:7001>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-4000-8000-000000000001>"\r\n'.repeat(contacts)}Content-Length: 0\r\n\r\n`);

test('received messages: unparsed octets and the agents they name, sent ones and MSRP frames left out', () => {
  const tap = new Tap();
  const facts = watchReceived(tap);
  const rec = new TraceRecorder(tap, 'B1');
  const garbage = rec.received(flow, Buffer.from('\x16\x03\x01 not sip')).entry;
  const server = rec.received(flow, ok('Server: Kamailio (5.6)\r\nUser-Agent: ua/1\r\n')).entry;
  const plain = rec.received(flow, ok('')).entry;
  // A large one (held weakly on the trace): its agent is taken while it is at hand.
  const large = rec.received(flow, ok('Server: big\r\n', 200)).entry;
  rec.sent(flow, Buffer.from('garbage we sent'));
  tap.record({ at: 0n, wallMs: 0, direction: 'received', flow, raw: Buffer.from('MSRP a SEND\r\n-------a$\r\n'), message: null, protocol: 'msrp', msrp: null });
  facts.stop();
  rec.received(flow, Buffer.from('after stop'));
  expect([...facts.unparsed]).toEqual([garbage]);
  expect([...facts.agents]).toEqual([[server, ['Kamailio (5.6)', 'ua/1']], [large, ['big']]]);
  expect(facts.agents.has(plain)).toBe(false);
  // The same as reading the trace afterwards.
  const afterwards = tap.entries.filter((e) => e.direction === 'received' && e.protocol !== 'msrp');
  expect(afterwards.filter((e) => e.message === null).slice(0, 1)).toEqual([garbage]);
  expect(afterwards.filter((e) => e.message?.headers.some((h) => /^(server|user-agent)$/i.test(h.name)))).toEqual([server, large]);
});
