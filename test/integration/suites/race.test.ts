/**
 * Issue 4: the race case (two devices accept in the same instant) gives the same verdict over 50
 * consecutive runs against the correct reference server — no flakiness hidden in the merged trace.
 */
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { runCase } from '../../../src/harness/runner';
import { simultaneousAcceptance } from '../../../suites/multi-device/cases';
import { referenceTarget } from '../../../bin/targets';

jest.setTimeout(10 * 60_000);

describe.each(['proxy', 'b2bua'] as const)('TC-MLD-007-06 over 50 consecutive runs (%s)', (mode) => {
  let server: ReferenceServer;
  beforeAll(async () => {
    server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode, timers: { t1: 100, t2: 800, t4: 1000 } });
  });
  afterAll(() => server.stop());

  it('passes every time', async () => {
    const target = referenceTarget(server);
    const verdicts: string[] = [];
    for (let i = 0; i < 50; i++) {
      const v = simultaneousAcceptance.variants[i % simultaneousAcceptance.variants.length];
      const r = await runCase(simultaneousAcceptance, v, target);
      verdicts.push(r.verdict === 'pass' ? 'pass' : `${r.verdict}: ${r.key}: ${r.reason?.message}`);
    }
    expect(verdicts.filter((v) => v !== 'pass')).toEqual([]);
  });
});
