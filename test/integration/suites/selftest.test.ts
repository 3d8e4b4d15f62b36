/**
 * The suite proves itself (docs/architecture.md, The reference server, issue 3): against the reference server every case variant
 * passes when the server is correct, and every fault of the catalogue is detected by at least one
 * case failing for the requirement the fault breaks.
 */
import { runSelftest, formatRow, type SelftestRow } from '../../../bin/selftest';
import { FAULTS } from '../../../src/reference';

jest.setTimeout(10 * 60_000);

describe('selftest: detection matrix', () => {
  let rows: SelftestRow[] = [];
  beforeAll(async () => {
    // 24 cases at once at most: the file shares two cores with two other jest workers (jest.config.js),
    // and a starved loop turns answers the reference sent into "did not answer" (IXIT 2500 ms).
    rows = await runSelftest({ concurrency: 4, rowConcurrency: 6, untilDetected: true });
    process.stdout.write(rows.map(formatRow).join('\n') + '\n');
  });

  it('the correct reference server passes every case variant, in proxy and in b2bua mode', () => {
    const correct = rows.filter((r) => r.fault === '(none)');
    expect(correct.map((r) => r.mode).sort()).toEqual(['b2bua', 'proxy']);
    for (const r of correct) {
      expect({ mode: r.mode, failing: r.failing, other: r.other }).toEqual({ mode: r.mode, failing: [], other: [] });
    }
  });

  it.each(FAULTS.map((f) => [f.name, f.requirement]))('fault %s is detected with requirement %s', (name, req) => {
    const row = rows.find((r) => r.fault === name);
    expect(row).toBeDefined();
    expect(row!.failing.length).toBeGreaterThan(0);
    expect(row!.failing.map((f) => f.requirement)).toContain(req);
  });
});
