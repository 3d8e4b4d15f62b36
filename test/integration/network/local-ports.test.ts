/**
 * `local.ports` honoured (issue 12, "Network config honoured"): real cases against the built-in
 * reference server with `localPorts: 31000-31999`, six at a time as a run against the reference
 * does. Every packet the harness sent — to the SUT and between its own devices and cores — left
 * from a port of the range, every port the harness advertised (Via, Contact, Path/Record-Route,
 * SDP m=/a=path) is in it too, and cases that ran at the same time never shared a port. When the
 * kernel lets us capture on loopback (tshark as root), a live capture of the SUT's ports is the
 * independent witness: every packet towards the SUT came from the range.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { header, headerFields, type SipMessage } from '../../../src/sip/message';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { runCase, type CaseResult } from '../../../src/harness/runner';
import type { HarnessTarget } from '../../../src/harness/target';
import { msrpPath } from '../../../src/harness/sdp';
import { REFERENCE_IXIT, referenceTarget } from '../../../bin/targets';
import { clientALeaves, secondLeaveIs481 } from '../../../suites/session-leaving/cases';
import { acceptanceCancelsOthers, cancelMatchesInvite } from '../../../suites/multi-device/cases';

jest.setTimeout(5 * 60_000);

const FROM = 31000;
const TO = 31999;
const inRange = (p: number) => p >= FROM && p <= TO;

/** The port of the first `sip:` URI or Via sent-by in a header value. */
function portOf(value: string | undefined): number | undefined {
  const x = /(?:sip:|SIP\/2\.0\/\w+ )(?:[^@;>\s]+@)?(?:\[[^\]]+\]|[^:;>\s]+):(\d+)/.exec(value ?? '');
  return x ? Number(x[1]) : undefined;
}

/**
 * The ports a message the harness sent names for reaching the harness: its own (top) Via
 * sent-by; a device's Contact; a core's own Path (REGISTER) and Record-Route (initial INVITE)
 * entries, the top ones; the SDP's m= port and a=path (RFC 4975 §8.2).
 */
function advertisedPorts(m: SipMessage, byDevice: boolean): number[] {
  const out: Array<number | undefined> = [];
  if (m.kind === 'request') out.push(portOf(header(m, 'Via')));
  if (byDevice) out.push(portOf(header(m, 'Contact')));
  else if (m.kind === 'request' && m.method === 'REGISTER') out.push(portOf(headerFields(m, 'Path')[0]?.value));
  else if (m.kind === 'request' && m.method === 'INVITE' && !/;\s*tag=/i.test(header(m, 'To') ?? '')) out.push(portOf(headerFields(m, 'Record-Route')[0]?.value));
  const path = msrpPath(m.body);
  if (path) out.push(path.port, Number(/^m=message (\d+) /m.exec(m.body.toString('utf8'))?.[1]));
  return out.filter((p): p is number => p !== undefined);
}

/** A live capture of loopback, or null when this host does not allow one (no tshark, not root). */
async function startCapture(filter: string, file: string): Promise<ChildProcess | null> {
  let proc: ChildProcess;
  try {
    proc = spawn('tshark', ['-i', 'lo', '-f', filter, '-F', 'pcap', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch {
    return null;
  }
  const ok = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    let text = '';
    proc.stderr?.on('data', (d: Buffer) => {
      text += d.toString();
      if (/Capturing on/.test(text)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    proc.once('error', () => resolve(false));
    proc.once('exit', () => resolve(false));
  });
  if (!ok) {
    proc.kill('SIGKILL');
    return null;
  }
  return proc;
}

async function stopCapture(proc: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGINT');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** [src port, dst port] of every UDP/TCP packet in a pcap, read by tshark. */
function packets(file: string): Promise<Array<[number, number]>> {
  return new Promise((resolve, reject) => {
    execFile('tshark', ['-r', file, '-T', 'fields', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'tcp.srcport', '-e', 'tcp.dstport'], { timeout: 20_000, maxBuffer: 64 << 20 }, (err, stdout) => {
      if (err) return reject(err);
      resolve(stdout.split('\n').filter((l) => l.trim()).map((l) => {
        const f = l.split('\t').filter((x) => x !== '').map(Number);
        return [f[0], f[1]] as [number, number];
      }));
    });
  });
}

/** Run jobs at most `n` at a time (suites/jest-driver.ts runs reference cases ten at once per target). */
async function pool<T, R>(items: T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

describe('local.ports 31000-31999 against the reference server', () => {
  let server: ReferenceServer;
  let dir: string;
  let capture: ChildProcess | null = null;
  let results: CaseResult[] = [];

  beforeAll(async () => {
    server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode: 'proxy', timers: REFERENCE_IXIT.timers });
    dir = mkdtempSync(join(tmpdir(), 'cpm-local-ports-'));
    const sutPorts = [...new Set([server.pfA.port, server.pfB.port])];
    // The SUT's listening ports, and the range: the connections the SUT dials to the devices end there.
    capture = await startCapture(`host 127.0.0.1 and (${sutPorts.map((p) => `port ${p}`).join(' or ')} or portrange ${FROM}-${TO})`, join(dir, 'run.pcap'));
    const target: HarnessTarget = { ...referenceTarget(server), localPorts: { from: FROM, to: TO } };
    const jobs = [clientALeaves, secondLeaveIs481, acceptanceCancelsOthers, cancelMatchesInvite].flatMap((c) => c.variants.map((v) => [c, v] as const));
    results = await pool(jobs, 6, ([c, v]) => runCase(c, v, target));
    if (capture) await stopCapture(capture);
  });

  afterAll(async () => {
    if (capture && capture.exitCode === null) await stopCapture(capture);
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the cases pass, over UDP and TCP, direct and core-emulation', () => {
    expect(results.length).toBeGreaterThanOrEqual(12);
    process.stderr.write(`local-ports: ${results.length} variants, ${results.reduce((n, r) => n + r.trace.length, 0)} trace entries\n`);
    expect(results.filter((r) => !['pass', 'non-strict'].includes(r.verdict)).map((r) => `${r.key}: ${r.verdict} ${r.reason?.message ?? ''}`)).toEqual([]);
    expect(new Set(results.map((r) => r.variant.transport))).toEqual(new Set(['udp', 'tcp']));
    expect(new Set(results.map((r) => r.variant.topology))).toEqual(new Set(['direct', 'core-emulation']));
  });

  test('every packet a harness socket sent or received was on a port of the range (trace)', () => {
    const entries = results.flatMap((r) => r.trace);
    const toSut = entries.filter((e) => e.direction === 'sent' && [server.pfA.port, server.pfB.port].includes(e.flow.remote.port));
    expect(toSut.length).toBeGreaterThan(100);
    expect(entries.filter((e) => !inRange(e.flow.local.port)).map((e) => `${e.owner} ${e.direction} ${e.flow.protocol} ${e.flow.local.port}`)).toEqual([]);
  });

  test('every port the harness advertised (Via, Contact, Path, Record-Route, SDP m= and a=path) is in the range', () => {
    const sent = results.flatMap((r) => r.trace).filter((e) => e.direction === 'sent' && e.message);
    const named = sent.flatMap((e) => advertisedPorts(e.message!, /^[A-Z]\d+$/.test(e.owner ?? '')));
    const sdp = sent.filter((e) => msrpPath(e.message!.body));
    const paths = sent.filter((e) => e.message!.kind === 'request' && headerFields(e.message!, 'Path').length > 0);
    expect(named.length).toBeGreaterThan(200);
    expect(sdp.length).toBeGreaterThan(10);
    expect(paths.length).toBeGreaterThan(4);
    expect(named.filter((p) => !inRange(p))).toEqual([]);
  });

  test('cases running at the same time never held the same port', () => {
    const spans = results.map((r) => ({ key: r.key, from: r.startedAt, to: r.startedAt + r.durationMs, ports: new Set(r.trace.map((e) => e.flow.local.port)) }));
    let overlapping = 0;
    const shared: string[] = [];
    for (let i = 0; i < spans.length; i++) {
      for (let j = i + 1; j < spans.length; j++) {
        const a = spans[i];
        const b = spans[j];
        if (a.to <= b.from || b.to <= a.from) continue;
        overlapping++;
        for (const p of a.ports) if (b.ports.has(p)) shared.push(`${a.key} and ${b.key}: ${p}`);
      }
    }
    process.stderr.write(`local-ports: ${overlapping} pairs of variants ran at the same time\n`);
    expect(overlapping).toBeGreaterThan(5);
    expect(shared).toEqual([]);
  });

  test('a live capture of the SUT\'s ports: every packet towards the SUT came from the range', async () => {
    if (!capture) {
      process.stderr.write('local-ports: no live loopback capture here (tshark needs root or capture rights); the trace entries above are the evidence\n');
      return;
    }
    // Every socket of the SUT: its listeners and the connections it dialled (its own trace says which).
    // PF A and PF B also talk to each other (the proxy relays between them): those packets are the SUT's own.
    const sut = new Set([server.pfA.port, server.pfB.port, ...server.tap.entries.map((e) => e.flow.local.port)]);
    const all = await packets(join(dir, 'run.pcap'));
    const toSut = all.filter(([src, dst]) => sut.has(dst) && !sut.has(src));
    process.stderr.write(`local-ports capture: ${all.length} packets captured, ${toSut.length} from the harness to the SUT (${toSut.filter(([src]) => inRange(src)).length} from ${FROM}-${TO})\n`);
    expect(toSut.length).toBeGreaterThan(100);
    expect(toSut.filter(([src]) => !inRange(src))).toEqual([]);
  });
});
