/**
 * A load slot: one topology (users, devices, their sockets and MSRP listeners) that runs one flow
 * at a time, again and again, for the whole load run (docs/load.md). Its devices register once
 * when the slot opens and remove their bindings when it closes (RFC 3261 §10.2.2), so the SUT is
 * left as it was found and a flow at rate measures the flow, not the registrar.
 *
 * Between two flows the slot settles what the last one left (every teardown phase of
 * src/harness/teardown.ts but the binding removal: requests answered, invitations cancelled,
 * sessions closed, MSRP sessions closed) and forgets its evidence: the trace, the devices'
 * inboxes and ACK records. Nothing a flow did outlives it, so memory stays flat with the run.
 */
import { Tap, addressKey, type TraceEntry } from '../../sip/transport/tap';
import type { SipRequest, SipResponse } from '../../sip/message';
import { createResponse } from '../../sip/request-builder';
import { Topology } from '../topology';
import type { Device } from '../device';
import { finalWithin } from '../final-within';
import { openDialogs } from '../teardown';
import { labelOf } from '../template';
import type { HarnessTarget, TargetUser } from '../target';
import type { CaseVariant } from '../types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Settle `p` or give up after `ms`. */
function bounded<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), ms); })]).finally(() => clearTimeout(timer));
}

/** What the SUT refused while a slot registered, named so the CLI can say which device and why. */
export class SlotRegistrationError extends Error {}

/** What a device answers between flows (as teardown.ts): nothing more is expected, every transaction gets its final. */
function idleAnswer(req: SipRequest): SipResponse {
  return createResponse(req, req.method === 'INVITE' ? 480 : req.method === 'REFER' ? 603 : 200);
}

export class LoadSlot {
  /** Flows this slot has run. */
  flows = 0;
  /**
   * No flow runs: from the start of settling to the next flow. A request arriving then (the peer
   * device's BYE while the slot closes a session, a late request of the SUT) is answered at once,
   * never left for the next flow to find as unexpected.
   */
  private idle = true;

  private constructor(
    readonly id: string,
    readonly tap: Tap,
    readonly topology: Topology,
  ) {}

  get devices(): Device[] {
    return this.topology.devices;
  }

  /**
   * Build the slot's topology and register every device once. A device the SUT refuses (or does
   * not answer within the IXIT response timeout) makes the slot fail to open, naming it.
   */
  static async open(id: string, target: HarnessTarget, variant: CaseVariant, users: TargetUser[] | undefined, observe: (e: TraceEntry) => void): Promise<LoadSlot> {
    const tap = new Tap();
    tap.subscribe(observe);
    // The case bodies' registration precondition (registerAll) is answered from the binding made here (holdBinding).
    const topology = await Topology.build(target, variant, tap, users ?? Topology.pickUsers(target, variant, undefined), {}, { holdBinding: true });
    for (const a of topology.localAddresses) tap.internal.add(addressKey(a));
    const slot = new LoadSlot(id, tap, topology);
    for (const d of topology.devices) {
      d.handle((tx) => {
        if (!slot.idle) return false;
        if (tx.request.method !== 'ACK') void tx.respond(idleAnswer(tx.request)).catch(() => undefined);
        return true;
      });
    }
    try {
      for (const d of topology.devices) {
        const res = await d.register(target.domain, target.ixit.registrationExpires);
        if (!res || res.status < 200 || res.status >= 300) {
          throw new SlotRegistrationError(`the SUT ${res ? `answered ${labelOf(res)} to` : `did not answer within ${target.ixit.responseTimeoutMs} ms`} the REGISTER of ${d.name} (${d.aor})`);
        }
      }
    } catch (err) {
      await slot.close(target.ixit.responseTimeoutMs);
      throw err;
    }
    slot.tap.clear();
    return slot;
  }

  /** Forget the last flow's evidence before the next one starts on these devices. */
  reset(): void {
    this.idle = false;
    for (const d of this.devices) {
      d.inbox.length = 0;
      d.received.length = 0;
      d.acks.length = 0;
      d.cancels.length = 0;
      d.forgetSentAcks();
      d.autoAnswerCancel = true;
    }
    this.tap.clear();
  }

  /**
   * Settle what the last flow left at the SUT (src/harness/teardown.ts, every phase but the last):
   * answer what is unanswered (§17.2), cancel pending invitations (§9.1), close confirmed
   * dialogs with a BYE (§15), close MSRP sessions. Each phase bounded by `boundMs`.
   */
  async settle(boundMs: number): Promise<string[]> {
    this.idle = true;
    const problems: string[] = [];
    const devices = this.devices;
    for (const d of devices) {
      for (const tx of d.received) {
        const done = tx.responses.some((r) => r.status >= 200) || tx.state === 'terminated' || (tx.request.method === 'INVITE' && tx.cancelled);
        if (!done) void tx.respond(idleAnswer(tx.request)).catch(() => undefined);
      }
    }
    await bounded(Promise.all(devices.flatMap((d) => d.endpoint.liveClientTransactions()
      .filter((tx) => tx.request.method === 'INVITE' && !tx.responses.some((r) => r.status >= 200))
      .map(async (tx) => {
        try {
          await tx.cancel();
          await finalWithin(tx, boundMs);
        } catch {
          // A final came first, or no provisional came (Timer B ends it).
        }
      }))), boundMs);
    for (const role of ['uac', 'uas'] as const) {
      await bounded(Promise.all(devices.flatMap((d) => openDialogs(d, this.tap.entries, role).map(async ({ dialog, unackedInvite }) => {
        if (unackedInvite) await d.ack(dialog, unackedInvite);
        const { response } = await d.inDialog(dialog, 'BYE');
        if (!response || !((response.status >= 200 && response.status < 300) || response.status === 481)) {
          problems.push(`${d.name}'s session ${dialog.callId} could not be closed: ${response ? labelOf(response) : 'no answer'}`);
        }
      }))), boundMs);
      if (role === 'uac') await sleep(5);
    }
    await bounded(Promise.all(devices.map((d) => d.msrp?.closeSessions())), boundMs);
    return problems;
  }

  /** Remove every binding the slot made (Expires: 0, §10.2.2) and close its sockets. */
  async close(boundMs: number): Promise<{ removed: number; problems: string[] }> {
    const problems: string[] = [];
    let removed = 0;
    await bounded(Promise.all(this.devices.filter((d) => d.registered).map(async (d) => {
      const res = await d.unregister();
      if (res && res.status >= 200 && res.status < 300) removed++;
      else problems.push(`${d.name} (${d.aor}): its REGISTER with Expires: 0 was answered ${res ? labelOf(res) : 'with nothing'}`);
    })), boundMs + 500);
    for (const d of this.devices) if (d.registered && !problems.some((p) => p.startsWith(`${d.name} (`))) problems.push(`${d.name} (${d.aor}): binding not removed within ${boundMs} ms`);
    await this.topology.close();
    return { removed, problems };
  }
}
