/**
 * CPM Session transfer in a multi-device environment (OMA CPM CR, 5.2.5.1) at PF A, the CPM
 * Conversation Server serving the transferor, in the default SIP binding (design §2; research
 * cpm-sip-binding §3.2-3.4):
 *
 * CS in the media path (5.2.5.1.1, B2BUA mode). The transferor A1 sends REFER in its dialog D1
 * with PF A (`Refer-To: <A2 contact>`). PF control for the transferor: the target must be another
 * registered device (binding) of the transferor's AoR (another user 403, not registered 480,
 * itself 403, not exactly one Refer-To 400). Accepted: 202 and NOTIFY (`Event: refer`, active,
 * sipfrag `100 Trying`) in D1. Session Join Notification: out-of-dialog REFER to A2's contact
 * (through its binding's Path) with `Refer-To: <SESSION-URI?Target-Dialog=D1&Require=tdialog&
 * Conversation-ID=..&Contribution-ID=..>`, SESSION-URI a one-time URI of PF A. A2's INVITE to
 * SESSION-URI (Target-Dialog = D1) gets PF control for the target (403 wrong user or device, 481
 * no such transfer), then PF A answers it 200 with its own MSRP `a=path` and bridges it to the
 * transferee's legs: no request goes towards the transferee. A2's NOTIFY (terminated, sipfrag
 * 200: the Replaced Notification) plus its ACK trigger the Release Notification (NOTIFY
 * terminated, sipfrag 200) in D1; A1's BYE in D1 then releases D1 only. A failure (A2 declines
 * the REFER, reports a failed INVITE, or nothing completes within 64*T1) ends A1's subscription
 * with that status (408 on timeout) and A1 keeps D1.
 *
 * CS not in the media path (5.2.5.1.2, proxy mode). A1 sends an out-of-dialog REFER to the CS
 * transfer URI `sip:transfer@PF-A` with `Target-Dialog` naming D (A1's tag local, B1's remote),
 * `Require: tdialog`. PF control as above, plus D must be a dialog PF A record-routed whose caller
 * is the transferor (481 unknown, 403 otherwise). 202 + NOTIFY 100 in that REFER dialog; Session
 * replacement notification: REFER to A2 with `Refer-To: <B1 target?Replaces=D&Require=replaces>`.
 * A2's INVITE with Replaces is routed (Record-Route) towards B1 after PF control for the target
 * (the device the transfer named); PF B checks that Replaces names a dialog it is on. Once the new
 * dialog's ACK passed and A2 reported 200, the Release Notification goes to A1; A1's BYE in D is
 * routed to B1 as any BYE.
 *
 * Remote (pull) transfer (5.2.5.1 ¶1): a device A2 takes over the session another device A1 of
 * the same user holds, in either of two forms at once (design §2 `pullMode`):
 * - INVITE with `Replaces` naming A1's dialog (RFC 3891). B2BUA mode: to PF A's contact of D1; PF A
 *   authorizes (same AoR, registered device, RFC 3891 §6; 481 no dialog, 403 otherwise), answers
 *   with its own SDP, bridges A2 to the transferee's legs and BYEs A1 once A2 ACKed. Proxy mode:
 *   the INVITE is routed to B1 when Replaces names a dialog PF A record-routed whose caller has A2's
 *   AoR (403 otherwise); B1 releases A1 (RFC 3891 §3).
 * - REFER (RFC 3515) to the CS transfer URI with `Target-Dialog` naming D (RFC 4538) and
 *   `Refer-To: <A2's own Contact>`: the flows above with the puller as both transferor and target
 *   (PF control for it, 202 + NOTIFY in its REFER dialog, the Session Join Notification in B2BUA
 *   mode or the Session replacement notification in proxy mode sent to A2 itself, the final NOTIFY
 *   once A2's session is up; in B2BUA mode PF A BYEs A1 after A2's ACK). See transfer-pull.ts.
 */
import { randomUUID } from 'node:crypto';
import type { SipRequest, SipResponse } from '../sip/message';
import { addHeader, header, headerValues, removeHeader, setHeader } from '../sip/message';
import type { TransportProtocol } from '../sip/transport/address';
import type { ClientTransaction, ServerTransaction } from '../sip/transaction/types';
import { Dialog } from '../sip/dialog';
import { createRequest, createResponse } from '../sip/request-builder';
import { callId, fromTag, toTag } from '../sip/headers/name-addr';
import { contacts } from '../sip/headers/contact';
import { parseReferTo } from '../sip/headers/refer-to';
import { formatReplaces, formatTargetDialog, replaces, targetDialog, type TargetDialog } from '../sip/headers/dialog-id';
import { requireTags } from '../sip/headers/option-tags';
import { newCallId, newTag } from '../sip/ids';
import { formatUri, parseUri } from '../sip/uri';
import { cloneMessage } from '../sip/message';
import { describe, inboundTransport, transportFor, type PfContext } from './pf-context';
import { isInDialog, isOwnUri, nextHop, ownUri, popOwnRoutes, setRoutes, uriTarget } from './routing';
import { aorKey, sameContact } from './location-service';
import type { B2bua, B2buaCall } from './b2bua';
import type { ReplacesDecision, StatefulProxy } from './proxy';
import type { ProxyDialog } from './proxy-dialogs';
import { RemotePull } from './transfer-pull';
import { SESSION_USER_PREFIX, TRANSFER_USER, csSdp, rewritePath, sipfragStatus, uriOf, userOf, type Control, type Device, type Subscriber, type Transfer } from './transfer-model';

export { CS_MSRP_PORT, SESSION_USER_PREFIX, TRANSFER_USER, csMsrpUri, csSdp, sipfragStatus, type Control, type Device, type Subscriber, type Transfer } from './transfer-model';

/** Upper bound on remembered transfers so a long-running demo server cannot grow without limit. */
const MAX_TRANSFERS = 1000;

export class TransferService {
  private readonly byId = new Map<string, Transfer>();
  /** In-dialog requests PF A receives for a transfer: the target's NOTIFYs (notification REFER dialog) and the transferor's (nmp or pull REFER dialog). */
  private readonly byDialog = new Map<string, { transfer: Transfer; role: 'target' | 'transferor' }>();
  private closed = false;
  /** Remote (pull) transfer by REFER to the transfer URI (transfer-pull.ts). */
  private readonly pull: RemotePull;

  constructor(private readonly ctx: PfContext, private readonly b2bua: B2bua, private readonly proxy: StatefulProxy) {
    this.pull = new RemotePull(ctx, b2bua, proxy, {
      referTarget: (tx) => this.referTarget(tx),
      control: (aor, targetUri, holder) => this.control(aor, targetUri, holder, 'trf-nmp'),
      newTransfer: (kind, aor, device, subscriber, protocol) => this.newTransfer(kind, aor, device, subscriber, protocol),
      subscribe: (dialog, t) => this.byDialog.set(`${dialog.callId}\u0000${dialog.localTag}`, { transfer: t, role: 'transferor' }),
      transfers: () => this.byId.values(),
      notify: (t, state, status, reason) => this.notifyTransferor(t, state, status, reason),
      sendNotification: (t, device, referTo) => this.sendNotification(t, device, referTo),
      isTargetDevice: (req, t) => this.isTargetDevice(req, t),
      maybeComplete: (t) => this.maybeComplete(t),
      csSdp: (offer, id) => csSdp(ctx, offer, id),
      transferUri: (protocol) => ownUri(ctx.address, protocol, TRANSFER_USER),
    });
    b2bua.setTransferHooks({ onRefer: (tx, call) => this.mpRefer(tx, call) });
    proxy.setTransferHooks({
      onReplacesInvite: (tx, fwd) => this.pull.replacesInvite(tx) ?? this.replacesInvite(tx, fwd),
      onTransferredBye: (tx, dialog) => this.transferredBye(tx, dialog),
    });
  }

  /** Stop every timer (the server is stopping). */
  close(): void {
    this.closed = true;
    for (const t of this.byId.values()) if (t.timer) clearTimeout(t.timer);
    this.byId.clear();
    this.byDialog.clear();
  }

  /** A request PF A handles as a transfer party before any routing; true when handled. */
  handle(tx: ServerTransaction): boolean {
    if (this.ctx.role !== 'A') return false;
    const req = tx.request;
    if (isInDialog(req)) {
      const entry = this.byDialog.get(`${callId(req) ?? ''}\u0000${toTag(req) ?? ''}`);
      if (!entry) return false;
      this.inSubscription(tx, entry.transfer, entry.role);
      return true;
    }
    const routed = cloneMessage(req);
    popOwnRoutes(routed, this.ctx.address);
    if (!isOwnUri(routed.uri, this.ctx.address)) return false;
    const user = parseUri(routed.uri)?.user ?? '';
    if (req.method === 'REFER' && user === TRANSFER_USER) {
      if (this.pull.isPull(req)) this.pull.refer(tx);
      else if (this.ctx.mode === 'proxy') this.nmpRefer(tx);
      else void tx.respond(createResponse(req, 481)); // in B2BUA mode the transfer request is sent in the session's dialog
      return true;
    }
    if (req.method === 'INVITE' && user.startsWith(SESSION_USER_PREFIX)) {
      const pulled = this.byId.get(user.slice(SESSION_USER_PREFIX.length));
      if (pulled?.pull) this.pull.join(tx, pulled);
      else this.mpInvite(tx);
      return true;
    }
    if (req.method === 'INVITE' && this.ctx.mode === 'b2bua' && header(req, 'Replaces') !== undefined) {
      this.pullB2bua(tx);
      return true;
    }
    return false;
  }

  // ---- PF control for the transferor (5.2.5.1.1 ¶2, 5.2.5.1.2 ¶3) ----

  /** The transfer's target must be another registered device (binding) of the transferor's AoR. */
  private control(aor: string, named: string, transferorContact: string | undefined, prefix: 'trf-mp' | 'trf-nmp'): Control {
    // A device named by its GRUU (RFC 5627 §6) is the binding of that instance; an unknown GRUU stays as named.
    const targetUri = this.ctx.location.resolveGruu(named)?.contact ?? named;
    if (transferorContact && sameContact(targetUri, transferorContact)) return { ok: false, status: 403, reason: 'Forbidden' };
    const own = this.ctx.location.lookup(aor).find((b) => sameContact(b.contact, targetUri));
    if (own) return { ok: true, device: own };
    const other = this.ctx.location.findByContact(targetUri);
    const foreign = other ? aorKey(other.aor) !== aorKey(aor) : userOf(targetUri) !== userOf(aor);
    if (foreign) {
      if (!this.ctx.faults.has(`${prefix}-accept-foreign-target`)) return { ok: false, status: 403, reason: 'Forbidden' };
      this.ctx.log(`${this.ctx.name}: fault ${prefix}-accept-foreign-target: accepting a transfer to ${targetUri}`);
      return other ? { ok: true, device: other } : this.bareDevice(targetUri);
    }
    if (prefix === 'trf-mp' && this.ctx.faults.has('trf-mp-accept-unregistered-target')) {
      this.ctx.log(`${this.ctx.name}: fault trf-mp-accept-unregistered-target: accepting a transfer to ${targetUri}`);
      return this.bareDevice(targetUri);
    }
    return { ok: false, status: 480, reason: 'Temporarily Unavailable' };
  }

  private bareDevice(uri: string): Control {
    const t = uriTarget(uri);
    if (!t) return { ok: false, status: 400, reason: 'Bad Request' };
    return { ok: true, device: { contact: uri, address: t.address, protocol: t.protocol ?? 'udp', path: [] } };
  }

  /** Exactly one Refer-To with a URI (RFC 3515 §2.4.1); null after answering 400. */
  private referTarget(tx: ServerTransaction): string | null {
    const values = headerValues(tx.request, 'Refer-To');
    const rt = values.length === 1 ? parseReferTo(values[0]) : null;
    if (!rt || !rt.parsedUri) {
      void tx.respond(createResponse(tx.request, 400, values.length === 1 ? 'Bad Refer-To' : 'Exactly One Refer-To Required'));
      return null;
    }
    return rt.uri;
  }

  private newTransfer(kind: 'mp' | 'nmp', aor: string, device: Device, subscriber: Subscriber, protocol: TransportProtocol): Transfer {
    const id = randomUUID().replace(/-/g, '').slice(0, 16);
    if (this.byId.size >= MAX_TRANSFERS) {
      const oldest = this.byId.values().next().value;
      if (oldest) this.forget(oldest);
    }
    const t: Transfer = {
      id, kind, sessionUri: ownUri(this.ctx.address, device.protocol ?? protocol, `${SESSION_USER_PREFIX}${id}`),
      transferorAor: aor, target: device, subscriber, state: 'pending', acked: false, replaced: false, released: false,
    };
    this.byId.set(id, t);
    // The whole transfer gets 64*T1 (the REFER's own transaction timeout, RFC 3261 §17.1.2.2) to complete.
    t.timer = setTimeout(() => this.timeout(t), 64 * this.ctx.endpoint.timers.t1);
    t.timer.unref?.();
    return t;
  }

  private forget(t: Transfer): void {
    if (t.timer) clearTimeout(t.timer);
    this.byId.delete(t.id);
    for (const [k, v] of this.byDialog) if (v.transfer === t) this.byDialog.delete(k);
  }

  // ---- 5.2.5.1.1: the CS stays in the media path (B2BUA) ----

  /** The CPM Session Transfer request: REFER in D1 from the transferor. */
  private mpRefer(tx: ServerTransaction, call: B2buaCall): void {
    const req = tx.request;
    const d1 = call.in.dialog;
    if (!d1) {
      void tx.respond(createResponse(req, 481));
      return;
    }
    if (!d1.receive(req)) {
      void tx.respond(createResponse(req, 500, 'Out of Order'));
      return;
    }
    const targetUri = this.referTarget(tx);
    if (targetUri === null) return;
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
    const control = this.control(aor, targetUri, d1.remoteTarget, 'trf-mp');
    if (!control.ok) {
      this.ctx.log(`${this.ctx.name}: transfer to ${targetUri} refused ${control.status}`);
      void tx.respond(createResponse(req, control.status, control.reason));
      return;
    }
    const leg = call.in;
    const protocol = leg.protocol;
    const t = this.newTransfer('mp', aor, control.device, { dialog: d1, protocol, alive: () => !leg.gone }, protocol);
    t.call = call;
    t.transferorLeg = leg;
    call.transferPending = true;
    const accepted = createResponse(req, 202);
    addHeader(accepted, 'Contact', `<${ownUri(this.ctx.address, protocol)}>`);
    void tx.respond(accepted);
    this.ctx.log(`${this.ctx.name}: transfer ${t.id} of ${d1.callId} to ${control.device.contact} accepted`);
    this.notifyTransferor(t, 'active', 100, 'Trying', this.ctx.faults.has('trf-mp-notify-wrong-event'));
    if (this.ctx.faults.has('trf-mp-release-before-established')) {
      this.ctx.log(`${this.ctx.name}: fault trf-mp-release-before-established: Release Notification now`);
      this.notifyTransferor(t, 'terminated', 200, 'OK');
      t.released = true;
    }
    if (this.ctx.faults.has('trf-mp-no-join')) {
      this.ctx.log(`${this.ctx.name}: fault trf-mp-no-join: no Session Join Notification`);
      return;
    }
    const invite = call.inviteTx.request;
    const headers: Record<string, string> = {
      'Target-Dialog': formatTargetDialog({ callId: d1.callId, localTag: d1.remoteTag, remoteTag: d1.localTag, params: {} }),
      Require: 'tdialog',
    };
    const conv = header(invite, 'Conversation-ID');
    const contrib = header(invite, 'Contribution-ID');
    if (conv) headers['Conversation-ID'] = conv.trim();
    if (contrib) headers['Contribution-ID'] = contrib.trim();
    if (contrib && this.ctx.faults.has('trf-mp-join-contribution-id-changed')) {
      headers['Contribution-ID'] = randomUUID();
      this.ctx.log(`${this.ctx.name}: fault trf-mp-join-contribution-id-changed: Contribution-ID ${headers['Contribution-ID']} in the Join Notification`);
    }
    const session = parseUri(t.sessionUri);
    if (!session) return;
    this.sendNotification(t, this.joinDevice(t, aor, d1.remoteTarget), `<${formatUri({ ...session, headers })}>`);
  }

  /** The device the Session Join Notification goes to: the target (another one under `trf-mp-join-wrong-device`). */
  private joinDevice(t: Transfer, aor: string, transferorContact: string): Device {
    if (!this.ctx.faults.has('trf-mp-join-wrong-device')) return t.target;
    const other = this.ctx.location.lookup(aor).find((b) => !sameContact(b.contact, t.target.contact) && !sameContact(b.contact, transferorContact));
    const control = other ? { ok: true as const, device: other } : this.bareDevice(transferorContact);
    const device = control.ok ? control.device : t.target;
    this.ctx.log(`${this.ctx.name}: fault trf-mp-join-wrong-device: Session Join Notification to ${device.contact}`);
    return device;
  }

  /** The target's CPM Session Invitation: INVITE to the session URI with Target-Dialog (5.2.5.1.1 ¶4). */
  private mpInvite(tx: ServerTransaction): void {
    const req = tx.request;
    const td = targetDialog(req);
    const t = td ? this.findMp(td) : undefined;
    const call = t?.call;
    if (!t || !call || t.state !== 'pending' || t.joined || call.ended) {
      this.ctx.log(`${this.ctx.name}: ${describe(req)}: no transfer under way for ${header(req, 'Target-Dialog') ?? '(no Target-Dialog)'}: 481`);
      void tx.respond(createResponse(req, 481));
      return;
    }
    if (!this.isTargetDevice(req, t)) {
      void tx.respond(createResponse(req, 403));
      return;
    }
    if (this.ctx.faults.has('trf-mp-establish-rejected')) {
      this.ctx.log(`${this.ctx.name}: fault trf-mp-establish-rejected: 403 to ${describe(req)}`);
      void tx.respond(createResponse(req, 403));
      return;
    }
    let body = csSdp(this.ctx, req.body, t.id);
    let type = 'application/sdp';
    if (this.ctx.faults.has('trf-mp-leaves-media-path') && call.answer) {
      this.ctx.log(`${this.ctx.name}: fault trf-mp-leaves-media-path: the transferee's SDP to the target`);
      body = call.answer.body;
      type = call.answer.contentType ?? type;
    }
    t.joined = true;
    this.b2bua.join(call, tx, body, type, () => {
      t.acked = true;
      this.reinviteTransferee(t, call, req.body);
      this.maybeComplete(t);
    });
    this.ctx.log(`${this.ctx.name}: transfer ${t.id}: target joined the session (CS stays in the media path)`);
  }

  /**
   * `trf-mp-reinvite-transferee`: once the target joined (its ACK arrived), a re-INVITE (RFC 3261
   * §14) in the session's leg towards the transferee, offering our own MSRP a=path; 5.2.5.1.1
   * wants no signalling towards the transferee (SHOULD, TRF-MP-MEDIA).
   */
  private reinviteTransferee(t: Transfer, call: B2buaCall, offer: Buffer): void {
    if (!this.ctx.faults.has('trf-mp-reinvite-transferee')) return;
    this.ctx.log(`${this.ctx.name}: fault trf-mp-reinvite-transferee: re-INVITE towards the transferee on leg ${call.out.callId}`);
    if (!this.b2bua.reinvite(call, call.out, csSdp(this.ctx, offer, `${t.id}b`), 'application/sdp')) {
      this.ctx.log(`${this.ctx.name}: transfer ${t.id}: no re-INVITE possible on leg ${call.out.callId}`);
    }
  }

  private findMp(td: TargetDialog): Transfer | undefined {
    for (const t of this.byId.values()) {
      const d1 = t.kind === 'mp' ? t.subscriber.dialog : undefined;
      if (!d1 || d1.callId !== td.callId) continue;
      const tags = [td.localTag, td.remoteTag].sort().join('\u0000');
      if (tags === [d1.localTag, d1.remoteTag].sort().join('\u0000') && t.state === 'pending') return t;
    }
    return undefined;
  }

  /** PF control for the target: the transferor's user, from the device the transfer named. */
  private isTargetDevice(req: SipRequest, t: Transfer): boolean {
    const from = uriOf(header(req, 'From'));
    const contact = contacts(req)[0]?.uri;
    const ok = from !== undefined && aorKey(from) === aorKey(t.transferorAor) && contact !== undefined && sameContact(contact, t.target.contact);
    if (!ok) this.ctx.log(`${this.ctx.name}: ${describe(req)} from ${from ?? '?'} / ${contact ?? '?'} is not the transfer's target ${t.target.contact}: 403`);
    return ok;
  }

  // ---- 5.2.5.1.2: the CS is not in the media path (proxy) ----

  /** The CPM Session Transfer request: out-of-dialog REFER to the CS transfer URI with Target-Dialog. */
  private nmpRefer(tx: ServerTransaction): void {
    const req = tx.request;
    const targetUri = this.referTarget(tx);
    if (targetUri === null) return;
    const td = targetDialog(req);
    if (!td) {
      void tx.respond(createResponse(req, 400, 'Missing Target-Dialog'));
      return;
    }
    const d = this.proxy.dialogs.match(td.callId, td.localTag, td.remoteTag);
    if (!d) {
      void tx.respond(createResponse(req, 481));
      return;
    }
    const from = uriOf(header(req, 'From'));
    const transferorSide = d.callerTag === td.localTag && d.calleeTags.has(td.remoteTag);
    if (!transferorSide || !d.callerAor || !from || aorKey(from) !== aorKey(d.callerAor)) {
      this.ctx.log(`${this.ctx.name}: ${describe(req)}: ${from ?? '?'} is not the caller side of ${td.callId}: 403`);
      void tx.respond(createResponse(req, 403));
      return;
    }
    const control = this.control(d.callerAor, targetUri, contacts(req)[0]?.uri, 'trf-nmp');
    if (!control.ok) {
      this.ctx.log(`${this.ctx.name}: transfer to ${targetUri} refused ${control.status}`);
      void tx.respond(createResponse(req, control.status, control.reason));
      return;
    }
    const protocol = tx.inbound.flow.protocol;
    const tag = newTag();
    const dialog = Dialog.fromUas(req, tag, ownUri(this.ctx.address, protocol, TRANSFER_USER));
    const t = this.newTransfer('nmp', d.callerAor, control.device, { dialog, protocol, alive: () => true }, protocol);
    t.dialog = d;
    this.byDialog.set(`${dialog.callId}\u0000${tag}`, { transfer: t, role: 'transferor' });
    const accepted = createResponse(req, 202, undefined, { toTag: tag });
    addHeader(accepted, 'Contact', `<${ownUri(this.ctx.address, protocol, TRANSFER_USER)}>`);
    void tx.respond(accepted);
    this.ctx.log(`${this.ctx.name}: transfer ${t.id} of ${d.callId} to ${control.device.contact} accepted`);
    this.notifyTransferor(t, 'active', 100, 'Trying');
    if (this.ctx.faults.has('trf-nmp-release-before-confirmed')) {
      this.ctx.log(`${this.ctx.name}: fault trf-nmp-release-before-confirmed: Release Notification now`);
      this.notifyTransferor(t, 'terminated', 200, 'OK');
      t.released = true;
    }
    if (this.ctx.faults.has('trf-nmp-no-replace-notification')) {
      this.ctx.log(`${this.ctx.name}: fault trf-nmp-no-replace-notification: no Session replacement notification`);
      return;
    }
    const transferee = parseUri(d.calleeTargets.get(td.remoteTag) ?? d.calleeAor ?? '');
    if (!transferee) return;
    const replacesValue = formatReplaces({ callId: d.callId, toTag: td.remoteTag, fromTag: td.localTag, earlyOnly: false, params: {} });
    const referTo = formatUri({ ...transferee, headers: { Replaces: replacesValue, Require: 'replaces' } });
    this.sendNotification(t, t.target, `<${referTo}>`);
  }

  /**
   * An INVITE with Replaces reaching this PF in proxy mode: the target's invitation of a transfer
   * (PF control for the target: the device the transfer named) or a pull (the puller's AoR is the
   * replaced dialog's caller's, RFC 3891 §6). PF B only checks that it is on the replaced dialog.
   */
  private replacesInvite(tx: ServerTransaction, fwd: SipRequest): ReplacesDecision {
    const req = tx.request;
    const rep = replaces(req);
    if (!rep) return { reject: { status: 400, reason: 'Bad Replaces' } };
    const d = this.proxy.dialogs.match(rep.callId, rep.fromTag, rep.toTag);
    if (this.ctx.role === 'B') return d ? {} : { reject: { status: 403 } };
    if (!d || d.callerTag !== rep.fromTag) {
      this.ctx.log(`${this.ctx.name}: Replaces ${header(req, 'Replaces') ?? ''} names no dialog whose caller side we serve: 403`);
      return { reject: { status: 403 } };
    }
    const t = [...this.byId.values()].find((x) => x.kind === 'nmp' && x.dialog === d && x.state === 'pending');
    const from = uriOf(header(req, 'From'));
    if (!t) {
      // A pull: the session moves to another device of the caller's user.
      const sameUser = from !== undefined && d.callerAor !== undefined && aorKey(from) === aorKey(d.callerAor);
      if (!sameUser && !this.ctx.faults.has('trf-pull-other-user-accepted')) return { reject: { status: 403 } };
      if (!sameUser) this.ctx.log(`${this.ctx.name}: fault trf-pull-other-user-accepted: routing a pull by ${from ?? '?'}`);
      return {};
    }
    if (!this.isTargetDevice(req, t)) return { reject: { status: 403 } };
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
    if (this.ctx.faults.has('trf-nmp-contribution-id-rewritten') && header(fwd, 'Contribution-ID') !== undefined) {
      this.ctx.log(`${this.ctx.name}: fault trf-nmp-contribution-id-rewritten: new Contribution-ID on ${describe(req)}`);
      setHeader(fwd, 'Contribution-ID', randomUUID());
    }
    const inPath = this.ctx.faults.has('trf-nmp-cs-in-media-path');
    if (inPath) {
      this.ctx.log(`${this.ctx.name}: fault trf-nmp-cs-in-media-path: rewriting a=path`);
      fwd.body = rewritePath(this.ctx, fwd.body, `${t.id}o`);
    }
    return {
      onDialog: (nd) => {
        nd.onConfirmed = () => {
          t.acked = true;
          this.maybeComplete(t);
        };
      },
      onResponse: (res: SipResponse) => {
        if (inPath && res.status >= 200 && res.status < 300) res.body = rewritePath(this.ctx, res.body, `${t.id}a`);
      },
    };
  }

  /** `trf-nmp-bye-not-routed`: the transferor's BYE in the transferred dialog answered here. */
  private transferredBye(tx: ServerTransaction, d: ProxyDialog): boolean {
    if (this.ctx.role !== 'A' || !this.ctx.faults.has('trf-nmp-bye-not-routed') || fromTag(tx.request) !== d.callerTag) return false;
    this.ctx.log(`${this.ctx.name}: fault trf-nmp-bye-not-routed: answering the transferor's BYE itself`);
    this.proxy.dialogs.remove(d);
    void tx.respond(createResponse(tx.request, 200));
    return true;
  }

  // ---- pull (5.2.5.1 ¶1), B2BUA mode ----

  /** INVITE with Replaces naming a dialog of ours with a device: authorize, answer, bridge, release the old one. */
  private pullB2bua(tx: ServerTransaction): void {
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
    const { old } = this.b2bua.join(call, tx, csSdp(this.ctx, req.body, randomUUID().slice(0, 8)), 'application/sdp', () => {
      if (leaveUp) this.ctx.log(`${this.ctx.name}: fault trf-pull-old-dialog-left-up: no BYE on the replaced dialog`);
      else this.b2bua.releaseLeg(old);
    });
    this.ctx.log(`${this.ctx.name}: ${describe(req)} pulled the session of leg ${old.callId}`);
  }

  // ---- notifications ----

  /** NOTIFY to the transferor in its subscription (RFC 3515 §2.4.4-2.4.5): sipfrag of the transfer's progress. */
  private notifyTransferor(t: Transfer, state: 'active' | 'terminated', status: number, reason: string, wrongEvent = false): void {
    if (!t.subscriber.alive() || this.closed) return;
    const extra = wrongEvent
      ? [{ name: 'Event', value: 'presence' }]
      : [{ name: 'Event', value: 'refer' }, { name: 'Subscription-State', value: state === 'active' ? 'active;expires=60' : 'terminated;reason=noresource' }];
    if (wrongEvent) this.ctx.log(`${this.ctx.name}: fault trf-mp-notify-wrong-event: Event: presence, no Subscription-State`);
    const notify = t.subscriber.dialog.createRequest('NOTIFY', [...extra, { name: 'Content-Type', value: 'message/sipfrag;version=2.0' }]);
    notify.body = Buffer.from(`SIP/2.0 ${status} ${reason}\r\n`);
    this.sendInDialog(notify, t.subscriber.protocol);
  }

  private sendInDialog(req: SipRequest, protocol: TransportProtocol): void {
    const hop = nextHop(req);
    if (!hop) return;
    try {
      this.ctx.endpoint.request(req, hop.address, { transport: transportFor(this.ctx, hop.protocol, inboundTransport(this.ctx, protocol)) });
    } catch (err) {
      this.ctx.log(`${this.ctx.name}: could not send ${describe(req)}: ${(err as Error).message}`);
    }
  }

  /** The Session Join / replacement notification: an out-of-dialog REFER to the device, through its Path. */
  private sendNotification(t: Transfer, device: Device, referTo: string): void {
    const refer = createRequest({
      method: 'REFER', uri: device.contact, from: `<${t.transferorAor}>`, to: `<${device.contact}>`,
      callId: newCallId(this.ctx.address.host), contact: `<${t.sessionUri}>`,
      extra: [{ name: 'Refer-To', value: referTo }, { name: 'Referred-By', value: `<${t.transferorAor}>` }],
    });
    setRoutes(refer, device.path);
    const first = device.path[0];
    const hop = first !== undefined ? uriTarget(uriOf(first) ?? first) : { address: device.address, protocol: device.protocol };
    if (!hop) return;
    const tag = fromTag(refer) ?? '';
    const cid = callId(refer) ?? '';
    t.notification = { callId: cid, tag };
    this.byDialog.set(`${cid}\u0000${tag}`, { transfer: t, role: 'target' });
    this.ctx.log(`${this.ctx.name}: transfer ${t.id}: ${describe(refer)} → ${hop.address.host}:${hop.address.port}`);
    let client: ClientTransaction;
    try {
      client = this.ctx.endpoint.request(refer, hop.address, { transport: transportFor(this.ctx, hop.protocol ?? device.protocol, inboundTransport(this.ctx, t.subscriber.protocol)) });
    } catch {
      return;
    }
    t.notification.client = client;
    void client.final.then((res) => {
      if (this.closed) return;
      if (res === null) this.fail(t, 408, 'Request Timeout');
      else if (res.status >= 300) this.fail(t, res.status, res.reason);
    });
  }

  /** A request in one of the transfer's subscriptions: the target's NOTIFYs, or the transferor's requests in its REFER dialog. */
  private inSubscription(tx: ServerTransaction, t: Transfer, role: 'target' | 'transferor'): void {
    const req = tx.request;
    if (req.method !== 'NOTIFY' || role === 'transferor') {
      // The transferor may only refresh or end its subscription; nothing else is meaningful here.
      void tx.respond(createResponse(req, req.method === 'INVITE' ? 488 : 200));
      return;
    }
    void tx.respond(createResponse(req, 200));
    const frag = sipfragStatus(req.body);
    if (!frag || frag.status < 200) return;
    if (frag.status < 300) {
      t.replaced = true;
      this.maybeComplete(t);
    } else this.fail(t, frag.status, frag.reason || 'Failed');
  }

  /** The target reported the session replaced and its session is up: the Release Notification (5.2.5.1.1 ¶6, 5.2.5.1.2 ¶6). */
  private maybeComplete(t: Transfer): void {
    if (t.state !== 'pending' || !t.replaced || !t.acked) return;
    this.complete(t);
  }

  private complete(t: Transfer): void {
    t.state = 'done';
    if (t.timer) clearTimeout(t.timer);
    if (t.dialog) t.dialog.transferred = true;
    this.ctx.log(`${this.ctx.name}: transfer ${t.id} complete`);
    if (!t.released) {
      t.released = true;
      this.notifyTransferor(t, 'terminated', 200, 'OK');
    }
  }

  /** The transfer failed: the transferor's subscription ends with that status, it keeps its session. */
  private fail(t: Transfer, status: number, reason: string): void {
    if (t.state !== 'pending') return;
    if (t.kind === 'mp' && t.joined) {
      // The target's session is already up on our side: the transfer stands.
      t.acked = true;
      t.replaced = true;
      this.complete(t);
      return;
    }
    t.state = 'failed';
    if (t.timer) clearTimeout(t.timer);
    this.ctx.log(`${this.ctx.name}: transfer ${t.id} failed: ${status} ${reason}`);
    if (t.call) {
      t.call.transferPending = false;
      // The transferor left while its transfer was pending: nobody is left on our side of the session.
      if (t.transferorLeg?.gone) this.b2bua.abandon(t.call);
    }
    if (!t.released) {
      t.released = true;
      this.notifyTransferor(t, 'terminated', status, reason);
    }
  }

  private timeout(t: Transfer): void {
    if (this.closed || t.state !== 'pending') return;
    this.fail(t, 408, 'Request Timeout');
  }
}
