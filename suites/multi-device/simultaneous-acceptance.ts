/**
 * TC-MLD-007-06: two devices accept the same CPM Session Invitation in the same instant. Both 2xx
 * leave before any CANCEL can arrive, so CPM-MLD-007 cannot stop the second acceptance; what it
 * requires then is that the user ends up with one session and that nothing dangles. Who resolves
 * the second 2xx depends on what the Participating Function is (docs/cpm-sip-binding.md):
 *  - a proxy forwards every 2xx (RFC 3261 §16.7 step 5: "Any 2xx responses MUST be forwarded
 *    immediately"); the caller, a UAC, ACKs each and BYEs all sessions but one (§13.2.2.4), along
 *    each dialog's route set, so through the PF that Record-Routed the INVITE;
 *  - a B2BUA answers the caller's leg once (a UAS answers an INVITE once, §13.3.1.4) and, as the
 *    UAC of the late device's leg, ACKs and releases that device's dialog itself.
 * Either way the verdict rests on the merged trace: each racing device's 2xx was ACKed by a request
 * that crossed the SUT, exactly one racing device was released (BYE through the SUT, answered), and
 * the caller's surviving session leads to the other one, end to end.
 */
import type { SipRequest, SipResponse } from '../../src/sip/message';
import { header } from '../../src/sip/message';
import { Dialog } from '../../src/sip/dialog';
import { toTag } from '../../src/sip/headers/name-addr';
import { vias } from '../../src/sip/headers/via';
import { formatHostPort, sameAddress } from '../../src/sip/transport/address';
import type { TraceEntry } from '../../src/sip/transport/tap';
import type { TestCase } from '../../src/harness/test-case';
import type { TestContext } from '../../src/harness/context';
import { finalWithin } from '../../src/harness/session';
import { answeredMoreThanOnce, callerOks, describeFinal, sutVia, type Branch, type ForkedCall } from './forking-flow';
import { applies, callerGetsAnswer, expectCancelled, ringAll, spec, variants } from './common';
import { MLD_007 } from './spec';

/** A session the caller holds: one per To tag of the 2xx it received (§12.1.2), and the ACK it sent for it. */
interface CallerSession {
  tag: string;
  answer: TraceEntry;
  dialog: Dialog;
  ack: SipRequest;
}

/** Bound on the rounds of the ACK loop (each round handles at least one new message, or ends at the deadline). */
const MAX_ROUNDS = 200;

const tagOf = (e: TraceEntry) => (e.message ? toTag(e.message) : null) ?? '';
const deviceTag = (b: Branch) => b.device.tagFor(b.tx);
const viaList = (e: TraceEntry | undefined) => (e?.message ? vias(e.message).map((v) => `${v.host}:${v.port ?? 5060}`).join(', ') : '');

/** ` (PF A)` / ` (PF B)` when a message came from a configured PF address: names the sender in a finding. */
function pfName(t: TestContext, e: TraceEntry): string {
  if (sameAddress(e.flow.remote, t.target.pfB)) return ' (PF B)';
  return sameAddress(e.flow.remote, t.target.pfA) ? ' (PF A)' : '';
}

/** The ACK of this device's 2xx (its Call-ID and To tag) that reached it, if any. */
function ackAt(t: TestContext, b: Branch): TraceEntry | undefined {
  const cid = header(b.tx.request, 'Call-ID');
  return t.trace.find({ owner: b.device.name, direction: 'received', template: { method: 'ACK' } })
    .find((e) => header(e.message, 'Call-ID') === cid && toTag(e.message) === deviceTag(b));
}

/** The 200 (OK) this device sent to its INVITE: its acceptance. */
function acceptanceOf(t: TestContext, b: Branch): TraceEntry | undefined {
  const cid = header(b.tx.request, 'Call-ID');
  return t.trace.find({ owner: b.device.name, direction: 'sent', template: { status: 200 } }).find((e) => header(e.message, 'Call-ID') === cid);
}

/**
 * The caller as a UAC (§13.2.2.4): it ACKs every 2xx it receives, each dialog its own ACK, and
 * sends that same ACK again for each retransmission of its 2xx. Ends once both racing devices hold
 * an ACK and a quiet period passed with no new 2xx, or at the response timeout.
 */
async function ackEveryAnswer(t: TestContext, call: ForkedCall, racers: Branch[]): Promise<CallerSession[]> {
  await callerGetsAnswer(t, call);
  const invite = call.tx.request;
  const sessions = new Map<string, CallerSession>();
  const handled = new Set<number>();
  const deadline = Date.now() + t.timeoutMs;
  let settleBy: number | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const mark = t.trace.mark();
    for (const e of callerOks(t, call.caller, invite)) {
      if (handled.has(e.seq)) continue;
      handled.add(e.seq);
      const known = sessions.get(tagOf(e));
      if (known) {
        await call.caller.endpoint.send(known.ack, call.caller.nextHop(known.ack));
        continue;
      }
      const dialog = Dialog.fromUac(invite, e.message as SipResponse);
      sessions.set(tagOf(e), { tag: tagOf(e), answer: e, dialog, ack: await call.caller.ack(dialog, invite) });
    }
    if (settleBy === undefined && racers.every((b) => ackAt(t, b))) settleBy = Date.now() + t.quietMs;
    const left = Math.min(deadline, settleBy ?? deadline) - Date.now();
    if (left <= 0) break;
    await t.trace.waitFor({ direction: 'received', after: mark, test: (e) => e.owner === call.caller.name || racers.some((b) => e.owner === b.device.name) }, left);
  }
  return [...sessions.values()];
}

/** Why a racing device's 2xx was never ACKed, from what the caller got (proxy) or what the B2BUA owes. */
function danglingWhy(t: TestContext, b: Branch, sessions: CallerSession[]): string {
  if (t.target.pfMode === 'b2bua') {
    return `the B2BUA is the UAC of ${b.device.name}'s leg: it must ACK every 2xx it receives (RFC 3261 §13.2.2.4) and release the session it does not keep (§15)`;
  }
  const got = sessions.find((s) => s.tag === deviceTag(b));
  if (!got) {
    return 'the caller never received that 2xx: the proxy absorbed it instead of forwarding it (RFC 3261 §16.7 step 5: "Any 2xx responses MUST be forwarded immediately") and nobody ACKed or released it';
  }
  return `the caller received it (#${got.answer.seq}) and ACKed it, but the ACK did not reach ${b.device.name}: the PF did not route it along the dialog's route set (§16.12)`;
}

export const simultaneousAcceptance: TestCase = {
  id: 'TC-MLD-007-06',
  title: 'Two devices accept at the same moment: one session survives end to end, the other device\'s dialog is confirmed and released, nothing dangles',
  requirements: ['CPM-MLD-007'],
  spec: spec(MLD_007),
  variants: variants(3),
  applies,
  async run(t: TestContext) {
    const call = await ringAll(t);
    const [b1, b2, b3] = call.branches;
    const racers = [b1, b2];
    const names = `${b1.device.name} and ${b2.device.name}`;
    const proxy = t.target.pfMode === 'proxy';
    for (const b of racers) b.device.autoAnswerCancel = false; // they answer 200, whatever crosses on the wire
    await t.step('race', `${names} both accept in the same instant`, 'CPM-MLD-007', async () => {
      // Both 200s leave before any CANCEL can be read: a true race on the wire.
      await Promise.all(racers.map((b) => b.device.answer(b.tx, 200)));
    });
    await t.step('cancel', `${b3.device.name}, which had not answered, is cancelled`, 'CPM-MLD-007', () => expectCancelled(t, [b3], 'after the acceptance'));

    const sessions = await t.step('answer', proxy
      ? `${call.caller.name} receives the 2xx the proxy forwards, one per device that accepted (RFC 3261 §16.7 step 5), and ACKs each (§13.2.2.4)`
      : `${call.caller.name} receives one acceptance from the B2BUA (§13.3.1.4) and ACKs it`, 'CPM-MLD-007', async () => {
      const got = await ackEveryAnswer(t, call, racers);
      if (proxy) {
        const foreign = got.find((s) => !racers.some((b) => deviceTag(b) === s.tag));
        t.check('CPM-MLD-007', foreign === undefined, {
          message: `${call.caller.name} received a 2xx with To tag ${foreign?.tag} that neither ${names} sent (a proxy passes the tags end to end, §16.7)`,
          expected: `2xx with To tag ${racers.map(deviceTag).join(' or ')}`, actual: foreign?.answer,
        });
        return got;
      }
      const twice = answeredMoreThanOnce(t);
      const second = twice?.[1];
      const from = second ? `${formatHostPort(second.flow.remote)}${pfName(t, second)}` : '?';
      t.check('CPM-MLD-007', twice === null, {
        message: `${second?.owner} received ${twice?.length} different 2xx answers (To tags ${twice?.map(tagOf).join(', ')}) to one INVITE, from ${from}: the B2BUA answered that leg more than once although a UAS answers an INVITE once (RFC 3261 §13.3.1.4), so the caller's side holds ${twice?.length} sessions`,
        expected: 'one 2xx per INVITE the B2BUA answers', actual: second,
      });
      return got;
    });

    await t.step('confirmed', `The 2xx of ${names} are both ACKed, through the SUT: no dialog dangles`, 'CPM-MLD-007', async () => {
      for (const b of racers) {
        const ack = t.require(ackAt(t, b), 'CPM-MLD-007', {
          message: `${b.device.name} accepted (200 OK, To tag ${deviceTag(b)}) but no ACK reached it within ${t.timeoutMs} ms: its dialog dangles; ${danglingWhy(t, b, sessions)}`,
          expected: `ACK at ${b.device.name} with To tag ${deviceTag(b)} (RFC 3261 §13.2.2.4)`, actual: acceptanceOf(t, b) ?? 'nothing',
        });
        t.precondition(sutVia(t, ack) !== null, {
          message: `the ACK that confirmed ${b.device.name}'s dialog came straight from the harness (Via ${viaList(ack)}), not through the SUT: the SUT is not on that dialog's path, so how it resolves the second acceptance cannot be judged`,
          actual: ack,
        });
      }
    });

    const { survivor, released } = await t.step('release', proxy
      ? `${call.caller.name} releases all its sessions but the first (BYE, §13.2.2.4); exactly one of ${names} is released, through the SUT`
      : `The B2BUA releases the late device's dialog (BYE); the other keeps its session`, 'CPM-MLD-007', async () => {
      // Every session the caller holds is a racing device's: the answer step checked the To tags.
      const byes = sessions.slice(1).flatMap((s) => {
        const to = racers.find((b) => deviceTag(b) === s.tag);
        if (!to) return [];
        const bye = s.dialog.createRequest('BYE');
        return [{ to, tx: call.caller.endpoint.request(bye, call.caller.nextHop(bye)) }];
      });
      // The first release may take up to the response timeout; a second one would follow within the quiet period.
      const first = await t.trace.waitFor({ direction: 'received', template: { method: 'BYE' }, test: (e) => racers.some((b) => e.owner === b.device.name) }, t.timeoutMs);
      const got = await Promise.all(racers.map(async (b) => {
        const tx = await b.device.waitForRequest({ method: 'BYE' }, first ? t.quietMs : 0);
        if (tx) await b.device.respond(tx, 200, 'OK'); // at once: the BYE is not retransmitted meanwhile
        return tx;
      }));
      const released = racers.filter((_, i) => got[i] !== null);
      const unrouted = byes.find((x) => !released.includes(x.to));
      t.check('CPM-MLD-007', released.length === 1, {
        message: released.length === 2 ? `both ${names} were released: no session survived`
          : unrouted ? `${call.caller.name}'s BYE on ${unrouted.to.device.name}'s session did not reach ${unrouted.to.device.name} within ${t.timeoutMs} ms (RFC 3261 §16.12): two sessions stay up for one acceptance`
            : `neither ${names} was released within ${t.timeoutMs} ms: the late device's session stays up beside the other, two sessions for one acceptance`,
        expected: `a BYE to exactly one of ${names}`,
      });
      const entry = t.trace.first({ owner: released[0].device.name, direction: 'received', template: { method: 'BYE' } });
      t.precondition(entry !== undefined && sutVia(t, entry) !== null, {
        message: `the BYE that released ${released[0].device.name} came straight from the harness (Via ${viaList(entry)}), not through the SUT: the SUT is not on that dialog's path`,
        actual: entry,
      });
      for (const x of byes) {
        const res = await finalWithin(x.tx, t.timeoutMs);
        t.check('CPM-MLD-007', res?.status === 200, {
          message: `${call.caller.name}'s BYE on ${x.to.device.name}'s session was answered ${describeFinal(res)}`, expected: '200 OK to the BYE', actual: res ?? 'nothing',
        });
      }
      return { survivor: released[0] === b1 ? b2 : b1, released };
    });

    if (!proxy) {
      // Mutation testing (docs/mutation.md, LateAnswers in src/reference/mld.ts): a B2BUA that ACKed
      // the late 2xx once but not its retransmission, or released the dialog a second time, passed.
      const late = released[0];
      await t.step('retransmit', `${late.device.name} sends its 200 (OK) again, as a UAS does until the ACK arrives (RFC 3261 §13.3.1.4); the B2BUA ACKs it again (§13.2.2.4) and releases nothing twice`, 'CPM-MLD-007', async () => {
        const sent = t.require(acceptanceOf(t, late), 'CPM-MLD-007', { message: `${late.device.name}'s 200 (OK) is not on the trace`, expected: 'the 200 it sent' });
        const mark = t.trace.mark();
        const cid = header(late.tx.request, 'Call-ID');
        const ackQuery = { owner: late.device.name, direction: 'received' as const, after: mark, template: { method: 'ACK' }, test: (e: TraceEntry) => e.message !== null && header(e.message, 'Call-ID') === cid && toTag(e.message) === deviceTag(late) };
        // Sent again at T1, 2·T1, … up to T2 until the ACK comes (§13.3.1.4), so a lost datagram
        // either way is recovered as a real UAS recovers it; bounded by the response timeout.
        const { t1, t2 } = t.target.ixit.timers;
        const deadline = Date.now() + t.timeoutMs;
        let ack: TraceEntry | null = null;
        for (let wait = t1; ack === null && Date.now() < deadline; wait = Math.min(2 * wait, t2)) {
          await late.device.endpoint.send(sent.raw, sent.flow.remote);
          ack = await t.trace.waitFor(ackQuery, Math.max(1, Math.min(wait, deadline - Date.now())));
        }
        t.require(ack, 'CPM-MLD-007', {
          message: `the B2BUA did not ACK the retransmission of ${late.device.name}'s 200 (OK) within ${t.timeoutMs} ms: the UAC core MUST generate an ACK for each 2xx it receives (RFC 3261 §13.2.2.4), or the device retransmits it until Timer H and the leg dangles`,
          expected: `ACK at ${late.device.name} with To tag ${deviceTag(late)}`, actual: sent,
        });
        await t.expectQuiet([late.device], 'CPM-MLD-007', `no second BYE on ${late.device.name}'s released dialog`);
      });
    }

    await t.step('end-to-end', `The surviving session reaches ${survivor.device.name} end to end`, 'CPM-MLD-007', async () => {
      const keep = sessions[0];
      const bye = keep.dialog.createRequest('BYE');
      const tx = call.caller.endpoint.request(bye, call.caller.nextHop(bye));
      const at = t.require(await survivor.device.waitForRequest({ method: 'BYE' }, t.timeoutMs), 'CPM-MLD-007', {
        message: `${call.caller.name}'s session (To tag ${keep.tag}) does not lead to ${survivor.device.name}, the device that kept it: its BYE did not reach it within ${t.timeoutMs} ms`,
        expected: `BYE at ${survivor.device.name}`,
      });
      await survivor.device.respond(at, 200, 'OK');
      const ok = await finalWithin(tx, t.timeoutMs);
      t.check('CPM-MLD-007', ok?.status === 200, { message: `${call.caller.name}'s session could not be closed: ${describeFinal(ok)}`, actual: ok ?? 'nothing' });
    });
  },
};
