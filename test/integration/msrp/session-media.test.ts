/**
 * Issue 17: a chat message actually flows. A 1-1 CPM session through the reference CS in both PF
 * modes; A1 sends a message (large enough to be chunked, RFC 4975 §5.1) and B1 receives it octet
 * for octet, then B1 answers and A1 receives that. Proxy mode: the devices' MSRP goes end to end.
 * B2BUA mode: each device's MSRP peer is the CS, which relays the SENDs (same Message-ID and
 * content) and the REPORTs between the legs. The frames are on the case's merged trace, on its
 * ladder, and in its pcap, where tshark (when installed) decodes them as MSRP.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { runCase } from '../../../src/harness/runner';
import { establishSession, registerAll } from '../../../src/harness/session';
import type { TestCase } from '../../../src/harness/test-case';
import type { CaseResult } from '../../../src/harness/runner';
import type { ReassembledMessage } from '../../../src/msrp/reassembly';
import type { SendResult } from '../../../src/msrp/connection';
import { H, header } from '../../../src/msrp/message';
import { referenceTarget } from '../../../bin/targets';
import { renderCaseArtifacts } from '../../../reporters/case-artifacts';
import { sutAddresses } from '../../../reporters/allure-case';
import { hasTool } from '../../interop/support/tools';
import { settledResources } from '../../hardening/support/targets';
import type { CaseVariant } from '../../../src/harness/types';

jest.setTimeout(60_000);

const MODES = ['proxy', 'b2bua'] as const;
// SIP over TCP straight to the PFs, and over UDP through the emulated cores: MSRP is TCP either way.
const VARIANTS: CaseVariant[] = [
  { transport: 'tcp', topology: 'direct', devices: [1, 1] },
  { transport: 'udp', topology: 'core-emulation', devices: [1, 1] },
];
const RUNS = MODES.flatMap((mode) => VARIANTS.map((v) => [mode, `${v.transport}, ${v.topology}`, v] as const));
// Octets beyond ASCII and more than two default chunks (2048 octets each): chunking, reassembly and
// the octets themselves (not their characters) are what must survive.
const TO_B = Buffer.concat([Buffer.from('héllo B1 ✓ \u0000\r\n-------x$\r\n', 'utf8'), Buffer.alloc(5000, 0x61)]);
const TO_A = Buffer.from('and back to A1 — ünïcode', 'utf8');

interface Exchange {
  sentToB?: SendResult;
  atB?: ReassembledMessage;
  sentToA?: SendResult;
  atA?: ReassembledMessage;
  reportAtA?: string;
  /** The devices' MSRP listener ports. */
  ports?: { a1: number; b1: number };
}

function chatCase(x: Exchange): TestCase {
  return {
    id: 'TC-MSRP-CHAT', title: 'A chat message each way over the session\'s MSRP', requirements: [],
    spec: { document: 'RFC 4975', clause: '7.1.1', sentence: 'SEND requests carry the message, chunked, to the To-Path' },
    variants: [],
    applies: () => true,
    run: async (t) => {
      await registerAll(t);
      const [a1] = t.topology.users[0]!.devices;
      const [b1] = t.topology.users[1]!.devices;
      const s = await establishSession(t, a1!, b1!, t.topology.users[1]!.aor);
      x.ports = { a1: a1!.msrpPort, b1: b1!.msrpPort };
      const atA = a1!.msrp!.of(s, 'caller');
      const atB = b1!.msrp!.of(s, 'callee');
      const received = atB.nextMessage(t.timeoutMs * 2);
      x.sentToB = await atA.sendMessage(TO_B, { successReport: 'yes' });
      x.atB = await received;
      const conn = await atA.open();
      x.reportAtA = header((await conn.waitReport(x.sentToB.messageId, t.timeoutMs * 2)).frame, H.status);
      const back = atA.nextMessage(t.timeoutMs * 2);
      x.sentToA = await atB.sendMessage(TO_A);
      x.atA = await back;
    },
  };
}

function tshark(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tshark', args, { timeout: 30_000, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

describe.each(RUNS)('a chat message each way through the reference CS (%s; %s)', (mode, _label, variant) => {
  let server: ReferenceServer;
  const x: Exchange = {};
  let r: CaseResult;
  let before: string[];

  beforeAll(async () => {
    before = process.getActiveResourcesInfo();
    server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode, timers: { t1: 100, t2: 800, t4: 1000 } });
    const target = referenceTarget(server);
    r = await runCase(chatCase(x), variant, target);
  });
  afterAll(() => server?.stop());

  it('delivers A1\'s message to B1 octet for octet, chunked, with its Message-ID and the success REPORT', () => {
    expect({ verdict: r.verdict, reason: r.reason?.message }).toEqual({ verdict: 'pass', reason: undefined });
    expect(x.sentToB!.chunks).toBe(3);
    expect(x.sentToB!.outcomes.map((o) => o.status)).toEqual([200, 200, 200]);
    expect(x.atB!.body.equals(TO_B)).toBe(true);
    expect(x.atB!.messageId).toBe(x.sentToB!.messageId);
    expect(x.reportAtA).toMatch(/^000 200/);
  });

  it('delivers B1\'s answer to A1 octet for octet', () => {
    expect(x.atA!.body.equals(TO_A)).toBe(true);
    expect(x.atA!.messageId).toBe(x.sentToA!.messageId);
  });

  it(mode === 'proxy' ? 'carries the media end to end: A1 dials B1' : 'terminates the media at the CS on each leg: both devices dial the CS, which relays with the same Message-ID', () => {
    const msrp = r.trace.filter((e) => e.protocol === 'msrp');
    const peersOf = (owner: string) => new Set(msrp.filter((e) => e.owner === owner).flatMap((e) => [e.flow.remote.port, e.flow.local.port]));
    const a1Peers = peersOf('A1');
    const b1Peers = peersOf('B1');
    if (mode === 'proxy') {
      expect(a1Peers.has(x.ports!.b1)).toBe(true);
    } else {
      // Neither device ever talks to the other's MSRP port: every frame goes through the CS.
      expect(a1Peers.has(x.ports!.b1)).toBe(false);
      expect(b1Peers.has(x.ports!.a1)).toBe(false);
      const relayed = msrp.filter((e) => e.owner === 'B1' && e.direction === 'received' && e.msrp?.kind === 'request' && e.msrp.method === 'SEND' && e.msrp.body !== null);
      expect(relayed).toHaveLength(3);
      expect(relayed.every((e) => header(e.msrp!, H.messageId) === x.sentToB!.messageId)).toBe(true);
      expect(Buffer.concat(relayed.map((e) => e.msrp!.body!)).equals(TO_B)).toBe(true);
      // B1's success REPORT, relayed: A1 gets exactly one (the CS sends none of its own).
      const reports = msrp.filter((e) => e.owner === 'A1' && e.direction === 'received' && e.msrp?.kind === 'request' && e.msrp.method === 'REPORT');
      expect(reports.map((e) => header(e.msrp!, H.messageId))).toEqual([x.sentToB!.messageId]);
    }
  });

  it('puts the frames on the merged trace and the ladder, beside the SIP', () => {
    const msrp = r.trace.filter((e) => e.protocol === 'msrp');
    const sends = msrp.filter((e) => e.msrp?.kind === 'request' && e.msrp.method === 'SEND' && e.msrp.body !== null);
    // Proxy: each chunk traced at both devices; B2BUA: sent by A1 and received by B1 from the CS.
    expect(sends.length).toBe(8);
    expect(msrp.every((e) => e.message === null && e.owner !== undefined)).toBe(true);
    const art = renderCaseArtifacts(r, sutAddresses(referenceTarget(server)));
    expect(art.svg).toContain('MSRP SEND (chunk 1/3)');
    expect(art.svg).toContain('class="msg msrp"');
    expect(art.html).toContain('MSRP/TCP');
  });

  (hasTool('tshark') ? it : it.skip)('writes the frames into the case\'s pcap, where tshark decodes them as MSRP', async () => {
    const art = renderCaseArtifacts(r, sutAddresses(referenceTarget(server)));
    const dir = await mkdtemp(join(tmpdir(), 'cpm-msrp-case-'));
    try {
      const file = join(dir, 'trace.pcap');
      await writeFile(file, art.pcap);
      const lines = (await tshark(['-n', '-r', file, '-Y', 'msrp', '-T', 'fields', '-e', 'msrp.request.line', '-e', 'msrp.response.line'])).split('\n').filter(Boolean);
      const wire = new Set(r.trace.filter((e) => e.protocol === 'msrp').map((e) => e.raw.toString('latin1').split('\r\n', 1)[0]));
      expect(lines.length).toBeGreaterThanOrEqual(wire.size);
      for (const l of wire) expect(lines.some((d) => l.endsWith(d.trim()))).toBe(true);
      expect((await tshark(['-n', '-r', file, '-Y', '_ws.malformed'])).trim()).toBe('');
      process.stdout.write(`MSRP case pcap (${mode}): tshark decoded ${lines.length} MSRP frames, ${wire.size} distinct on the trace\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves no socket or timer behind once the case and the server are done', async () => {
    await server.stop();
    expect(await settledResources(before)).toEqual([]);
  });
});
