/**
 * `local.advertisedHost` honoured (issue 12, "Network config honoured"): the harness binds on
 * 127.0.0.1 and advertises 127.0.0.2, as behind NAT. What the SUT is told to use — Via sent-by
 * (RFC 3261 §18.2.1, §20.42), Contact (§8.1.1.8), the cores' Path (RFC 3327) and Record-Route
 * (§16.6 step 4), SDP o=/c= (RFC 4566 §5.2, §5.7) and a=path (RFC 4975 §8.2, §9) — carries
 * 127.0.0.2, while the trace keeps the real socket addresses.
 *
 * Loopback has no NAT: a socket bound to 127.0.0.1 does not receive what is sent to 127.0.0.2, so
 * the reference server cannot reach the devices there and the cases cannot pass. What the test
 * judges is the wire: the messages the harness sent, that the SUT still answered the harness
 * (responses follow received/rport, RFC 3581), and that the SUT then sent its requests to the
 * advertised address. A core emulator recognises its advertised URIs as its own.
 */
import * as dgram from 'node:dgram';
import { header, headerFields, type SipMessage } from '../../../src/sip/message';
import { parseMessage } from '../../../src/sip/codec/parse';
import { serializeMessage } from '../../../src/sip/codec/serialize';
import { createTransport } from '../../../src/sip/transport/factory';
import { Tap, type TraceEntry } from '../../../src/sip/transport/tap';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { runCase, type CaseResult } from '../../../src/harness/runner';
import { CoreEmulator } from '../../../src/harness/core-emulator';
import { msrpPath } from '../../../src/harness/sdp';
import type { HarnessTarget } from '../../../src/harness/target';
import { REFERENCE_IXIT, referenceTarget } from '../../../bin/targets';
import { clientALeaves } from '../../../suites/session-leaving/cases';

jest.setTimeout(2 * 60_000);

const BIND = '127.0.0.1';
const ADV = '127.0.0.2';

/** Host and port of the first `sip:` URI or Via sent-by in a header value. */
function hostPort(value: string | undefined): { host: string; port: number } | undefined {
  const x = /(?:sip:|SIP\/2\.0\/\w+ )(?:[^@;>\s]+@)?(\[[^\]]+\]|[^:;>\s]+):(\d+)/.exec(value ?? '');
  return x ? { host: x[1], port: Number(x[2]) } : undefined;
}

const isDevice = (e: TraceEntry) => /^[A-Z]\d+$/.test(e.owner ?? '');
const isCore = (e: TraceEntry) => /^Core [AB]$/.test(e.owner ?? '');
const requests = (r: CaseResult, pick: (e: TraceEntry) => boolean, method?: string) =>
  r.trace.filter((e) => e.direction === 'sent' && pick(e) && e.message?.kind === 'request' && (!method || e.message.method === method));

describe('advertisedHost 127.0.0.2 (sockets bound on 127.0.0.1)', () => {
  let server: ReferenceServer;
  const results: Record<string, CaseResult> = {};

  beforeAll(async () => {
    server = await startReferenceServer({ host: BIND, port: 0, transports: ['udp', 'tcp'], mode: 'proxy', timers: REFERENCE_IXIT.timers });
    const target: HarnessTarget = { ...referenceTarget(server), advertisedHost: ADV, ixit: { ...referenceTarget(server).ixit, responseTimeoutMs: 800 } };
    for (const v of clientALeaves.variants.filter((x) => (x.transport === 'udp') === (x.topology === 'core-emulation'))) {
      results[`${v.transport}/${v.topology}`] = await runCase(clientALeaves, v, target);
    }
  });

  afterAll(async () => {
    await server?.stop();
  });

  test.each(['udp/core-emulation', 'tcp/direct'])('%s: the trace records the real sockets, on the bound host', (k) => {
    const r = results[k];
    expect(r.trace.length).toBeGreaterThan(4);
    expect(r.trace.filter((e) => e.flow.local.host !== BIND)).toEqual([]);
  });

  test.each(['udp/core-emulation', 'tcp/direct'])('%s: every request the harness sent has its Via sent-by at 127.0.0.2, on the socket\'s port', (k) => {
    const r = results[k];
    const sent = requests(r, () => true);
    expect(sent.length).toBeGreaterThanOrEqual(4);
    for (const e of sent) {
      const via = hostPort(header(e.message!, 'Via'));
      expect(via?.host).toBe(ADV);
      // UDP: responses come back to the port the request left from (RFC 3261 §18.2.2 / RFC 3581).
      if (e.flow.protocol === 'udp') expect(via?.port).toBe(e.flow.local.port);
    }
  });

  test.each(['udp/core-emulation', 'tcp/direct'])('%s: the devices\' Contact and SDP (o=, c=, a=path) name 127.0.0.2', (k) => {
    const r = results[k];
    // Every request of the devices that has a Contact (CANCEL has none, RFC 3261 §9.1).
    const contacts = requests(r, isDevice).map((e) => header(e.message!, 'Contact')).filter((c) => c !== undefined);
    expect(contacts.length).toBeGreaterThanOrEqual(3);
    expect(contacts.map((c) => hostPort(c)?.host)).toEqual(contacts.map(() => ADV));
    const invite = requests(r, isDevice, 'INVITE')[0]?.message as SipMessage;
    const sdp = invite.body.toString('utf8');
    expect(sdp).toMatch(new RegExp(`^o=- \\d+ \\d+ IN IP4 ${ADV.replace(/\./g, '\\.')}\\r$`, 'm'));
    expect(sdp).toMatch(new RegExp(`^c=IN IP4 ${ADV.replace(/\./g, '\\.')}\\r$`, 'm'));
    expect(msrpPath(invite.body)?.host).toBe(ADV);
  });

  test('core-emulation: the cores\' Path (REGISTER) and Record-Route (INVITE) name 127.0.0.2', () => {
    const r = results['udp/core-emulation'];
    const registers = requests(r, isCore, 'REGISTER');
    expect(registers.length).toBeGreaterThanOrEqual(2);
    for (const e of registers) expect(hostPort(headerFields(e.message!, 'Path')[0]?.value)?.host).toBe(ADV);
    const invites = requests(r, isCore, 'INVITE');
    expect(invites.length).toBeGreaterThanOrEqual(1);
    for (const e of invites) {
      expect(hostPort(headerFields(e.message!, 'Record-Route')[0]?.value)?.host).toBe(ADV);
      // The core triggers the PF with its own route to come back to (TS 24.229 §5.4.3.1), advertised too.
      expect(headerFields(e.message!, 'Route').map((f) => f.value).join(', ')).toContain(`sip:${ADV}:`);
    }
  });

  test.each(['udp/core-emulation', 'tcp/direct'])('%s: the SUT answered the REGISTERs and then sent its requests to 127.0.0.2', (k) => {
    const r = results[k];
    const ok = r.trace.filter((e) => e.direction === 'received' && e.message?.kind === 'response' && e.message.status === 200 && /REGISTER/.test(header(e.message, 'CSeq') ?? ''));
    expect(ok.length).toBeGreaterThanOrEqual(2);
    // The reference server's own trace: it believed the advertised address and sent there.
    expect(server.tap.entries.some((e) => e.direction === 'sent' && e.flow.remote.host === ADV)).toBe(true);
  });
});

describe('a core emulator behind NAT', () => {
  test('recognises Route entries and Vias naming its advertised address as its own', async () => {
    const tap = new Tap();
    const transport = await createTransport({ protocol: 'udp', host: BIND, port: 0, tap, advertisedHost: ADV, owner: 'Core A' });
    const pf = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => pf.bind(0, BIND, () => resolve()));
    const got: SipMessage[] = [];
    pf.on('message', (b) => {
      const m = parseMessage(b).message;
      if (m) got.push(m);
    });
    const core = new CoreEmulator({ name: 'Core A', transport, pfOrig: { host: BIND, port: pf.address().port }, pfTerm: { host: BIND, port: pf.address().port } });
    try {
      const p = core.address.port;
      expect(core.routeUri('o2')).toBe(`sip:${ADV}:${p};lr;hop=o2`);
      // An in-dialog request whose Route names the core by its advertised URI, then the "PF".
      const bye = [
        `BYE sip:bob@${BIND}:9 SIP/2.0`, `Via: SIP/2.0/UDP ${BIND}:${pf.address().port};branch=z9hG4bK-adv-1`,
        `Route: <sip:${ADV}:${p};lr;hop=o2>, <sip:${BIND}:${pf.address().port};lr>`, 'Max-Forwards: 70',
        'From: <sip:alice@cpm.example.com>;tag=a', 'To: <sip:bob@cpm.example.com>;tag=b', 'Call-ID: adv-1', 'CSeq: 2 BYE', 'Content-Length: 0', '', '',
      ].join('\r\n');
      pf.send(Buffer.from(bye), p, BIND);
      const deadline = Date.now() + 3000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const fwd = got[0];
      expect(fwd?.kind).toBe('request');
      // Its own entry popped (RFC 3261 §16.4), its Via pushed with the advertised sent-by (§16.6 step 8).
      expect(headerFields(fwd, 'Route').map((f) => f.value)).toEqual([`<sip:${BIND}:${pf.address().port};lr>`]);
      expect(hostPort(header(fwd, 'Via'))).toEqual({ host: ADV, port: p });
      // A response whose top Via is the advertised one is the core's (§16.7 step 3), not an anomaly.
      const res = { kind: 'response' as const, version: 'SIP/2.0', status: 200, reason: 'OK', headers: fwd.headers.filter((h) => /^(via|from|to|call-id|cseq)$/i.test(h.name)), body: Buffer.alloc(0) };
      got.length = 0;
      pf.send(serializeMessage(res), p, BIND);
      const until = Date.now() + 3000;
      while (got.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      expect(core.anomalies).toEqual([]);
      expect(got[0]?.kind).toBe('response');
    } finally {
      await transport.close();
      await new Promise<void>((resolve) => pf.close(() => resolve()));
    }
  });
});
