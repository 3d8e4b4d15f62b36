/**
 * CPM Session transfer with the CS not in the media path (OMA CPM CR 5.2.5.1.2, proxy mode) at PF
 * A. The transferor A1 sends an out-of-dialog REFER to the CS transfer URI `sip:transfer@PF-A`
 * with `Target-Dialog` naming D (A1's tag local, B1's remote, RFC 4538), `Require: tdialog`. PF
 * control as for any transfer (transfer-control.ts), plus D must be a dialog PF A record-routed
 * whose caller is the transferor (481 unknown, 403 otherwise). 202 + NOTIFY 100 in that REFER's
 * dialog, then the Session replacement notification: REFER to A2 with `Refer-To: <B1 target?
 * Replaces=D&Require=replaces>`. A2's INVITE with Replaces is routed (Record-Route) towards B1
 * after PF control for the target (the device the transfer named). Once the new dialog's ACK
 * passed and A2 reported 200, the Release Notification goes to A1 (transfer-registry.ts); A1's BYE
 * in D is routed to B1 as any BYE.
 */
import { randomUUID } from 'node:crypto';
import type { SipRequest, SipResponse } from '../sip/message';
import { addHeader, header, removeHeader, setHeader } from '../sip/message';
import type { ServerTransaction } from '../sip/transaction/types';
import { Dialog } from '../sip/dialog';
import { createResponse } from '../sip/request-builder';
import { fromTag } from '../sip/headers/name-addr';
import { contacts } from '../sip/headers/contact';
import { requireTags } from '../sip/headers/option-tags';
import { newTag } from '../sip/ids';
import { describe, type PfContext } from './pf-context';
import { ownUri } from './routing';
import { aorKey } from './location-service';
import type { ReplacesDecision, StatefulProxy } from './proxy';
import type { ProxyDialog } from './proxy-dialogs';
import { isTargetDevice, psiRefer, transferorControl } from './transfer-control';
import { replacementReferTo } from './transfer-notifications';
import type { TransferRegistry } from './transfer-registry';
import { TRANSFER_USER, csSdp, rewritePath, uriOf, type NmpTransfer } from './transfer-model';

export class NotInMediaPathTransfers {
  constructor(private readonly ctx: PfContext, private readonly registry: TransferRegistry, private readonly proxy: StatefulProxy) {}

  /** The CPM Session Transfer request: out-of-dialog REFER to the CS transfer URI with Target-Dialog (5.2.5.1.2 ¶1-4). */
  refer(tx: ServerTransaction): void {
    const req = tx.request;
    const refer = psiRefer(tx);
    // Stryker disable next-line ConditionalExpression: equivalent: psiRefer already answered 400, and destructuring its null throws before anything else is sent (the guard logs it)
    if (!refer) return;
    const { targetUri, td } = refer;
    const d = this.proxy.dialogs.match(td.callId, td.localTag, td.remoteTag);
    if (!d) {
      if (this.ctx.faults.has('trf-nmp-unknown-session-accepted')) {
        this.ctx.log(`${this.ctx.name}: fault trf-nmp-unknown-session-accepted: 202 to ${describe(req)} naming no dialog`);
        void tx.respond(createResponse(req, 202, undefined, { toTag: newTag() }));
        return;
      }
      void tx.respond(createResponse(req, 481));
      return;
    }
    const from = uriOf(header(req, 'From'));
    // Stryker disable next-line ConditionalExpression,LogicalOperator: not constrained: which side of a session may transfer it, and by which tag order (docs/mutation.md)
    const transferorSide = d.callerTag === td.localTag && d.calleeTags.has(td.remoteTag);
    // Stryker disable next-line ConditionalExpression,LogicalOperator,BlockStatement: not constrained: a transfer request naming the session from another party than its caller (the CRs do not say who may transfer; docs/mutation.md)
    if (!transferorSide || !d.callerAor || !from || aorKey(from) !== aorKey(d.callerAor)) {
      this.ctx.log(`${this.ctx.name}: ${describe(req)}: ${from ?? '?'} is not the caller side of ${td.callId}: 403`);
      void tx.respond(createResponse(req, 403));
      return;
    }
    // Stryker disable next-line OptionalChaining,StringLiteral: equivalent: a dialog-creating REFER has a Contact (RFC 3261 §8.1.1.8); fault-only: the prefix names transferorControl's faults
    const control = transferorControl(this.ctx, d.callerAor, targetUri, contacts(req)[0]?.uri, 'trf-nmp');
    if (!control.ok) {
      this.ctx.log(`${this.ctx.name}: transfer to ${targetUri} refused ${control.status}`);
      void tx.respond(createResponse(req, control.status, control.reason));
      return;
    }
    const protocol = tx.inbound.flow.protocol;
    const tag = newTag();
    const dialog = Dialog.fromUas(req, tag, ownUri(this.ctx.address, protocol, TRANSFER_USER));
    const subscriber = { dialog, protocol, alive: () => true };
    const t = this.registry.create({ kind: 'nmp', dialog: d }, { aor: d.callerAor, device: control.device, subscriber, protocol });
    this.registry.subscribe(dialog, t);
    let acceptTag = tag;
    if (this.ctx.faults.has('trf-nmp-notify-outside-refer-dialog')) {
      acceptTag = newTag();
      this.ctx.log(`${this.ctx.name}: fault trf-nmp-notify-outside-refer-dialog: 202 with To tag ${acceptTag}, the NOTIFYs from ${tag}`);
    }
    const accepted = createResponse(req, 202, undefined, { toTag: acceptTag });
    if (this.ctx.faults.has('trf-nmp-accepted-without-contact')) {
      this.ctx.log(`${this.ctx.name}: fault trf-nmp-accepted-without-contact: no Contact in the 202`);
    } else {
      addHeader(accepted, 'Contact', `<${ownUri(this.ctx.address, protocol, TRANSFER_USER)}>`);
    }
    void tx.respond(accepted);
    this.ctx.log(`${this.ctx.name}: transfer ${t.id} of ${d.callId} to ${control.device.contact} accepted`);
    // Stryker disable next-line StringLiteral: the sipfrag's reason phrase is for the human user (RFC 3261 §7.2)
    const trying = 'Trying';
    this.registry.notify(t, 'active', 100, trying);
    if (this.ctx.faults.has('trf-nmp-release-before-confirmed')) {
      this.registry.releaseEarly(t, 'trf-nmp-release-before-confirmed');
    }
    if (this.ctx.faults.has('trf-nmp-no-replace-notification')) {
      this.ctx.log(`${this.ctx.name}: fault trf-nmp-no-replace-notification: no Session replacement notification`);
      return;
    }
    const referTo = replacementReferTo(d, td);
    // Stryker disable next-line ConditionalExpression: equivalent: D matched td's tags, so its callee target for td.remoteTag is known (replacementReferTo's undefined never happens)
    if (referTo) this.registry.lead(t, t.target, `<${referTo}>`);
  }

  /** The pending transfer of the record-routed dialog D, if any (a pending pull of D is matched first, transfer-pull.ts). */
  pendingOf(d: ProxyDialog): NmpTransfer | undefined {
    for (const t of this.registry.all()) {
      // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent (kind → false: a pending pull of D is matched before, transfer.ts) or not constrained (state → false: outside a pending transfer a Replaces INVITE naming D from the caller's user is a pull by INVITE, routed as well; docs/mutation.md); their killed twins (→ true) go with them
      if (t.kind !== 'nmp' || t.state !== 'pending') continue;
      if (t.dialog === d) return t;
    }
    return undefined;
  }

  /**
   * The target's CPM Session Invitation, an INVITE with Replaces naming D (5.2.5.1.2 ¶5): PF
   * control for the target (the device the transfer named), then routed to the transferee; the
   * transfer is confirmed when the new dialog's ACK passes.
   */
  targetInvite(tx: ServerTransaction, fwd: SipRequest, t: NmpTransfer): ReplacesDecision {
    const req = tx.request;
    if (!isTargetDevice(this.ctx, req, t)) {
      if (this.ctx.faults.has('trf-nmp-join-any-device')) {
        this.ctx.log(`${this.ctx.name}: fault trf-nmp-join-any-device: routing ${describe(req)} though it is not from the transfer's target ${t.target.contact}`);
      } else {
        return { reject: { status: 403 } };
      }
    }
    if (this.ctx.faults.has('trf-nmp-invite-answered-by-cs')) {
      this.ctx.log(`${this.ctx.name}: fault trf-nmp-invite-answered-by-cs: answering ${describe(req)} itself`);
      const protocol = tx.inbound.flow.protocol;
      const ok = createResponse(req, 200, undefined, { toTag: newTag() });
      addHeader(ok, 'Contact', `<${ownUri(this.ctx.address, protocol)}>`);
      setHeader(ok, 'Content-Type', 'application/sdp');
      ok.body = csSdp(this.ctx, req.body, t.id);
      void tx.respond(ok);
      t.acked = true;
      return { handled: true };
    }
    if (this.ctx.faults.has('trf-nmp-replaces-stripped')) {
      this.ctx.log(`${this.ctx.name}: fault trf-nmp-replaces-stripped: forwarding ${describe(req)} without Replaces`);
      removeHeader(fwd, 'Replaces');
      const rest = requireTags(fwd).filter((x) => x.toLowerCase() !== 'replaces');
      removeHeader(fwd, 'Require');
      if (rest.length > 0) addHeader(fwd, 'Require', rest.join(', '));
    }
    if (this.ctx.faults.has('trf-nmp-contribution-id-rewritten')) {
      if (header(fwd, 'Contribution-ID') !== undefined) {
        this.ctx.log(`${this.ctx.name}: fault trf-nmp-contribution-id-rewritten: new Contribution-ID on ${describe(req)}`);
        setHeader(fwd, 'Contribution-ID', randomUUID());
      }
    }
    if (this.ctx.faults.has('trf-nmp-cs-in-media-path')) {
      this.ctx.log(`${this.ctx.name}: fault trf-nmp-cs-in-media-path: rewriting a=path`);
      fwd.body = rewritePath(this.ctx, fwd.body, `${t.id}o`);
    }
    if (this.ctx.faults.has('trf-nmp-msrp-relay-inserted')) {
      // The CS's own relay before each device's a=path (msrp-path-relay.ts).
      const relay = this.ctx.msrpPathRelay;
      if (relay) fwd.body = relay.insert(fwd.body);
    }
    return {
      onDialog: (nd) => {
        nd.onConfirmed = () => this.registry.acked(t);
      },
      // Stryker disable next-line ArrowFunction: fault-only: answerFaults acts under trf-nmp-cs-in-media-path and trf-nmp-msrp-relay-inserted only
      onResponse: (res: SipResponse) => this.answerFaults(t, res),
    };
  }

  /** The transferee's 2xx on its way to the target, under the faults that put the CS in its media path. */
  // Stryker disable next-line BlockStatement: fault-only: the method holds only the two faults' branches
  private answerFaults(t: NmpTransfer, res: SipResponse): void {
    if (this.ctx.faults.has('trf-nmp-cs-in-media-path')) {
      if (res.status >= 200 && res.status < 300) res.body = rewritePath(this.ctx, res.body, `${t.id}a`);
    }
    if (this.ctx.faults.has('trf-nmp-msrp-relay-inserted')) {
      const relay = this.ctx.msrpPathRelay;
      if (relay && res.status >= 200 && res.status < 300) res.body = relay.insert(res.body);
    }
  }

  /** `trf-nmp-bye-not-routed`: the transferor's BYE in the transferred dialog answered here. */
  // Stryker disable next-line BlockStatement: equivalent: emptied, it returns undefined, which its caller reads as false (not handled here); the fault branch inside is the ignorer's
  transferredBye(tx: ServerTransaction, d: ProxyDialog): boolean {
    if (this.ctx.faults.has('trf-nmp-bye-not-routed')) {
      if (this.ctx.role === 'A' && fromTag(tx.request) === d.callerTag) {
        this.ctx.log(`${this.ctx.name}: fault trf-nmp-bye-not-routed: answering the transferor's BYE itself`);
        this.proxy.dialogs.remove(d);
        void tx.respond(createResponse(tx.request, 200));
        return true;
      }
    }
    return false;
  }
}
