/**
 * Remote (pull) transfer by REFER to the CS transfer URI (OMA CPM CR 5.2.5.1 ¶1; design §2,
 * binding `pullMode: refer-to-psi`) at PF A. It mirrors the session-transfer flows of 5.2.5.1.1
 * and 5.2.5.1.2 with the puller as both requester and target; the transfer state, subscriptions
 * and notifications are TransferService's (transfer.ts), this file holds what only the pull does.
 *
 * A2 sends an out-of-dialog REFER (RFC 3515) to `sip:transfer@PF-A` with `Target-Dialog` (RFC
 * 4538) naming the held dialog D as its holder A1 sees it (local-tag A1's tag; remote-tag PF A's
 * tag on D1 in B2BUA mode, B1's in proxy mode), `Require: tdialog`, `Refer-To: <A2's Contact>`. It
 * is a pull when the Refer-To is the REFER's own Contact and the sender is not the device holding D.
 * PF control: 400 no Target-Dialog; 481 D is not a live dialog of the holder's side served here;
 * 491 a transfer of D is pending; 403 another user (`trf-pull-other-user-accepted` lets that device
 * through); 480 the Refer-To is not a registered binding of the AoR; 403 the holder itself.
 * Accepted: 202 and NOTIFY (active, sipfrag 100) in the REFER's dialog. The CS then leads A2 into
 * the session with a REFER through A2's Path:
 * - B2BUA mode: the Session Join Notification `Refer-To: <SESSION-URI?Target-Dialog=D1&...>`. A2's
 *   INVITE to SESSION-URI gets PF control for the target (481 not this pull's D1, 403 not the
 *   device the pull named), 200 with the CS's own a=path, and is bridged to the transferee's legs;
 *   on its ACK PF A releases A1 with a BYE on D1 (as for a replaced dialog, RFC 3891 §3; not under
 *   `trf-pull-old-dialog-left-up`).
 * - Proxy mode: the Session replacement notification `Refer-To: <B1?Replaces=D&Require=replaces>`.
 *   A2's INVITE with Replaces is routed to B1 after PF control for the target; B1 releases A1.
 * Once A2's new session is up (ACK) and A2 reported it (NOTIFY terminated, sipfrag 200), the final
 * NOTIFY (terminated, sipfrag 200) goes to A2 in the pull REFER's dialog; a failure (the REFER
 * declined, a failure sipfrag, nothing within 64*T1) ends it with that status and A1 keeps D.
 */
import type { SipRequest } from '../sip/message';
import { addHeader, header, headerValues } from '../sip/message';
import type { TransportProtocol } from '../sip/transport/address';
import type { ServerTransaction } from '../sip/transaction/types';
import { Dialog } from '../sip/dialog';
import { createResponse } from '../sip/request-builder';
import { parseNameAddr } from '../sip/headers/name-addr';
import { contacts } from '../sip/headers/contact';
import { parseReferTo } from '../sip/headers/refer-to';
import { formatReplaces, formatTargetDialog, replaces, targetDialog, type TargetDialog } from '../sip/headers/dialog-id';
import { newTag } from '../sip/ids';
import { formatUri, parseUri } from '../sip/uri';
import { describe, type PfContext } from './pf-context';
import { uriTarget } from './routing';
import { aorKey, sameContact } from './location-service';
import type { B2bua, B2buaCall } from './b2bua';
import type { ReplacesDecision, StatefulProxy } from './proxy';
import type { ProxyDialog } from './proxy-dialogs';
import type { Control, Subscriber, Transfer, Device } from './transfer';

/** What the pull uses of TransferService: its PF control, transfer records, subscriptions and notifications. */
export interface PullHost {
  /** Exactly one Refer-To with a URI; null after answering 400. */
  referTarget(tx: ServerTransaction): string | null;
  /** PF control for the requester: the Refer-To must be another registered device of `aor` (403 `holder` itself, 480). */
  control(aor: string, targetUri: string, holder: string | undefined): Control;
  newTransfer(kind: 'mp' | 'nmp', aor: string, device: Device, subscriber: Subscriber, protocol: TransportProtocol): Transfer;
  /** In-dialog requests of this dialog (PF A its UAS) are the requester's, in its subscription. */
  subscribe(dialog: Dialog, t: Transfer): void;
  transfers(): Iterable<Transfer>;
  notify(t: Transfer, state: 'active' | 'terminated', status: number, reason: string): void;
  /** The Session Join / replacement notification: REFER to the device through its Path. */
  sendNotification(t: Transfer, device: Device, referTo: string): void;
  /** PF control for the target: the requester's AoR, from the device the transfer named. */
  isTargetDevice(req: SipRequest, t: Transfer): boolean;
  maybeComplete(t: Transfer): void;
  /** PF A's own SDP answer (its MSRP a=path) and its transfer URI. */
  csSdp(offer: Buffer, id: string): Buffer;
  transferUri(protocol: TransportProtocol): string;
}

/** The dialog D a pull names, as PF A serves it. */
interface Held {
  td: TargetDialog;
  /** The holder's AoR. */
  aor: string;
  /** The holder's contact, when known (the device that may not pull onto itself). */
  holder?: string;
  /** B2BUA mode: the session whose incoming leg is D1. */
  call?: B2buaCall;
  /** Proxy mode: the record-routed dialog D. */
  dialog?: ProxyDialog;
}

function uriOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : parseNameAddr(value)?.uri;
}

function sameTags(td: TargetDialog, d: Dialog): boolean {
  return td.callId === d.callId && [td.localTag, td.remoteTag].sort().join('\u0000') === [d.localTag, d.remoteTag].sort().join('\u0000');
}

export class RemotePull {
  constructor(private readonly ctx: PfContext, private readonly b2bua: B2bua, private readonly proxy: StatefulProxy, private readonly host: PullHost) {}

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
    const targetUri = this.host.referTarget(tx);
    if (targetUri === null) return;
    const td = targetDialog(req);
    if (!td) {
      void tx.respond(createResponse(req, 400, 'Missing Target-Dialog'));
      return;
    }
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
    const own = this.host.transferUri(protocol);
    const dialog = Dialog.fromUas(req, tag, own);
    const t = this.host.newTransfer(held.call ? 'mp' : 'nmp', sameUser || !from ? held.aor : from, control.device, { dialog, protocol, alive: () => true }, protocol);
    t.pull = true;
    if (held.call) {
      t.call = held.call;
      t.transferorLeg = held.call.in;
      held.call.transferPending = true;
    } else t.dialog = held.dialog;
    this.host.subscribe(dialog, t);
    const accepted = createResponse(req, 202, undefined, { toTag: tag });
    addHeader(accepted, 'Contact', `<${own}>`);
    void tx.respond(accepted);
    this.ctx.log(`${this.ctx.name}: pull ${t.id} of ${td.callId} by ${control.device.contact} accepted`);
    this.host.notify(t, 'active', 100, 'Trying');
    const referTo = held.call ? this.joinReferTo(t, held.call) : this.replacementReferTo(held);
    if (referTo) this.host.sendNotification(t, control.device, `<${referTo}>`);
  }

  /** B2BUA mode: the puller's INVITE to the pull's session URI (`t` is that pull). */
  join(tx: ServerTransaction, t: Transfer): void {
    const req = tx.request;
    const td = targetDialog(req);
    const call = t.call;
    const d1 = t.transferorLeg?.dialog;
    if (!call || !td || !d1 || !sameTags(td, d1) || t.state !== 'pending' || t.joined || call.ended) {
      this.ctx.log(`${this.ctx.name}: ${describe(req)}: not the pull's dialog (${header(req, 'Target-Dialog') ?? 'no Target-Dialog'}) or no pull under way: 481`);
      void tx.respond(createResponse(req, 481));
      return;
    }
    if (!this.host.isTargetDevice(req, t)) {
      void tx.respond(createResponse(req, 403));
      return;
    }
    t.joined = true;
    const leaveUp = this.ctx.faults.has('trf-pull-old-dialog-left-up');
    const { old } = this.b2bua.join(call, tx, this.host.csSdp(req.body, t.id), 'application/sdp', () => {
      if (leaveUp) this.ctx.log(`${this.ctx.name}: fault trf-pull-old-dialog-left-up: no BYE on the replaced dialog`);
      else this.b2bua.releaseLeg(old);
      t.acked = true;
      this.host.maybeComplete(t);
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
    const t = [...this.host.transfers()].find((x) => x.pull && x.dialog === d && x.state === 'pending');
    if (!t) return undefined;
    if (!this.host.isTargetDevice(tx.request, t)) return { reject: { status: 403 } };
    return {
      onDialog: (nd) => {
        nd.onConfirmed = () => {
          t.acked = true;
          this.host.maybeComplete(t);
        };
      },
    };
  }

  /** PF control for the requester (5.2.5.1 "if allowed"): the holder's user, pulling onto one of its registered devices. */
  private requesterControl(held: Held, from: string | undefined, sameUser: boolean, targetUri: string): Control {
    const registered = this.ctx.location.resolveGruu(targetUri) ?? this.ctx.location.findByContact(targetUri);
    if (!sameUser) {
      if (!from || !this.ctx.faults.has('trf-pull-other-user-accepted')) return { ok: false, status: 403, reason: 'Forbidden' };
      this.ctx.log(`${this.ctx.name}: fault trf-pull-other-user-accepted: accepting a pull by ${from}`);
      if (registered) return { ok: true, device: registered };
      const bare = uriTarget(targetUri);
      return bare ? { ok: true, device: { contact: targetUri, address: bare.address, protocol: bare.protocol ?? 'udp', path: [] } } : { ok: false, status: 400, reason: 'Bad Refer-To' };
    }
    // A contact registered to another AoR is another user's device, whatever the REFER's From says.
    if (registered && aorKey(registered.aor) !== aorKey(held.aor)) return { ok: false, status: 403, reason: 'Forbidden' };
    return this.host.control(held.aor, targetUri, held.holder);
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
    return [...this.host.transfers()].some((t) => t.dialog === held.dialog && t.state === 'pending');
  }

  /** The Session Join Notification's Refer-To: the pull's session URI with Target-Dialog = D1 and the session's CPM ids. */
  private joinReferTo(t: Transfer, call: B2buaCall): string | undefined {
    const d1 = call.in.dialog;
    const session = parseUri(t.sessionUri);
    if (!d1 || !session) return undefined;
    const headers: Record<string, string> = {
      'Target-Dialog': formatTargetDialog({ callId: d1.callId, localTag: d1.remoteTag, remoteTag: d1.localTag, params: {} }),
      Require: 'tdialog',
    };
    const invite = call.inviteTx.request;
    const conv = header(invite, 'Conversation-ID');
    const contrib = header(invite, 'Contribution-ID');
    if (conv) headers['Conversation-ID'] = conv.trim();
    if (contrib) headers['Contribution-ID'] = contrib.trim();
    return formatUri({ ...session, headers });
  }

  /** The Session replacement notification's Refer-To: the transferee's target with Replaces = D. */
  private replacementReferTo(held: Held): string | undefined {
    const d = held.dialog;
    const transferee = d ? parseUri(d.calleeTargets.get(held.td.remoteTag) ?? d.calleeAor ?? '') : null;
    if (!d || !transferee) return undefined;
    const value = formatReplaces({ callId: d.callId, toTag: held.td.remoteTag, fromTag: held.td.localTag, earlyOnly: false, params: {} });
    return formatUri({ ...transferee, headers: { Replaces: value, Require: 'replaces' } });
  }
}
