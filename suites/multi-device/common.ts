/**
 * What the CPM-MLD-007 cases share, so cases.ts holds declarations only: their variants and
 * applicability, the opening of a forked call (every device of B invited and ringing), the
 * acceptance on one device, the wait for the CANCELs (CPM-MLD-007), the caller's acceptance and
 * the caller closing the session.
 */
import type { SipResponse } from '../../src/sip/message';
import { Dialog } from '../../src/sip/dialog';
import type { Device } from '../../src/harness/device';
import type { CaseVariant, TransportName, TopologyKind } from '../../src/harness/test-case';
import type { TestContext } from '../../src/harness/context';
import type { HarnessTarget } from '../../src/harness/target';
import { finalWithin, registerAll } from '../../src/harness/session';
import { cancelAt, describeFinal, inviteEveryDevice, type Branch, type ForkedCall } from './forking-flow';
import { MLD_CLAUSE, MLD_DOCUMENT } from './spec';

const TRANSPORTS: TransportName[] = ['udp', 'tcp'];
const TOPOLOGIES: TopologyKind[] = ['direct', 'core-emulation'];
export const variants = (...deviceCounts: number[]): CaseVariant[] =>
  deviceCounts.flatMap((n) => TOPOLOGIES.flatMap((topology) => TRANSPORTS.map((transport) => ({ transport, topology, devices: [1, n] }))));
export const applies = (t: HarnessTarget) => t.ics.multiDevice || 'ICS: the SUT does not claim multi-device support (ics.multiDevice = false)';
export const spec = (sentence: string, document = MLD_DOCUMENT, clause = MLD_CLAUSE) => ({ document, clause, sentence });
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Register, invite every device of B, let them all ring. */
export async function ringAll(t: TestContext, opts: { silent?: number } = {}): Promise<ForkedCall> {
  const [a, b] = t.topology.users;
  await registerAll(t);
  const call = await inviteEveryDevice(t, a.devices[0], b.aor, b.devices);
  await t.step('ring', `The devices ring (180)${opts.silent !== undefined ? `, except ${call.branches[opts.silent].device.name} which stays silent` : ''}`, async () => {
    await Promise.all(call.branches.filter((_, i) => i !== opts.silent).map((br) => br.device.ring(br.tx)));
  });
  return call;
}

/** Wait for the CANCEL on each of these branches; CPM-MLD-007 fails for the first one without. */
export async function expectCancelled(t: TestContext, branches: Branch[], why: string): Promise<Map<Branch, NonNullable<Awaited<ReturnType<typeof cancelAt>>>>> {
  const got = await Promise.all(branches.map((br) => cancelAt(t, br, t.timeoutMs)));
  const out = new Map<Branch, NonNullable<(typeof got)[number]>>();
  branches.forEach((br, i) => {
    const last = t.trace.find({ owner: br.device.name, direction: 'received' }).pop();
    t.check('CPM-MLD-007', got[i] !== null, {
      message: `the outstanding CPM Session Invitation on ${br.device.name} was not cancelled within ${t.timeoutMs} ms ${why}`,
      expected: `CANCEL at ${br.device.name} for Call-ID ${br.tx.request.headers.find((h) => /^(call-id|i)$/i.test(h.name))?.value}`,
      actual: last ?? 'nothing',
    });
    out.set(br, got[i]);
  });
  return out;
}

/** The caller's INVITE ends with a 2xx (its transaction's final: the first 2xx it received). */
export async function callerGetsAnswer(t: TestContext, call: ForkedCall): Promise<SipResponse> {
  const answer = await finalWithin(call.tx, t.timeoutMs);
  t.check('CPM-MLD-007', answer !== null && answer.status >= 200 && answer.status < 300, {
    message: `the caller did not receive the acceptance: ${describeFinal(answer)}`, expected: '2xx to the INVITE', actual: answer ?? 'nothing',
  });
  return answer;
}

/**
 * The caller's ACK, sent the moment its 2xx arrives, as a UA does (RFC 3261 §13.2.2.4: "The UAC core
 * MUST generate an ACK request for each 2xx received from the transaction layer"), not after the
 * case's checks: an ACK held back for the quiet periods below made the accepting device (or the
 * B2BUA) retransmit its 2xx every T1, doubling (§13.3.1.4) up to T2, hundreds of messages a run that
 * judged nothing (issue 14). Started by acceptOn, by call; closeFromCaller reuses its dialog.
 */
const promptAcks = new WeakMap<ForkedCall, Promise<Dialog | null>>();

function ackOnAnswer(t: TestContext, call: ForkedCall): void {
  if (promptAcks.has(call)) return;
  const acked = finalWithin(call.tx, t.timeoutMs).then(async (answer) => {
    // No 2xx: nothing to ACK here (a non-2xx is ACKed by the transaction, §17.1.1.3); callerGetsAnswer judges it.
    if (!answer || answer.status < 200 || answer.status >= 300) return null;
    const dialog = Dialog.fromUac(call.tx.request, answer);
    await call.caller.ack(dialog, call.tx.request);
    return dialog;
  });
  promptAcks.set(call, acked.catch(() => null));
}

/** Caller ACKs the answer (unless it did on arrival) and closes the session, so nothing is left behind (not judged). */
export async function closeFromCaller(t: TestContext, call: ForkedCall, answer: SipResponse, callee: Device): Promise<void> {
  const early = await promptAcks.get(call);
  // The prompt ACK acknowledged the transaction's final 2xx, which is `answer` (callerGetsAnswer).
  const dialog = early ?? Dialog.fromUac(call.tx.request, answer);
  if (!early) await call.caller.ack(dialog, call.tx.request);
  await t.step('teardown', `${call.caller.name} closes the session`, async () => {
    const bye = dialog.createRequest('BYE');
    const tx = call.caller.endpoint.request(bye, call.caller.nextHop(bye));
    const at = await callee.waitForRequest({ method: 'BYE' }, t.timeoutMs);
    if (at) await callee.respond(at, 200, 'OK');
    await finalWithin(tx, t.timeoutMs);
  });
}

/** The accepting device: the middle one, so acceptance is not always on the first registered device. */
const acceptorIndex = (call: ForkedCall) => Math.floor(call.branches.length / 2);

/** Accept on one device and collect the caller's answer; shared by several cases. */
export async function acceptOn(t: TestContext, call: ForkedCall, k: number): Promise<{ winner: Branch; others: Branch[] }> {
  const winner = call.branches[k];
  await t.step('accept', `${winner.device.name} accepts the CPM Session Invitation (200 OK)`, 'CPM-MLD-007', () => winner.device.answer(winner.tx, 200).then(() => undefined));
  ackOnAnswer(t, call);
  return { winner, others: call.branches.filter((_, i) => i !== k) };
}

/** The common opening: every device rings, the middle one accepts, and the others must be cancelled. */
export async function acceptedElsewhere(t: TestContext) {
  const call = await ringAll(t);
  const { winner, others } = await acceptOn(t, call, acceptorIndex(call));
  const cancels = await t.step('cancel', 'The outstanding invitations on the other devices are cancelled', 'CPM-MLD-007', () => expectCancelled(t, others, `after ${winner.device.name} accepted`));
  return { call, winner, others, cancels };
}
