/**
 * Remote (pull) transfer (OMA CPM CR 5.2.5.1 ¶1) at PF A: a device A2 takes over the session
 * another device A1 of the same user holds. PF A accepts both forms a client may use (the
 * binding's `pullMode`):
 * - INVITE with `Replaces` naming A1's dialog (RFC 3891). B2BUA mode: to PF A's contact of D1; PF
 *   A authorizes (same AoR, registered device, RFC 3891 §6; 481 no dialog, 403 otherwise), answers
 *   with its own SDP, bridges A2 to the transferee's legs and BYEs A1 once A2 ACKed (RFC 3891 §3;
 *   not under `trf-pull-old-dialog-left-up`). Proxy mode: routed to B1 when Replaces names a
 *   dialog PF A record-routed whose caller has A2's AoR (403 otherwise); B1 releases A1.
 * - REFER (RFC 3515) to the CS transfer URI `sip:transfer@PF-A` with `Target-Dialog` (RFC 4538)
 *   naming the held dialog D as A1 sees it (local-tag A1's tag; remote-tag PF A's tag on D1 in
 *   B2BUA mode, B1's in proxy mode), `Require: tdialog`, `Refer-To: <A2's Contact>`. It is a pull
 *   when the Refer-To is the REFER's own Contact and the sender is not the device holding D. PF
 *   control: 400 no Target-Dialog; 481 D is not a live dialog of the holder's side served here;
 *   491 a transfer of D is pending; 403 another user (`trf-pull-other-user-accepted` lets that
 *   device through); 480 the Refer-To is not a registered binding of the AoR; 403 the holder
 *   itself. Accepted: 202 and NOTIFY (active, sipfrag 100) in the REFER's dialog, then the flows of
 *   5.2.5.1.1 and 5.2.5.1.2 with the puller as both transferor and target: the Session Join
 *   Notification (B2BUA mode; A2's INVITE to SESSION-URI is bridged and A1 released on its ACK) or
 *   the Session replacement notification (proxy mode; A2's INVITE with Replaces is routed to B1).
 *   The final NOTIFY goes to A2 once its session is up and it reported it; a failure ends the
 *   subscription with that status and A1 keeps D (transfer-registry.ts).
 */
import { randomUUID } from 'node:crypto';
import type { SipRequest } from '../sip/message';
import { addHeader, header, headerValues } from '../sip/message';
import type { ServerTransaction } from '../sip/transaction/types';
import { Dialog } from '../sip/dialog';
import { createResponse } from '../sip/request-builder';
import { contacts } from '../sip/headers/contact';
import { parseReferTo } from '../sip/headers/refer-to';
import { replaces, targetDialog, type TargetDialog } from '../sip/headers/dialog-id';
import { newTag } from '../sip/ids';
import { describe, type PfContext } from './pf-context';
import { ownUri } from './routing';
import { aorKey, sameContact } from './location-service';
import type { B2bua, B2buaCall } from './b2bua';
import type { Leg } from './b2bua-call';
import type { ReplacesDecision, StatefulProxy } from './proxy';
import type { ProxyDialog } from './proxy-dialogs';
import { bareDevice, isTargetDevice, psiRefer, transferorControl } from './transfer-control';
import { joinReferTo, replacementReferTo } from './transfer-notifications';
import type { TransferRegistry } from './transfer-registry';
import { TRANSFER_USER, csSdp, uriOf, type Control, type MpTransfer, type Transfer, type TransferKind } from './transfer-model';

/** The dialog D a pull names, as PF A serves it: B2BUA mode the session whose incoming leg is D1, proxy mode the record-routed D. */
type Held = {
  td: TargetDialog;
  /** The holder's AoR. */
  aor: string;
  /** The holder's contact, when known (the device that may not pull onto itself). */
  holder?: string;
} & ({ call: B2buaCall; dialog?: undefined } | { call?: undefined; dialog: ProxyDialog });

function sameTags(td: TargetDialog, d: Dialog): boolean {
  // Stryker disable next-line ConditionalExpression,LogicalOperator: not constrained: the CS may know the pull by its one-time session URI and not compare the Target-Dialog it embedded (as transfer-mp.ts find, docs/mutation.md); the killed → false twin goes with them
  return td.callId === d.callId && [td.localTag, td.remoteTag].sort().join('\u0000') === [d.localTag, d.remoteTag].sort().join('\u0000');
}

export class RemotePull {
  constructor(private readonly ctx: PfContext, private readonly registry: TransferRegistry, private readonly b2bua: B2bua, private readonly proxy: StatefulProxy) {}

  /**
   * A REFER to the transfer URI is a pull when its Refer-To is its own Contact (or its own GRUU,
   * RFC 5627 §6) and its sender does not hold D.
   */
  isPull(req: SipRequest): boolean {
    const values = headerValues(req, 'Refer-To');
    const named = values.length === 1 ? parseReferTo(values[0])?.uri : undefined;
    const target = named === undefined ? undefined : this.ctx.location.resolveGruu(named)?.contact ?? named;
    // Stryker disable next-line OptionalChaining: equivalent: a dialog-creating REFER has a Contact (RFC 3261 §8.1.1.8)
    const contact = contacts(req)[0]?.uri;
    // Stryker disable next-line ConditionalExpression,LogicalOperator: not constrained: a REFER to the transfer URI whose Refer-To is not its sender taken as a pull: in proxy mode pull and transfer coincide on the wire (the same PF control, transferorControl, and replacement notification), in B2BUA mode it is an out-of-dialog transfer request (transfer.ts, not constrained); the killed → true twin goes with them
    if (!target || !contact || !sameContact(target, contact)) {
      // Stryker disable next-line BooleanLiteral: not constrained, as above (every REFER to the transfer URI taken as a pull)
      return false;
    }
    const td = targetDialog(req);
    const holder = td ? this.held(td)?.holder : undefined;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: the holder's REFER naming itself, as a pull or as a transfer, is refused 403 by the same transferorControl (proxy; in B2BUA mode 403 or the out-of-dialog 481, both refusals), and with no held dialog the pull and the transfer path both answer 481; killed twins go with them
    return holder === undefined || !sameContact(holder, contact);
  }

  /** The pull request: PF control, 202 + NOTIFY 100, then the REFER leading the puller into the session. */
  refer(tx: ServerTransaction): void {
    const req = tx.request;
    const refer = psiRefer(tx);
    // Stryker disable next-line ConditionalExpression: equivalent: psiRefer already answered 400, and destructuring its null throws before anything else is sent (the guard logs it)
    if (!refer) return;
    const { targetUri, td } = refer;
    const held = this.held(td);
    if (!held) {
      this.ctx.log(`${this.ctx.name}: pull ${describe(req)}: ${header(req, 'Target-Dialog') ?? ''} is no held dialog of ours: 481`);
      if (this.ctx.faults.has('trf-pull-unknown-session-accepted')) {
        void tx.respond(createResponse(req, 202, undefined, { toTag: newTag() }));
      } else {
        void tx.respond(createResponse(req, 481));
      }
      return;
    }
    // Stryker disable next-line ConditionalExpression,BlockStatement: not constrained: a pull while a transfer of D is pending (491; the CRs describe one transfer at a time, RFC 3515 §2.4.6 allows several REFERs), docs/mutation.md
    if (this.pending(held)) {
      void tx.respond(createResponse(req, 491));
      return;
    }
    const from = uriOf(header(req, 'From'));
    const other = this.otherUserAccepted(held, from, targetUri);
    // PF control for the requester (5.2.5.1.1 ¶2, 5.2.5.1.2 ¶3 with the puller as transferor and target): the
    // Refer-To of a pull is its sender's own Contact, so transferorControl's test of the target is the test of
    // the requester: another user's device 403, an unregistered one 480, the holder itself 403.
    // Stryker disable next-line StringLiteral: fault-only: the prefix names the faults of transferorControl that let a wrong target through
    const control = other?.control ?? transferorControl(this.ctx, held.aor, targetUri, held.holder, 'trf-nmp');
    if (!control.ok) {
      this.ctx.log(`${this.ctx.name}: pull by ${from ?? '?'} / ${targetUri} of a session of ${held.aor} refused ${control.status}`);
      void tx.respond(createResponse(req, control.status, control.reason));
      return;
    }
    const protocol = tx.inbound.flow.protocol;
    const tag = newTag();
    const own = ownUri(this.ctx.address, protocol, TRANSFER_USER);
    const dialog = Dialog.fromUas(req, tag, own);
    const kind: TransferKind = held.call ? { kind: 'mp', call: held.call, transferorLeg: held.call.in } : { kind: 'nmp', dialog: held.dialog };
    const subscriber = { dialog, protocol, alive: () => true };
    const t = this.registry.create(kind, { aor: other?.aor ?? held.aor, device: control.device, subscriber, protocol, pull: true });
    // Stryker disable next-line ConditionalExpression,BooleanLiteral: not constrained: it marks the pull pending for a transfer request in D1 (491) and an INVITE with Replaces (481) meanwhile; the CRs say nothing of either (docs/mutation.md); the killed → true twin goes with them
    if (held.call) held.call.transferPending = true;
    this.registry.subscribe(dialog, t);
    let replyTag = tag;
    if (this.ctx.faults.has('trf-pull-notify-outside-refer-dialog')) {
      this.ctx.log(`${this.ctx.name}: fault trf-pull-notify-outside-refer-dialog: a 202 To tag the NOTIFYs do not use`);
      replyTag = newTag();
    }
    // RFC 3515 §2.4.4: the 202 creates the dialog of the refer subscription (To tag, Contact: RFC 3261 §12.1.1).
    const accepted = createResponse(req, 202, undefined, { toTag: replyTag });
    if (this.ctx.faults.has('trf-pull-accepted-without-contact')) {
      this.ctx.log(`${this.ctx.name}: fault trf-pull-accepted-without-contact: a 202 without Contact`);
    } else {
      addHeader(accepted, 'Contact', `<${own}>`);
    }
    void tx.respond(accepted);
    this.ctx.log(`${this.ctx.name}: pull ${t.id} of ${td.callId} by ${control.device.contact} accepted`);
    this.registry.notify(t, 'active', 100,
      // Stryker disable next-line StringLiteral: the sipfrag's reason phrase is for the human user (RFC 3261 §7.2)
      'Trying');
    const referTo = t.kind === 'mp' ? joinReferTo(t) : replacementReferTo(t.dialog, td);
    // Stryker disable next-line ConditionalExpression: equivalent: held() matched td, so joinReferTo has D1 and the session URI and replacementReferTo D's callee target; the killed → false twin goes with it
    if (referTo) this.registry.lead(t, control.device, `<${referTo}>`);
  }

  /** B2BUA mode: the puller's INVITE to the pull's session URI (`t` is that pull). */
  join(tx: ServerTransaction, t: Transfer): void {
    const req = tx.request;
    // Stryker disable next-line ConditionalExpression: not constrained (the Target-Dialog compared, see sameTags) or equivalent (only an mp pull has a session URI, and its D1 a dialog); the killed → true twin goes with it
    if (!this.namesHeld(req, t)) {
      this.ctx.log(`${this.ctx.name}: ${describe(req)}: not the pull's dialog (${header(req, 'Target-Dialog') ?? 'no Target-Dialog'}): 481`);
      void tx.respond(createResponse(req, 481));
      return;
    }
    // Once: a second invitation of the puller, or one after the pull ended, joins nothing (TC-TRF-PULL-04).
    if (t.state !== 'pending' || (t.joined && !this.ctx.faults.has('trf-pull-join-twice')) || t.call.ended) {
      this.ctx.log(`${this.ctx.name}: ${describe(req)}: no pull under way for it: 481`);
      void tx.respond(createResponse(req, 481));
      return;
    }
    if (!isTargetDevice(this.ctx, req, t)) {
      if (this.ctx.faults.has('trf-pull-join-any-device')) {
        this.ctx.log(`${this.ctx.name}: fault trf-pull-join-any-device: ${describe(req)} joins though it is not the device the pull named`);
      } else {
        void tx.respond(createResponse(req, 403));
        return;
      }
    }
    t.joined = true;
    // The puller's MSRP goes to a leg of ours, relayed to the far end (msrp-relay.ts, 5.2.5.1.1 ¶5).
    // Stryker disable next-line OptionalChaining: equivalent: the reference's MSRP relay bridges every CPM session (each offers MSRP), so call.media is set
    const { old } = this.b2bua.join(t.call, tx, t.call.media?.rejoin(req.body) ?? csSdp(this.ctx, req.body, t.id), this.answerType(), () => {
      this.releaseReplaced(old);
      this.registry.acked(t);
    });
    this.ctx.log(`${this.ctx.name}: pull ${t.id}: ${describe(req)} joined the session of leg ${old.callId}`);
  }

  /**
   * Proxy mode, PF A: an INVITE with Replaces naming the D of a pending pull: PF control for the
   * target (the device the pull named), then routed; undefined when no pull concerns it.
   */
  // Stryker disable all: equivalent with no fault on: undefined here, transfer.ts replacesInvite finds the same pending pull (nmp pendingOf) and NotInMediaPathTransfers.targetInvite decides as below (403 to another device, acked on the ACK); this path keeps the trf-nmp-* faults off pulls. Only the PF control for the target below is left in (TC-TRF-PULL-04)
  replacesInvite(tx: ServerTransaction): ReplacesDecision | undefined {
    if (this.ctx.role !== 'A') return undefined;
    const rep = replaces(tx.request);
    const d = rep ? this.proxy.dialogs.match(rep.callId, rep.fromTag, rep.toTag) : undefined;
    if (!rep || !d || d.callerTag !== rep.fromTag) return undefined;
    const t = [...this.registry.all()].find((x) => x.pull && x.kind === 'nmp' && x.dialog === d && x.state === 'pending');
    if (!t) return undefined;
    // Stryker restore all
    if (!isTargetDevice(this.ctx, tx.request, t)) {
      if (this.ctx.faults.has('trf-pull-join-any-device')) {
        this.ctx.log(`${this.ctx.name}: fault trf-pull-join-any-device: routing ${describe(tx.request)} though it is not the device the pull named`);
      } else {
        return { reject: { status: 403 } };
      }
    }
    return {
      onDialog: (nd) => {
        nd.onConfirmed = () => this.registry.acked(t);
      },
    };
  }

  /** Proxy mode, PF A: an INVITE with Replaces naming D, no transfer of D pending: a pull, routed for the caller's own user only (RFC 3891 §6). */
  proxyReplaces(req: SipRequest, d: ProxyDialog): ReplacesDecision {
    const from = uriOf(header(req, 'From'));
    const callerAor = d.callerAor;
    // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent: an INVITE has a From (RFC 3261 §8.1.1), and PF A knows the caller's AoR of every dialog it record-routed
    const known = from !== undefined && callerAor !== undefined;
    const sameUser = known && aorKey(from) === aorKey(callerAor);
    if (!sameUser) {
      if (this.ctx.faults.has('trf-pull-other-user-accepted')) {
        this.ctx.log(`${this.ctx.name}: fault trf-pull-other-user-accepted: routing a pull by ${from ?? '?'}`);
      } else {
        return { reject: { status: 403 } };
      }
    }
    return {};
  }

  /** B2BUA mode: an INVITE with Replaces naming a dialog of ours with a device: authorize, answer, bridge, release the old one. */
  b2buaReplaces(tx: ServerTransaction): void {
    const req = tx.request;
    const rep = replaces(req);
    if (!rep) {
      // Stryker disable next-line StringLiteral: the reason phrase is for the human user (RFC 3261 §7.2)
      void tx.respond(createResponse(req, 400, 'Bad Replaces'));
      return;
    }
    const call = this.b2bua.findIncoming(rep.callId, rep.toTag, rep.fromTag);
    const d1 = call?.in.dialog;
    if (!call || !d1 || call.transferPending) {
      void tx.respond(createResponse(req, 481));
      return;
    }
    const aor = d1.remote.uri;
    const from = uriOf(header(req, 'From'));
    // Stryker disable next-line OptionalChaining: equivalent: an INVITE always has a Contact (RFC 3261 §8.1.1.8)
    const contact = contacts(req)[0]?.uri;
    const device = contact ? this.ctx.location.lookup(aor).find((b) => sameContact(b.contact, contact)) : undefined;
    // Either test alone refuses every other user's device (TC-TRF-PULL-02); which of a same-user device
    // with no binding, or a From naming the user on a binding of the user, may pull is not constrained.
    // Stryker disable next-line ConditionalExpression,LogicalOperator: not constrained (docs/mutation.md): the authorization policy RFC 3891 §6 leaves to the UAS; killed twins (→ true / false of the whole) go with them
    const allowed = from !== undefined && aorKey(from) === aorKey(aor) && device !== undefined;
    if (!allowed) {
      if (this.ctx.faults.has('trf-pull-other-user-accepted')) {
        this.ctx.log(`${this.ctx.name}: fault trf-pull-other-user-accepted: accepting a pull by ${from ?? '?'}`);
      } else {
        this.ctx.log(`${this.ctx.name}: pull by ${from ?? '?'} / ${contact ?? '?'} of a session of ${aor}: 403`);
        void tx.respond(createResponse(req, 403));
        return;
      }
    }
    if (rep.earlyOnly) {
      void tx.respond(createResponse(req, 486));
      return;
    }
    // Stryker disable next-line OptionalChaining,MethodExpression: equivalent: the reference's MSRP relay bridges every CPM session, so call.media is set (csSdp and its tag never run)
    const { old } = this.b2bua.join(call, tx, call.media?.rejoin(req.body) ?? csSdp(this.ctx, req.body, randomUUID().slice(0, 8)), this.answerType(), () => {
      this.releaseReplaced(old);
    });
    this.ctx.log(`${this.ctx.name}: ${describe(req)} pulled the session of leg ${old.callId}`);
  }

  /**
   * `trf-pull-other-user-accepted`: a device of another user taken as the pull's target, its From as the
   * transferor's AoR. Undefined without the fault: PF control is transferorControl's (refer()).
   */
  // Stryker disable next-line BlockStatement: fault-only: the method holds only that fault's branch
  private otherUserAccepted(held: Held, from: string | undefined, targetUri: string): { control: Control; aor: string } | undefined {
    if (this.ctx.faults.has('trf-pull-other-user-accepted')) {
      if (from !== undefined && aorKey(from) !== aorKey(held.aor)) {
        this.ctx.log(`${this.ctx.name}: fault trf-pull-other-user-accepted: accepting a pull by ${from}`);
        const registered = this.ctx.location.resolveGruu(targetUri) ?? this.ctx.location.findByContact(targetUri);
        if (registered) return { control: { ok: true, device: registered }, aor: from };
        const bare = bareDevice(targetUri);
        return { control: bare.ok ? bare : { ok: false, status: 400, reason: 'Bad Refer-To' }, aor: from };
      }
    }
    return undefined;
  }

  /** The Content-Type of the CS's SDP answer to the puller: RFC 3261 §20.15, a body needs one. */
  private answerType(): string {
    if (this.ctx.faults.has('trf-pull-answer-without-content-type')) {
      this.ctx.log(`${this.ctx.name}: fault trf-pull-answer-without-content-type: an empty Content-Type on the SDP answer`);
      return '';
    }
    return 'application/sdp';
  }

  /** Once the puller ACKed: the replaced dialog released (RFC 3891 §3), unless `trf-pull-old-dialog-left-up`. */
  private releaseReplaced(old: Leg): void {
    if (this.ctx.faults.has('trf-pull-old-dialog-left-up')) {
      this.ctx.log(`${this.ctx.name}: fault trf-pull-old-dialog-left-up: no BYE on the replaced dialog`);
    } else {
      this.b2bua.releaseLeg(old);
    }
  }

  /** B2BUA mode: the pull's invitation names D1 by its Target-Dialog (either tag order, RFC 4538 §7). */
  // Stryker disable all: not constrained (whether the Target-Dialog is compared, see sameTags) or equivalent (only an mp pull has a session URI, and its D1 a dialog); killed twins go with them
  private namesHeld(req: SipRequest, t: Transfer): t is MpTransfer {
    const td = targetDialog(req);
    const d1 = t.kind === 'mp' ? t.transferorLeg.dialog : undefined;
    return t.kind === 'mp' && td !== null && td !== undefined && d1 !== undefined && sameTags(td, d1);
  }

  // Stryker disable all: not constrained: a pull while a transfer of D is pending (the 491 of refer(); the CRs describe one transfer at a time, RFC 3515 §2.4.6 allows several REFERs, docs/mutation.md); the killed → true twins (every pull 491) go with them
  private pending(held: Held): boolean {
    if (held.call) return held.call.transferPending === true;
    return [...this.registry.all()].some((t) => t.kind === 'nmp' && t.dialog === held.dialog && t.state === 'pending');
  }
  // Stryker restore all

  /** D as PF A serves the holder's side: B2BUA the incoming leg D1 of a session, proxy a record-routed dialog whose caller holds it. */
  private held(td: TargetDialog): Held | undefined {
    if (this.ctx.mode === 'b2bua') {
      const call = this.b2bua.findIncoming(td.callId, td.remoteTag, td.localTag);
      const d1 = call?.in.dialog;
      // Stryker disable next-line LogicalOperator: equivalent: a call found always has its incoming dialog (call || d1 is falsy exactly when call is)
      return call && d1 ? { td, aor: d1.remote.uri, holder: d1.remoteTarget, call } : undefined;
    }
    const d = this.proxy.dialogs.match(td.callId, td.localTag, td.remoteTag);
    if (!d || d.callerTag !== td.localTag || !d.calleeTags.has(td.remoteTag) || !d.callerAor) return undefined;
    return { td, aor: d.callerAor, holder: d.callerTarget, dialog: d };
  }

}
