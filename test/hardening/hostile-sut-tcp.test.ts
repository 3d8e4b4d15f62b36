/**
 * Issue 8.1: the harness against a hostile SUT over TCP (test/hardening/support/hostile-suite.ts),
 * and the stream limits a tester can set.
 */
import { runCase } from '../../src/harness/runner';
import { allCases } from '../../suites/index';
import { startHostileServer } from './support/hostile-server';
import { hostileSuite } from './support/hostile-suite';
import { plainTarget, variantFor } from './support/targets';

jest.setTimeout(6 * 60_000);

hostileSuite('tcp');

test('the limits are configurable: a 256 KiB buffer bound trips on a 3 MiB header flood at once', async () => {
  const server = await startHostileServer('header-flood');
  try {
    const target = plainTarget(server.host, server.port, ['tcp']);
    const c = allCases()[0];
    const r = await runCase(c, variantFor(c, 'tcp')!, target, { limits: { stream: { maxHeaderBytes: 16 * 1024, maxBodyBytes: 64 * 1024, maxBufferedBytes: 256 * 1024 } } });
    expect(['fail', 'inconclusive']).toContain(r.verdict);
    const f = r.findings.find((x) => x.actual?.diagnostics?.some((d) => /HARNESS-stream-(header-too-large|buffer-limit)/.test(d.rule)));
    expect(f?.message).toMatch(/16384|262144/);
    expect(f!.actual!.raw.length).toBeLessThanOrEqual(256 * 1024);
  } finally {
    await server.stop();
  }
});
