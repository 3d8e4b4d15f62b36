/**
 * The runner's facts about what the SUT sent (unparsed octets, Server / User-Agent) are taken as
 * each entry is recorded (issue 14: reading large messages again after the case parsed them twice);
 * they must be what reading the trace afterwards would give; the harness's own User-Agent is not the SUT's.
 */
import { Tap } from '../../../src/sip/transport/tap';
import { TraceRecorder } from '../../../src/sip/transport/trace-recorder';
import type { Flow } from '../../../src/sip/transport/address';
import { sutAgentsOf, watchReceived } from '../../../src/harness/received-facts';

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

test('seen on the wire: the SUT\'s own Server / User-Agent, not the harness\'s own User-Agent a proxy forwards nor a value on a hop between harness sockets', () => {
  const tap = new Tap();
  const facts = watchReceived(tap);
  const rec = new TraceRecorder(tap, 'B1');
  const own = 'cpm-conformance';
  // A proxy SUT forwards A1's INVITE to B1 with A1's User-Agent: the harness, not the SUT.
  const forwarded = rec.received(flow, Buffer.from('INVITE sip:b@127.0.0.1:7001 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK2\r\n' +
    `Via: SIP/2.0/TCP 127.0.0.1:7002;branch=z9hG4bK3\r\nCall-ID: d\r\nCSeq: 1 INVITE\r\nUser-Agent: ${own}\r\nContent-Length: 0\r\n\r\n`)).entry;
  const answer = rec.received(flow, ok(`Server: Kamailio (5.6)\r\nUser-Agent: ${own}\r\n`)).entry;
  const request = rec.received(flow, ok('User-Agent: VendorPF/2.1\r\nServer: Kamailio (5.6)\r\n')).entry;
  // A hop between two harness sockets (B1 to the core emulation): B1's probe names a Server of its own.
  const b1 = { host: '127.0.0.1', port: 7003 };
  const core = new TraceRecorder(tap, 'Core B');
  const probe = ok('Server: cpm-conformance B1 trying-probe x\r\n');
  const sent = new TraceRecorder(tap, 'B1').sent({ protocol: 'tcp', local: b1, remote: flow.local }, probe);
  const hop = core.received({ protocol: 'tcp', local: flow.local, remote: b1 }, probe).entry;
  facts.stop();
  expect(facts.agents.get(forwarded)).toEqual([own]);
  expect(sutAgentsOf([forwarded], facts, own)).toEqual([]);
  expect(sutAgentsOf([forwarded, answer, request], facts, own)).toEqual(['Kamailio (5.6)', 'VendorPF/2.1']);
  expect(facts.agents.get(hop)).toEqual(['cpm-conformance B1 trying-probe x']);
  expect(sutAgentsOf([forwarded, answer, sent, hop, request], facts, own)).toEqual(['Kamailio (5.6)', 'VendorPF/2.1']);
  // Received from the SUT's address, the same value is the SUT's.
  expect(sutAgentsOf([sent, answer], facts, own)).toEqual(['Kamailio (5.6)']);
  // Only the trace the case judged counts; with no IXIT User-Agent every value is the SUT's.
  expect(sutAgentsOf([answer], facts, own)).toEqual(['Kamailio (5.6)']);
  expect(sutAgentsOf([forwarded, answer], facts, undefined)).toEqual([own, 'Kamailio (5.6)']);
});
