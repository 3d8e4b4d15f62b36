/**
 * CPM Session transfer with the CS in the media path (OMA CPM CR 5.2.5.1.1, B2BUA mode) at PF A.
 * The transferor A1 sends REFER in its dialog D1 with PF A (`Refer-To: <A2 contact>`). After PF
 * control for the transferor (transfer-control.ts): 202 and NOTIFY (`Event: refer`, active,
 * sipfrag `100 Trying`) in D1, then the Session Join Notification: an out-of-dialog REFER to A2
 * with `Refer-To: <SESSION-URI?Target-Dialog=D1&Require=tdialog&Conversation-ID=..&
 * Contribution-ID=..>`, SESSION-URI a one-time URI of PF A. A2's INVITE to SESSION-URI (Target-
 * Dialog = D1) gets PF control for the target (403 wrong user or device, 481 no such transfer),
 * then PF A answers it 200 with its own MSRP `a=path` and bridges it to the transferee's legs: no
 * request goes towards the transferee. A2's NOTIFY (terminated, sipfrag 200: the Replaced
 * Notification) plus its ACK trigger the Release Notification in D1 (transfer-registry.ts); A1's
 * BYE in D1 then releases D1 only (b2bua-transfer.ts).
 */
import { randomUUID } from 'node:crypto';
import { addHeader, header, headerValues } from '../sip/message';
import { parseReferTo } from '../sip/headers/refer-to';
import type { ServerTransaction } from '../sip/transaction/types';
import { createResponse } from '../sip/request-builder';
import { targetDialog, type TargetDialog } from '../sip/headers/dialog-id';
import { describe, type PfContext } from './pf-context';
import { ownUri } from './routing';
import { sameContact } from './location-service';
import type { B2bua, B2buaCall } from './b2bua';
import { bareDevice, isTargetDevice, referTarget, transferorControl } from './transfer-control';
import { joinReferTo } from './transfer-notifications';
import type { TransferRegistry } from './transfer-registry';
import { csSdp, type Device, type MpTransfer } from './transfer-model';

export class MediaPathTransfers {
  constructor(private readonly ctx: PfContext, private readonly registry: TransferRegistry, private readonly b2bua: B2bua) {}

  /** The CPM Session Transfer request: REFER in D1 from the transferor (5.2.5.1.1 ¶1-3). */
  refer(tx: ServerTransaction, call: B2buaCall): void {
    const req = tx.request;
    const d1 = call.in.dialog;
    // Stryker disable next-line ConditionalExpression,BlockStatement: equivalent: the B2BUA hands over only a REFER matched to a leg by its dialog (b2bua-transfer.ts request), and such a leg has its dialog
    if (!d1) {
      void tx.respond(createResponse(req, 481));
      return;
    }
    if (this.ctx.faults.has('trf-mp-refer-out-of-order-accepted')) {
      this.ctx.log(`${this.ctx.name}: fault trf-mp-refer-out-of-order-accepted: no CSeq check of ${describe(req)}`);
    } else if (!d1.receive(req)) {
      // Stryker disable next-line StringLiteral: the reason phrase is for the human user (RFC 3261 §7.2)
      void tx.respond(createResponse(req, 500, 'Out of Order'));
      return;
    }
    let targetUri: string | null;
    if (this.ctx.faults.has('trf-mp-refer-to-count-unchecked')) {
      targetUri = parseReferTo(headerValues(req, 'Refer-To')[0] ?? '')?.uri ?? null;
      this.ctx.log(`${this.ctx.name}: fault trf-mp-refer-to-count-unchecked: the first of ${headerValues(req, 'Refer-To').length} Refer-To values taken`);
    } else {
      targetUri = referTarget(tx);
    }
    // Stryker disable next-line ConditionalExpression: equivalent: referTarget already answered 400, and transferorControl throws on the null URI before anything else is sent (the guard logs it)
    if (targetUri === null) return;
    // Stryker disable next-line ConditionalExpression,BlockStatement: not constrained: a second transfer request while one is pending (the CRs say nothing; RFC 3515 §2.4.6 lets a dialog carry several REFERs), docs/mutation.md
    if (call.transferPending) {
      void tx.respond(createResponse(req, 491));
      return;
    }
    if (this.ctx.faults.has('trf-mp-refer-rejected')) {
      this.ctx.log(`${this.ctx.name}: fault trf-mp-refer-rejected: 488 to ${describe(req)}`);
      void tx.respond(createResponse(req, 488));
      return;
    }
    const aor = d1.remote.uri;
    // Stryker disable next-line StringLiteral: fault-only: the prefix names the faults of transferorControl that let a wrong target through
    const control = transferorControl(this.ctx, aor, targetUri, d1.remoteTarget, 'trf-mp');
    if (!control.ok) {
      this.ctx.log(`${this.ctx.name}: transfer to ${targetUri} refused ${control.status}`);
      void tx.respond(createResponse(req, control.status, control.reason));
      return;
    }
    const leg = call.in;
    const protocol = leg.protocol;
    const subscriber = { dialog: d1, protocol, alive: () => !leg.gone };
    const t = this.registry.create({ kind: 'mp', call, transferorLeg: leg }, { aor, device: control.device, subscriber, protocol });
    // Stryker disable next-line BooleanLiteral: not constrained: it marks the pending transfer for a second REFER (491) and for the transferor leaving before the Release Notification; the CRs say nothing of either (docs/mutation.md)
    call.transferPending = true;
    const accepted = createResponse(req, 202);
    // Stryker disable next-line StringLiteral: not constrained: a Contact in the 202 to a REFER inside D1 (no target refresh request, RFC 3261 §12.2; RFC 3515 asks none); see docs/mutation.md for the nameless header line
    addHeader(accepted, 'Contact', `<${ownUri(this.ctx.address, protocol)}>`);
    void tx.respond(accepted);
    this.ctx.log(`${this.ctx.name}: transfer ${t.id} of ${d1.callId} to ${control.device.contact} accepted`);
    // Stryker disable next-line StringLiteral: the sipfrag's reason phrase is for the human user (RFC 3261 §7.2)
    const trying = 'Trying';
    this.registry.notify(t, 'active', 100, trying, this.ctx.faults.has('trf-mp-notify-wrong-event'));
    if (this.ctx.faults.has('trf-mp-release-before-established')) {
      this.registry.releaseEarly(t, 'trf-mp-release-before-established');
    }
    if (this.ctx.faults.has('trf-mp-no-join')) {
      this.ctx.log(`${this.ctx.name}: fault trf-mp-no-join: no Session Join Notification`);
      return;
    }
    let contributionId: string | undefined;
    if (this.ctx.faults.has('trf-mp-join-contribution-id-changed')) {
      if (header(call.inviteTx.request, 'Contribution-ID')) {
        contributionId = randomUUID();
        this.ctx.log(`${this.ctx.name}: fault trf-mp-join-contribution-id-changed: Contribution-ID ${contributionId} in the Join Notification`);
      }
    }
    let joinAt = t.target;
    if (this.ctx.faults.has('trf-mp-join-wrong-device')) {
      joinAt = this.wrongJoinDevice(t, aor, d1.remoteTarget);
    }
    const referTo = joinReferTo(t, contributionId);
    // Stryker disable next-line ConditionalExpression: equivalent: joinReferTo has a D1 (the REFER came in it) and the session URI the registry made
    if (referTo) this.registry.lead(t, joinAt, `<${referTo}>`);
  }

  /** `trf-mp-join-wrong-device`: the device the Session Join Notification goes to instead of the target. */
  // Stryker disable all: fault-only: only trf-mp-join-wrong-device calls it, proven by the selftest
  private wrongJoinDevice(t: MpTransfer, aor: string, transferorContact: string): Device {
    const other = this.ctx.location.lookup(aor).find((b) => !sameContact(b.contact, t.target.contact) && !sameContact(b.contact, transferorContact));
    const control = other ? { ok: true as const, device: other } : bareDevice(transferorContact);
    const device = control.ok ? control.device : t.target;
    this.ctx.log(`${this.ctx.name}: fault trf-mp-join-wrong-device: Session Join Notification to ${device.contact}`);
    return device;
  }
  // Stryker restore all

  /** The target's CPM Session Invitation: INVITE to the session URI with Target-Dialog (5.2.5.1.1 ¶4-5). */
  invite(tx: ServerTransaction): void {
    const req = tx.request;
    const td = targetDialog(req);
    let t = td ? this.find(td) : undefined;
    if (this.ctx.faults.has('trf-mp-join-after-failure')) {
      if (td && !t) t = this.find(td, 'failed');
      this.ctx.log(`${this.ctx.name}: fault trf-mp-join-after-failure: ${describe(req)} for transfer ${t?.id ?? '(none)'} in state ${t?.state ?? '-'}`);
    }
    if (!this.joinable(t)) {
      this.ctx.log(`${this.ctx.name}: ${describe(req)}: no transfer under way for ${header(req, 'Target-Dialog') ?? '(no Target-Dialog)'}: 481`);
      void tx.respond(createResponse(req, 481));
      return;
    }
    const call = t.call;
    if (!isTargetDevice(this.ctx, req, t)) {
      if (this.ctx.faults.has('trf-mp-join-any-device')) {
        this.ctx.log(`${this.ctx.name}: fault trf-mp-join-any-device: ${describe(req)} joins though it is not from the transfer's target ${t.target.contact}`);
      } else {
        void tx.respond(createResponse(req, 403));
        return;
      }
    }
    if (this.ctx.faults.has('trf-mp-establish-rejected')) {
      this.ctx.log(`${this.ctx.name}: fault trf-mp-establish-rejected: 403 to ${describe(req)}`);
      void tx.respond(createResponse(req, 403));
      return;
    }
    let body: Buffer | undefined;
    let type = 'application/sdp';
    if (this.ctx.faults.has('trf-mp-leaves-media-path')) {
      if (call.answer) {
        this.ctx.log(`${this.ctx.name}: fault trf-mp-leaves-media-path: the transferee's SDP to the target`);
        body = call.answer.body;
        type = call.answer.contentType ?? type;
      }
    }
    if (this.ctx.faults.has('trf-mp-answer-without-content-type')) {
      this.ctx.log(`${this.ctx.name}: fault trf-mp-answer-without-content-type: an empty Content-Type on the SDP answer to ${describe(req)}`);
      type = '';
    }
    // 5.2.5.1.1 ¶5: the target's MSRP goes to a leg of ours, relayed to the transferee (msrp-relay.ts).
    // Stryker disable next-line OptionalChaining: equivalent: the reference's MSRP relay bridges every CPM session (each offers MSRP), so call.media is set
    body ??= call.media?.rejoin(req.body) ?? csSdp(this.ctx, req.body, t.id);
    t.joined = true;
    this.b2bua.join(call, tx, body, type, () => {
      this.reinviteTransferee(t, call, req.body);
      this.registry.acked(t);
    });
    this.ctx.log(`${this.ctx.name}: transfer ${t.id}: target joined the session (CS stays in the media path)`);
  }

  /**
   * `trf-mp-reinvite-transferee`: once the target joined (its ACK arrived), a re-INVITE (RFC 3261
   * §14) in the session's leg towards the transferee, offering our own MSRP a=path; 5.2.5.1.1
   * wants no signalling towards the transferee (SHOULD, TRF-MP-MEDIA).
   */
  // Stryker disable next-line BlockStatement: fault-only: the method holds only the trf-mp-reinvite-transferee branch
  private reinviteTransferee(t: MpTransfer, call: B2buaCall, offer: Buffer): void {
    if (this.ctx.faults.has('trf-mp-reinvite-transferee')) {
      this.ctx.log(`${this.ctx.name}: fault trf-mp-reinvite-transferee: re-INVITE towards the transferee on leg ${call.out.callId}`);
      if (!this.b2bua.reinvite(call, call.out, csSdp(this.ctx, offer, `${t.id}b`), 'application/sdp')) {
        this.ctx.log(`${this.ctx.name}: transfer ${t.id}: no re-INVITE possible on leg ${call.out.callId}`);
      }
    }
  }

  /**
   * PF control for the target (5.2.5.1.1 ¶4): its invitation names a transfer still under way
   * (`find` returns pending ones only), that no device joined yet, whose session is still up.
   */
  private joinable(t: MpTransfer | undefined): t is MpTransfer {
    return t !== undefined && !t.call.ended && (!t.joined || this.ctx.faults.has('trf-mp-join-twice'));
  }

  /** The transfer in this state (pending: under way) whose D1 the target's Target-Dialog names (either tag order, RFC 4538 §7). */
  private find(td: TargetDialog, state: MpTransfer['state'] = 'pending'): MpTransfer | undefined {
    for (const t of this.registry.all()) {
      // Stryker disable next-line ConditionalExpression: equivalent (→ false): a transfer of another kind (a pull) has no D1 an mp Target-Dialog names; its killed twin (→ true) goes with it
      if (t.kind !== 'mp') continue;
      if (t.state !== state) continue;
      const d1 = t.subscriber.dialog;
      // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: not constrained: the CS may know the transfer by its one-time session URI and not compare the Target-Dialog it embedded (docs/mutation.md)
      if (d1.callId === td.callId && [td.localTag, td.remoteTag].sort().join('\u0000') === [d1.localTag, d1.remoteTag].sort().join('\u0000')) return t;
    }
    return undefined;
  }
}
