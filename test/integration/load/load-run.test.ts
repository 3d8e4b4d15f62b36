/**
 * `load` in process against the reference server (issue 19, docs/load.md): every flow judged by
 * its case's own checks, the devices registered once and every binding removed at the end, the
 * latency histograms fed by the flows' own transactions; and with a fault of the catalogue on,
 * every flow of the case that checks it fails for the fault's requirement, as in the selftest.
 */
import { FAULTS } from '../../../src/reference';
import { runLoad } from '../../../src/harness/load/load-run';
import { lastReference, reference, plan } from './support';
import { countBindings } from '../../../src/harness/registrations';
import { FLOWS, flowCases } from '../../../bin/load/flows';
import type { HarnessTarget } from '../../../src/harness/target';
import { header } from '../../../src/sip/message';

jest.setTimeout(60_000);


test('a clean reference at 10 flows/s: every flow passes, latencies recorded per transaction, registered once, nothing left', async () => {
  const base = await reference();
  // The users named, so the registrar can be asked afterwards what it still holds (RFC 3261 §10.2.3).
  const users = Array.from({ length: 12 }, (_, i) => ({ aor: `sip:load${i}@cpm.example.com`, username: `load${i}`, devices: 1 }));
  const target: HarnessTarget = { ...base, isReference: false, users };
  const s = await runLoad(plan(target));
  // Registered once up front and removed once at the end: two REGISTERs per device at the SUT, not two per flow.
  const server = lastReference();
  // Counted per transaction (Call-ID, CSeq): a retransmission over UDP (RFC 3261 §17.1.2) is the same REGISTER.
  const registers = new Set(server.tap.entries.filter((e) => e.direction === 'received' && e.message?.kind === 'request' && e.message.method === 'REGISTER')
    .map((e) => `${header(e.message!, 'Call-ID')} ${header(e.message!, 'CSeq')}`));
  expect(registers.size).toBe(2 * 12);
  // Every arrival is started or shed (a busy machine may shed some: 6 slots), none lost; every started flow ends.
  expect(s.arrivals.due).toBe(20);
  expect(s.arrivals.started + s.arrivals.shed).toBe(20);
  expect(s.arrivals.started).toBeGreaterThan(0);
  expect(s.arrivals.done).toBe(s.arrivals.started);
  const n = s.arrivals.started;
  expect(s.verdicts.pass).toBe(n);
  expect(s.verdicts.fail + s.verdicts.inconclusive + s.verdicts.error).toBe(0);
  expect(s.byRequirement['LEAVE-OK']).toEqual({ pass: n });
  // One INVITE and one BYE answered per flow, no more (the settling between flows sends nothing here).
  expect(s.latency['INVITE→200'].count).toBe(n);
  expect(s.latency['BYE→200'].count).toBe(n);
  expect(s.latency['INVITE→200'].p99).toBeGreaterThan(0);
  expect(s.setup).toEqual({ slots: 6, devicesRegistered: 12, bindingsRemoved: 12, problems: [] });
  const after = await countBindings(target);
  expect(after.map((b) => b.count)).toEqual(users.map(() => 0));
});

test('with a fault on, the failing flows name the fault\'s requirement (as the selftest does) and keep their evidence', async () => {
  const fault = FAULTS.find((f) => f.name === 'leave-ok-wrong-cseq')!;
  const target = await reference([fault.name]);
  const failing: string[] = [];
  const s = await runLoad(plan(target, { onFailure: (r) => failing.push(`${r.reason?.requirement} ${r.evidence?.trace.length ? 'with trace' : 'no trace'}`) }));
  // A failing flow is FAIL, or inconclusive when the generator itself stalled meanwhile (a busy machine).
  const stalled = s.generator?.stalledFlows ?? 0;
  expect(s.verdicts.fail + stalled).toBe(s.arrivals.started);
  expect(s.verdicts.fail).toBeGreaterThan(0);
  expect(Object.keys(s.byRequirement).filter((r) => (s.byRequirement[r].fail ?? 0) > 0)).toEqual([fault.requirement]);
  expect(s.failures.every((f) => f.requirement === fault.requirement)).toBe(true);
  // Only the first --keep-failures flows hand over their messages.
  expect(failing).toHaveLength(2);
  expect(failing.every((f) => f.endsWith('with trace'))).toBe(true);
  if (!stalled) expect(failing).toEqual([`${fault.requirement} with trace`, `${fault.requirement} with trace`]);
});

test('a dead SUT: no slot opens, the run ends within the response timeout, nothing is counted as a verdict', async () => {
  const base = await reference();
  const dead: HarnessTarget = { ...base, pfA: { host: '127.0.0.1', port: 9 }, pfB: { host: '127.0.0.1', port: 9 }, ixit: { ...base.ixit, responseTimeoutMs: 500 } };
  const t0 = Date.now();
  // 100 slots, opened 16 at a time: the first batch's silence ends it (not 7 batches × 500 ms).
  const s = await runLoad(plan(dead, { maxConcurrent: 100, users: 200 }));
  expect(Date.now() - t0).toBeLessThan(2000);
  expect(s.setup.slots).toBe(0);
  expect(s.setup.problems[0]).toMatch(/did not answer within 500 ms the REGISTER of A1/);
  expect(s.arrivals.started).toBe(0);
});

test('mld with a fault only some cases see: exactly those flows fail, for the fault\'s requirement; the others pass (a failing flow settles at once)', async () => {
  const fault = FAULTS.find((f) => f.name === 'mld-cancel-missing-reason')!;
  const target = await reference([fault.name]);
  const s = await runLoad(plan(target, {
    flow: 'mld', cases: flowCases(FLOWS.mld), variant: { transport: 'udp', topology: 'direct', devices: [1, 3], pfMode: 'proxy' }, maxConcurrent: 8, users: 16, keepEvidence: 0,
  }));
  // Flow n runs case n mod 3: TC-MLD-007-03 (the Reason) is every third flow from the second (n counts started flows).
  const reasonFlows = Array.from({ length: s.arrivals.started }, (_, i) => i).filter((i) => i % 3 === 1).length;
  expect(s.arrivals.started).toBeGreaterThan(3);
  const stalled = s.generator?.stalledFlows ?? 0;
  expect(s.verdicts.fail + stalled).toBe(reasonFlows);
  expect(s.verdicts.pass).toBe(s.arrivals.started - reasonFlows);
  expect(s.verdicts.inconclusive).toBe(stalled);
  expect(s.verdicts.error).toBe(0);
  expect(s.byRequirement[fault.requirement].fail).toBe(s.verdicts.fail);
  expect(s.latency['CANCEL→487'].count).toBeGreaterThan(0);
});

