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
import type { ReplacesDecision, StatefulProxy } from './proxy';
import type { ProxyDialog } from './proxy-dialogs';
import { bareDevice, isTargetDevice, psiRefer, transferorControl } from './transfer-control';
import { joinReferTo, replacementReferTo } from './transfer-notifications';
import type { TransferRegistry } from './transfer-registry';
import { TRANSFER_USER, csSdp, uriOf, type Control, type Transfer, type TransferKind } from './transfer-model';

/** The dialog D a pull names, as PF A serves it: B2BUA mode the session whose incoming leg is D1, proxy mode the record-routed D. */
type Held = {
  td: TargetDialog;
  /** The holder's AoR. */
  aor: string;
  /** The holder's contact, when known (the device that may not pull onto itself). */
  holder?: string;
} & ({ call: B2buaCall; dialog?: undefined } | { call?: undefined; dialog: ProxyDialog });

function sameTags(td: TargetDialog, d: Dialog): boolean {
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
    const contact = contacts(req)[0]?.uri;
    if (!target || !contact || !sameContact(target, contact)) return false;
    const td = targetDialog(req);
    const holder = td ? this.held(td)?.holder : undefined;
    return holder === undefined || !sameContact(holder, contact);
  }

  /** The pull request: PF control, 202 + NOTIFY 100, then the REFER leading the puller into the session. */
  refer(tx: ServerTransaction): void {
    const req = tx.request;
    const refer = psiRefer(tx);
    if (!refer) return;
    const { targetUri, td } = refer;
    const held = this.held(td);
    if (!held) {
      this.ctx.log(`${this.ctx.name}: pull ${describe(req)}: ${header(req, 'Target-Dialog') ?? ''} is no held dialog of ours: 481`);
      void tx.respond(createResponse(req, 481));
      return;
    }
    if (this.pending(held)) {
      void tx.respond(createResponse(req, 491));
      return;
    }
    const from = uriOf(header(req, 'From'));
    const sameUser = from !== undefined && aorKey(from) === aorKey(held.aor);
    const control = this.requesterControl(held, from, sameUser, targetUri);
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
    const t = this.registry.create(kind, { aor: sameUser || !from ? held.aor : from, device: control.device, subscriber, protocol, pull: true });
    if (held.call) held.call.transferPending = true;
    this.registry.subscribe(dialog, t);
    const accepted = createResponse(req, 202, undefined, { toTag: tag });
    addHeader(accepted, 'Contact', `<${own}>`);
    void tx.respond(accepted);
    this.ctx.log(`${this.ctx.name}: pull ${t.id} of ${td.callId} by ${control.device.contact} accepted`);
    this.registry.notify(t, 'active', 100, 'Trying');
    const referTo = t.kind === 'mp' ? joinReferTo(t) : replacementReferTo(t.dialog, td);
    if (referTo) this.registry.lead(t, control.device, `<${referTo}>`);
  }

  /** B2BUA mode: the puller's INVITE to the pull's session URI (`t` is that pull). */
  join(tx: ServerTransaction, t: Transfer): void {
    const req = tx.request;
    const td = targetDialog(req);
    const d1 = t.kind === 'mp' ? t.transferorLeg.dialog : undefined;
    if (t.kind !== 'mp' || !td || !d1 || !sameTags(td, d1) || t.state !== 'pending' || t.joined || t.call.ended) {
      this.ctx.log(`${this.ctx.name}: ${describe(req)}: not the pull's dialog (${header(req, 'Target-Dialog') ?? 'no Target-Dialog'}) or no pull under way: 481`);
      void tx.respond(createResponse(req, 481));
      return;
    }
    if (!isTargetDevice(this.ctx, req, t)) {
      void tx.respond(createResponse(req, 403));
      return;
    }
    t.joined = true;
    const leaveUp = this.ctx.faults.has('trf-pull-old-dialog-left-up');
    // The puller's MSRP goes to a leg of ours, relayed to the far end (msrp-relay.ts, 5.2.5.1.1 ¶5).
    const { old } = this.b2bua.join(t.call, tx, t.call.media?.rejoin(req.body) ?? csSdp(this.ctx, req.body, t.id), 'application/sdp', () => {
      if (leaveUp) this.ctx.log(`${this.ctx.name}: fault trf-pull-old-dialog-left-up: no BYE on the replaced dialog`);
      else this.b2bua.releaseLeg(old);
      this.registry.acked(t);
    });
    this.ctx.log(`${this.ctx.name}: pull ${t.id}: ${describe(req)} joined the session of leg ${old.callId}`);
  }

  /**
   * Proxy mode, PF A: an INVITE with Replaces naming the D of a pending pull: PF control for the
   * target (the device the pull named), then routed; undefined when no pull concerns it.
   */
  replacesInvite(tx: ServerTransaction): ReplacesDecision | undefined {
    if (this.ctx.role !== 'A') return undefined;
    const rep = replaces(tx.request);
    const d = rep ? this.proxy.dialogs.match(rep.callId, rep.fromTag, rep.toTag) : undefined;
    if (!rep || !d || d.callerTag !== rep.fromTag) return undefined;
    const t = [...this.registry.all()].find((x) => x.pull && x.kind === 'nmp' && x.dialog === d && x.state === 'pending');
    if (!t) return undefined;
    if (!isTargetDevice(this.ctx, tx.request, t)) return { reject: { status: 403 } };
    return {
      onDialog: (nd) => {
        nd.onConfirmed = () => this.registry.acked(t);
      },
    };
  }

  /** Proxy mode, PF A: an INVITE with Replaces naming D, no transfer of D pending: a pull, routed for the caller's own user only (RFC 3891 §6). */
  proxyReplaces(req: SipRequest, d: ProxyDialog): ReplacesDecision {
    const from = uriOf(header(req, 'From'));
    const sameUser = from !== undefined && d.callerAor !== undefined && aorKey(from) === aorKey(d.callerAor);
    if (!sameUser && !this.ctx.faults.has('trf-pull-other-user-accepted')) return { reject: { status: 403 } };
    if (!sameUser) this.ctx.log(`${this.ctx.name}: fault trf-pull-other-user-accepted: routing a pull by ${from ?? '?'}`);
    return {};
  }

  /** B2BUA mode: an INVITE with Replaces naming a dialog of ours with a device: authorize, answer, bridge, release the old one. */
  b2buaReplaces(tx: ServerTransaction): void {
    const req = tx.request;
    const rep = replaces(req);
    if (!rep) {
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
    const contact = contacts(req)[0]?.uri;
    const device = contact ? this.ctx.location.lookup(aor).find((b) => sameContact(b.contact, contact)) : undefined;
    const allowed = from !== undefined && aorKey(from) === aorKey(aor) && device !== undefined;
    if (!allowed) {
      if (!this.ctx.faults.has('trf-pull-other-user-accepted')) {
        this.ctx.log(`${this.ctx.name}: pull by ${from ?? '?'} / ${contact ?? '?'} of a session of ${aor}: 403`);
        void tx.respond(createResponse(req, 403));
        return;
      }
      this.ctx.log(`${this.ctx.name}: fault trf-pull-other-user-accepted: accepting a pull by ${from ?? '?'}`);
    }
    if (rep.earlyOnly) {
      void tx.respond(createResponse(req, 486));
      return;
    }
    const leaveUp = this.ctx.faults.has('trf-pull-old-dialog-left-up');
    const { old } = this.b2bua.join(call, tx, call.media?.rejoin(req.body) ?? csSdp(this.ctx, req.body, randomUUID().slice(0, 8)), 'application/sdp', () => {
      if (leaveUp) this.ctx.log(`${this.ctx.name}: fault trf-pull-old-dialog-left-up: no BYE on the replaced dialog`);
      else this.b2bua.releaseLeg(old);
    });
    this.ctx.log(`${this.ctx.name}: ${describe(req)} pulled the session of leg ${old.callId}`);
  }

  /** PF control for the requester (5.2.5.1 "if allowed"): the holder's user, pulling onto one of its registered devices. */
  private requesterControl(held: Held, from: string | undefined, sameUser: boolean, targetUri: string): Control {
    const registered = this.ctx.location.resolveGruu(targetUri) ?? this.ctx.location.findByContact(targetUri);
    if (!sameUser) {
      if (!from || !this.ctx.faults.has('trf-pull-other-user-accepted')) return { ok: false, status: 403, reason: 'Forbidden' };
      this.ctx.log(`${this.ctx.name}: fault trf-pull-other-user-accepted: accepting a pull by ${from}`);
      if (registered) return { ok: true, device: registered };
      const bare = bareDevice(targetUri);
      return bare.ok ? bare : { ok: false, status: 400, reason: 'Bad Refer-To' };
    }
    // A contact registered to another AoR is another user's device, whatever the REFER's From says.
    if (registered && aorKey(registered.aor) !== aorKey(held.aor)) return { ok: false, status: 403, reason: 'Forbidden' };
    return transferorControl(this.ctx, held.aor, targetUri, held.holder, 'trf-nmp');
  }

  /** D as PF A serves the holder's side: B2BUA the incoming leg D1 of a session, proxy a record-routed dialog whose caller holds it. */
  private held(td: TargetDialog): Held | undefined {
    if (this.ctx.mode === 'b2bua') {
      const call = this.b2bua.findIncoming(td.callId, td.remoteTag, td.localTag);
      const d1 = call?.in.dialog;
      return call && d1 ? { td, aor: d1.remote.uri, holder: d1.remoteTarget, call } : undefined;
    }
    const d = this.proxy.dialogs.match(td.callId, td.localTag, td.remoteTag);
    if (!d || d.callerTag !== td.localTag || !d.calleeTags.has(td.remoteTag) || !d.callerAor) return undefined;
    return { td, aor: d.callerAor, holder: d.callerTarget, dialog: d };
  }

  private pending(held: Held): boolean {
    if (held.call) return held.call.transferPending === true;
    return [...this.registry.all()].some((t) => t.kind === 'nmp' && t.dialog === held.dialog && t.state === 'pending');
  }
}
