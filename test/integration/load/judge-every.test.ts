/**
 * `load --judge-every K` (docs/load.md): K−1 flows in K run the same traffic unjudged — no
 * template matched, no requirement counted — yet still fail when they cannot go on (a timeout) or
 * a device receives an error response; the judged one in K is judged as ever.
 */
import { FAULTS } from '../../../src/reference';
import { runLoad, type LoadPlan } from '../../../src/harness/load/load-run';
import { reference, plan as basePlan } from './support';
import { transactionFailure } from '../../../src/harness/load/flow-run';
import type { HarnessTarget } from '../../../src/harness/target';
import { parseMessage } from '../../../src/sip/codec/parse';
import type { TraceEntry } from '../../../src/sip/transport/tap';

jest.setTimeout(60_000);

/** Every second flow judged, no evidence kept, unless a test says otherwise. */
const plan = (target: HarnessTarget, over: Partial<LoadPlan> = {}): LoadPlan => basePlan(target, { judgeEvery: 2, keepEvidence: 0, ...over });


/** Flows 0, K, 2K, … of the started ones are judged. */
const judgedOf = (started: number, k: number) => Array.from({ length: started }, (_, i) => i).filter((i) => i % k === 0).length;

test('clean reference, K=2: the judged flows pass and are the only ones counted per requirement; the others are unjudged', async () => {
  const s = await runLoad(plan(await reference()));
  const n = s.arrivals.started;
  const judged = judgedOf(n, 2);
  expect(n).toBeGreaterThan(2);
  expect(s.verdicts.pass).toBe(judged);
  expect(s.verdicts.unjudged).toBe(n - judged);
  expect(s.verdicts.fail + s.verdicts.inconclusive + s.verdicts.error).toBe(0);
  expect(s.byRequirement['LEAVE-OK']).toEqual({ pass: judged });
  // The same traffic either way: every flow's INVITE and BYE answered and timed.
  expect(s.latency['INVITE→200'].count).toBe(n);
  expect(s.latency['BYE→200'].count).toBe(n);
});

test('a conformance fault (leave-ok-wrong-cseq): the judged flows FAIL its requirement; the unjudged ones, whose transactions complete, are not judged on it', async () => {
  const fault = FAULTS.find((f) => f.name === 'leave-ok-wrong-cseq')!;
  const s = await runLoad(plan(await reference([fault.name])));
  const n = s.arrivals.started;
  const judged = judgedOf(n, 2);
  const stalled = s.generator?.stalledFlows ?? 0;
  expect(s.verdicts.fail + s.verdicts.inconclusive).toBe(judged);
  expect(s.verdicts.inconclusive).toBeLessThanOrEqual(stalled);
  expect(s.verdicts.unjudged).toBe(n - judged);
  expect(s.byRequirement[fault.requirement].fail).toBe(s.verdicts.fail);
  expect(s.failures.every((f) => f.requirement === fault.requirement || f.verdict === 'inconclusive')).toBe(true);
});

test('a timeout (leave-bye-not-delivered): the unjudged flows fail too, no requirement named, for the message that never came', async () => {
  const fault = FAULTS.find((f) => f.name === 'leave-bye-not-delivered')!;
  const s = await runLoad(plan(await reference([fault.name]), { rate: 4 }));
  const n = s.arrivals.started;
  const judged = judgedOf(n, 2);
  expect(n).toBeGreaterThan(1);
  expect(s.verdicts.unjudged).toBe(0);
  expect(s.verdicts.fail + s.verdicts.inconclusive).toBe(n);
  expect(s.byRequirement[fault.requirement].fail ?? 0).toBeLessThanOrEqual(judged);
  const unjudgedFails = s.failures.filter((f) => f.verdict === 'fail' && f.requirement === undefined);
  expect(unjudgedFails.length).toBeGreaterThan(0);
  expect(unjudgedFails.every((f) => /^not judged \(--judge-every\): the flow stopped at a check that does not hold: .*within \d+ ms/.test(f.message))).toBe(true);
});

test('what an unjudged flow counts as an error response: ≥ 300 at a device, not a challenge, not the 487 of its CANCEL, not at a core', () => {
  const entry = (owner: string, status: number, reason: string, method = 'BYE'): TraceEntry => {
    const raw = Buffer.from(`SIP/2.0 ${status} ${reason}\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: c\r\nCSeq: 2 ${method}\r\nContent-Length: 0\r\n\r\n`);
    return { seq: 0, at: 0n, wallMs: 0, direction: 'received', owner, raw, message: parseMessage(raw, { mode: 'lenient', framing: 'datagram' }).message, flow: { protocol: 'udp', local: { host: '127.0.0.1', port: 1 }, remote: { host: '127.0.0.1', port: 2 } } } as TraceEntry;
  };
  const slot = (entries: TraceEntry[]) => ({ tap: { entries }, devices: [{ name: 'A1' }, { name: 'B1' }] });
  expect(transactionFailure(slot([entry('A1', 200, 'OK'), entry('A1', 401, 'Unauthorized'), entry('B1', 407, 'Proxy Authentication Required'), entry('A1', 487, 'Request Terminated', 'INVITE'), entry('Core A', 500, 'Server Internal Error')]))).toBeUndefined();
  expect(transactionFailure(slot([entry('A1', 200, 'OK'), entry('B1', 500, 'Server Internal Error')]))).toBe('B1 received 500 Server Internal Error (2 BYE)');
  expect(transactionFailure(slot([entry('A1', 481, 'Call/Transaction Does Not Exist')]))).toMatch(/^A1 received 481 /);
});
