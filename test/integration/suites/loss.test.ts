/**
 * Issue 3: the suite's verdicts survive a lossy network. The reference server drops 10% of the
 * UDP datagrams it sends and receives (seeded, in its own tap); SIP retransmission (RFC 3261
 * §17.1.1.2, §17.1.2.2) must recover and every case variant must still pass.
 */
import { runSelftest, formatRow } from '../../../bin/selftest';

jest.setTimeout(5 * 60_000);

test('10% UDP datagram loss at the reference server: every case variant still passes, in both PF modes', async () => {
  // The two PF modes, each with its own server, side by side (issue 14).
  const rows = await runSelftest({ faults: [], lossRate: 0.1, concurrency: 4, rowConcurrency: 2 });
  process.stdout.write(rows.map(formatRow).join('\n') + '\n');
  expect(rows.map((r) => r.mode).sort()).toEqual(['b2bua', 'proxy']);
  for (const r of rows) expect({ mode: r.mode, failing: r.failing, other: r.other }).toEqual({ mode: r.mode, failing: [], other: [] });
});
