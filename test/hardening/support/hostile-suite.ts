/**
 * Issue 8.1: the harness against a hostile SUT (./hostile-server.ts, raw sockets), over one
 * transport. Every applicable case variant must end fail or inconclusive — never pass, never
 * error, never hang — with the offending octets in a finding; memory stays bounded however much
 * the server sends, and no socket or timer is left behind. One file per transport
 * (test/hardening/hostile-sut*.test.ts), so the two run in parallel jest workers (issue 14); the
 * behaviours of one transport stay one after the other, since each checks that nothing survives it.
 */
import { createHook } from 'node:async_hooks';
import { runCase, type CaseResult } from '../../../src/harness/runner';
import type { TransportName } from '../../../src/harness/test-case';
import { allCases } from '../../../suites/index';
import { HOSTILE_BEHAVIOURS, startHostileServer, type HostileBehaviour } from './hostile-server';
import { plainTarget, pool, settledResources, variantFor } from './targets';

export function hostileSuite(transport: TransportName): void {
  /** Octets that must show up in a finding's evidence for each behaviour (null: nothing was sent). */
  const MARKER: Record<HostileBehaviour, string | null> = {
    garbage: 'GARBAGE',
    truncated: 'SIP/2.0 200 OK',
    'oversized-headers': 'X-Pad-',
    'header-flood': 'X-Flood',
    'gigabyte-content-length': '4294967296',
    'oversized-body': 'SIP/2.0 200 OK',
    'wrong-transaction': 'z9hG4bK-no',
    'duplicate-reorder': 'hostile-test-server',
    'close-mid-message': 'SIP/2.0 200 OK',
    'reset-on-accept': null,
    trickle: null,
    silent: null,
  };

  const CASE_CAP_MS = 20_000;
  /** Per transport: the udp and tcp hostile suites run at once, on different jest workers. */
  const LOCAL_PORTS: Record<TransportName, { from: number; to: number }> = {
    udp: { from: 26000, to: 26999 }, tcp: { from: 27000, to: 27999 }, tls: { from: 28000, to: 28999 },
  };
  const rows: string[] = [];
  let peakRss = 0;
  let baselineRss = 0;
  let sampler: NodeJS.Timeout | undefined;
  let baseline: string[] = [];

  /** Host names looked up (getaddrinfo) while the hostile runs went on: none may be (loopback/SUT only). */
  const lookups: string[] = [];
  const dnsWatch = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'GETADDRINFOREQWRAP') lookups.push(String((resource as { hostname?: unknown }).hostname ?? '?'));
    },
  });

  beforeAll(() => {
    dnsWatch.enable();
    baselineRss = process.memoryUsage().rss;
    sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    // After the sampler: its own timer lives until afterAll and is no leak of a run. (Run in band,
    // jest's own timers in the baseline used to hide it; a worker process has none.)
    baseline = process.getActiveResourcesInfo();
  });

  afterAll(() => {
    dnsWatch.disable();
    clearInterval(sampler);
    process.stdout.write(`hostile SUT over ${transport}: ${rows.length} behaviour runs\n${rows.join('\n')}\nRSS baseline ${(baselineRss / 2 ** 20).toFixed(0)} MiB, peak ${(peakRss / 2 ** 20).toFixed(0)} MiB\n`);
  });

  const matrix: Array<[HostileBehaviour, TransportName]> = HOSTILE_BEHAVIOURS.map((b) => [b, transport] as [HostileBehaviour, TransportName]);

  test.each(matrix)('hostile SUT %s over %s: every case ends fail or inconclusive with the evidence, in bounded time', async (behaviour, transport) => {
    const server = await startHostileServer(behaviour);
    const started = Date.now();
    let results: CaseResult[];
    try {
      // The devices on ports of their own, below the OS's ephemeral range (32768-60999): a hostile
      // server's late octets cannot land on another test process's socket, nor another's on these.
      // (In CI one variant's findings once showed no octet of this server; a port reused across
      // jest workers is the likely cause: a selftest device got this suite's UDP trickle the same way.)
      const target = plainTarget(server.host, server.port, [transport], { localPorts: LOCAL_PORTS[transport] });
      const jobs = allCases().map((c) => [c, variantFor(c, transport)] as const).filter(([, v]) => v !== undefined);
      // 6 at once: at 12, 12 × 6 MiB bodies at once (oversized-body) slowed the stream past the
      // 700 ms IXIT, and a variant ended "did not answer" before the offending octets arrived.
      results = await pool(jobs, 6, ([c, v]) => runCase(c, v!, target, { caseTimeoutMs: CASE_CAP_MS }));
    } finally {
      await server.stop();
    }
    const applicable = results.filter((r) => r.verdict !== 'n/a');
    const verdicts = applicable.map((r) => r.verdict);
    rows.push(`  ${behaviour.padEnd(24)} ${transport}  ${applicable.length} variants: ${[...new Set(verdicts)].join('/')} in ${Date.now() - started} ms; e.g. ${(applicable[0]?.findings.find((f) => f.actual)?.message ?? applicable[0]?.reason?.message ?? '').slice(0, 140)}`);
    expect(applicable.length).toBeGreaterThan(0);
    for (const r of applicable) {
      expect({ key: r.key, verdict: r.verdict }).toEqual({ key: r.key, verdict: expect.stringMatching(/^(fail|inconclusive)$/) });
      expect(r.durationMs).toBeLessThan(CASE_CAP_MS + 5000);
      const marker = MARKER[behaviour];
      const shown = r.findings.filter((f) => f.actual).map((f) => f.actual!.raw.toString('latin1'));
      if (marker !== null && server.requests > 0 && !(behaviour === 'reset-on-accept')) {
        // The offending octets are attached to a finding (what the report shows beside the verdict).
        // Without it, the findings show in the diff: what the verdict did rest on (seen once in CI under load, source unknown).
        const evidence = shown.some((s) => s.includes(marker));
        const why = evidence ? {} : { findings: r.findings.map((f) => `${f.message.slice(0, 240)}${f.actual ? ` [from ${f.actual.flow.remote.host}:${f.actual.flow.remote.port}, SUT ${server.host}:${server.port}]` : ''}`) };
        expect({ key: r.key, evidence, ...why }).toEqual({ key: r.key, evidence: true });
      } else {
        // Nothing usable was sent: the finding says so rather than showing nothing.
        expect(r.findings.length).toBeGreaterThan(0);
      }
    }
    // No socket or timer of the run or of the hostile server survives it.
    expect(await settledResources(baseline)).toEqual([]);
  });

  test('no DNS query: a name the SUT wrote (a 2xx without Contact leaves the To URI\'s domain as remote target) is never looked up', () => {
    expect(lookups).toEqual([]);
  });

  test('memory stays bounded: peak RSS growth over every hostile run is far below what the SUT sent', () => {
    // The server sent several GiB by announcement (Content-Length 4 GiB, 16 GiB) and tens of MiB in fact.
    expect(peakRss - baselineRss).toBeLessThan(400 * 2 ** 20);
  });
}
