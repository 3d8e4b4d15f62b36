/**
 * tshark's MSRP dissector, an independent implementation, must decode every frame the engine puts
 * on the wire: the frames of a real loopback exchange (binding SEND, a 100 KiB message in 4 KiB
 * chunks, 200s, a success REPORT, 413/481/501 answers) and synthesized ones covering every
 * response code of RFC 4975 §10, failure REPORTs, an interrupted (+) and an aborted (#) chunk, a
 * bodiless SEND and an IPv6 flow — written by writeMsrpPcap, interleaved with SIP. Each must
 * decode as MSRP, in order, with 0 malformed packets and no expert error.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport, buildResponse, buildSend, bindingSend } from '../../../src/msrp/build';
import { chunkMessage, interruptChunk } from '../../../src/msrp/chunker';
import { STATUS_COMMENT, type MsrpFrame } from '../../../src/msrp/message';
import { msrpUri } from '../../../src/msrp/uri';
import { mergeWireEntries, writeMsrpPcap } from '../../../src/msrp/pcap';
import { serializeFrame } from '../../../src/msrp/serialize';
import type { MsrpTraceEntry } from '../../../src/msrp/trace';
import { wireEntries } from '../../../src/sip/pcap/writer';
import { describeWithTools } from '../../interop/support/tools';
import { entry as sipEntry, invite, ok, SDP } from '../pcap/fixtures';
import { A_URI, pair } from './loopback';
import { ALICE, BOB, RFC_SEND } from './frames';

function tshark(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('tshark', args, { timeout: 30_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const status = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof status === 'number' ? status : -1, stdout, stderr });
    });
  });
}

const firstLine = (raw: Buffer): string => raw.toString('latin1', 0, Math.min(raw.length, 512)).split('\r\n', 1)[0]!;

/** Frames between two ends, as trace entries a nanosecond apart after `at0`. */
function synthetic(frames: MsrpFrame[], local: [string, number], remote: [string, number], at0: bigint): MsrpTraceEntry[] {
  return frames.map((f, i) => ({
    protocol: 'msrp', at: at0 + BigInt(i), wallMs: Date.now(), direction: i % 2 === 0 ? 'sent' : 'received',
    flow: { protocol: 'tcp', local: { host: local[0], port: local[1] }, remote: { host: remote[0], port: remote[1] } },
    raw: serializeFrame(f), frame: f,
  }));
}

interface Judgement {
  /** Start lines of the MSRP frames tshark decoded, in order. */
  decoded: string[];
  malformed: number;
  expertErrors: number;
  sip: string[];
}

/**
 * tshark's reading of a pcap. Its MSRP dissector is lenient and flags almost nothing as malformed
 * (a truncated or broken frame is simply not decoded, or decoded as something else), so the
 * decisive check is the decoded start lines against the written ones; malformed and expert
 * counts catch what the layers below get wrong (checksums, TCP sequencing).
 */
async function judge(pcap: Buffer, ports: Iterable<number>): Promise<Judgement> {
  const dir = await mkdtemp(join(tmpdir(), 'cpm-msrp-tshark-'));
  try {
    const file = join(dir, 'msrp.pcap');
    await writeFile(file, pcap);
    const common = ['-n', '-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];
    // Heuristics find MSRP on any port, but a port registered to another protocol would win: force MSRP.
    for (const port of new Set(ports)) common.push('-d', `tcp.port==${port},msrp`);
    const [fields, malformed, errors, sip] = await Promise.all([
      tshark([...common, '-Y', 'msrp', '-T', 'json', '-e', 'msrp.request.line', '-e', 'msrp.response.line']),
      tshark([...common, '-Y', '_ws.malformed']),
      tshark([...common, '-Y', '_ws.expert.severity >= error']),
      tshark([...common, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Method', '-e', 'sip.Status-Code']),
    ]);
    if (fields.code !== 0) throw new Error(`tshark failed (${fields.code}): ${fields.stderr}`);
    const lines = (out: string): string[] => out.split('\n').filter((l) => l.trim() !== '');
    const decoded = (JSON.parse(fields.stdout) as Array<{ _source: { layers: Record<string, string[] | undefined> } }>)
      .flatMap((f) => [...(f._source.layers['msrp.request.line'] ?? []), ...(f._source.layers['msrp.response.line'] ?? [])]);
    return { decoded, malformed: lines(malformed.stdout).length, expertErrors: lines(errors.stdout).length, sip: lines(sip.stdout) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describeWithTools(['tshark'], 'MSRP frames judged by tshark', () => {
  it('decodes every frame the engine emits as MSRP, in order, with 0 malformed and no expert error', async () => {
    // 1. A real exchange over loopback sockets, both ends traced (the writer keeps each frame once).
    const p = await pair({ listener: { limits: { maxFrameBytes: 8192, maxStartLineBytes: 1024 } } });
    try {
      const big = await p.a.send(Buffer.alloc(100 * 1024, 0x41), { chunkSize: 4096, successReport: 'yes' });
      await p.b.nextMessage(5000);
      await p.a.waitReport(big.messageId, 5000);
      await p.a.send('no answers please', { failureReport: 'no' });
      await p.b.nextMessage(5000);
      await p.a.request({ ...buildSend({ toPath: [p.b.localUri], fromPath: [A_URI], messageId: 'm1234567', body: null }), method: 'NICKNAME' });
      await p.a.request(buildSend({ toPath: [msrpUri('msrp://127.0.0.1:1/otherSession;tcp')], fromPath: [A_URI], messageId: 'm1234567', body: Buffer.from('x') }));
      expect((await p.a.send(Buffer.alloc(10_000, 0x42), { chunkSize: 10_000 })).outcomes[0]!.status).toBe(413);
    } finally {
      await p.close();
    }
    const live = p.trace.filter((e) => e.frame !== null);
    const ports = new Set<number>([p.listener.local.port]);

    // 2. Every kind of frame the engine can build, on fixed ports, IPv4 and IPv6.
    const send = buildSend({ toPath: [BOB], fromPath: [ALICE], messageId: 'mSynthetic1', body: Buffer.from('hello'), byteRange: { start: 1, end: 5, total: 5 }, successReport: 'yes', failureReport: 'partial' });
    const [whole] = chunkMessage({ toPath: [BOB], fromPath: [ALICE], body: Buffer.alloc(3000, 0x7a), chunkSize: 3000, contentType: 'message/cpim' });
    const [cut, resumed] = interruptChunk(whole!, 1000);
    const aborted = { ...chunkMessage({ toPath: [BOB], fromPath: [ALICE], body: Buffer.alloc(100), chunkSize: 50 })[0]!, flag: '#' as const };
    const frames: MsrpFrame[] = [bindingSend([BOB], [ALICE]), buildResponse(send, 200)];
    for (const code of [400, 403, 408, 413, 415, 423, 481, 501, 506]) frames.push(send, buildResponse(send, code, STATUS_COMMENT[code]));
    frames.push(cut, buildResponse(cut, 200), resumed, buildResponse(resumed, 200), aborted, buildResponse(aborted, 200));
    frames.push(buildReport({ send, reporter: BOB, byteRange: { start: 1, end: 5, total: 5 } }), buildReport({ send, reporter: BOB, byteRange: { start: 1, end: 5, total: 5 }, status: 413 }));
    const made = [
      ...synthetic(frames, ['127.0.0.1', 40001], ['127.0.0.1', 40002], 10n ** 18n),
      ...synthetic([bindingSend([BOB], [ALICE]), buildResponse(bindingSend([BOB], [ALICE]), 200), send], ['::1', 40003], ['::1', 40004], 10n ** 18n + 1000n),
    ];
    for (const n of [40001, 40002, 40003, 40004]) ports.add(n);

    // 3. SIP on its own connections in the same file: the merged trace is one capture.
    const sip = [sipEntry('udp', 'sent', ['127.0.0.1', 5070], ['127.0.0.1', 5060], invite(1, SDP)), sipEntry('udp', 'received', ['127.0.0.1', 5070], ['127.0.0.1', 5060], ok(1))];

    const msrpWritten = wireEntries(mergeWireEntries(live, made) as MsrpTraceEntry[]);
    const j = await judge(writeMsrpPcap([...live, ...made], { sip }), ports);
    expect(j.decoded).toEqual(msrpWritten.map((e) => firstLine(e.raw)));
    expect([j.malformed, j.expertErrors]).toEqual([0, 0]);
    expect(j.sip).toEqual(['INVITE\t', '\t200']);
    // The exchange alone: 30 requests (binding SEND, 25 chunks, a SEND under Failure-Report: no,
    // NICKNAME, a SEND for another session, an oversize SEND), 29 answers (200 x 26, 501, 481, 413), 1 REPORT.
    expect(wireEntries(live).length).toBe(60);
    if (process.env.INTEROP_SUMMARY) {
      console.log(`MSRP/tshark: ${j.decoded.length} of ${msrpWritten.length} MSRP frames decoded (${wireEntries(live).length} from loopback sockets, ${made.length} synthesized), ${j.malformed} malformed, ${j.expertErrors} expert errors`);
    }
  });

  it('the check bites: a truncated frame and broken ones are not decoded as written', async () => {
    const raws = [RFC_SEND.subarray(0, 120), Buffer.from('MSRP abcd SEND\r\n-------abcd$\r\n'), Buffer.from('MSRP abcd 2000 OK\r\nTo-Path: x\r\n-------abcd$\r\n'), RFC_SEND];
    const es = raws.map((raw, i): MsrpTraceEntry => ({
      protocol: 'msrp', at: BigInt(i), wallMs: Date.now(), direction: 'sent', frame: null, raw,
      flow: { protocol: 'tcp', local: { host: '127.0.0.1', port: 41001 + i }, remote: { host: '127.0.0.1', port: 42002 } },
    }));
    const j = await judge(writeMsrpPcap(es), [42002]);
    expect(j.decoded).not.toEqual(raws.map(firstLine));
    expect(j.decoded).toContain(firstLine(RFC_SEND));
  });
});
