/**
 * The transfers PF A has under way (OMA CPM CR 5.2.5.1) and their life: each is created when its
 * transfer request is accepted, is given 64*T1 to complete (the REFER's own transaction timeout,
 * RFC 3261 §17.1.2.2), and ends either done, once the target's session is up (its ACK) and the
 * target reported it (NOTIFY with a 2xx sipfrag, RFC 3515 §2.4.5), or failed: the target declined
 * the notification REFER, reported a failure, or nothing completed in time. Either way the
 * transferor's subscription ends with that status (the Release Notification on success, 5.2.5.1.1
 * ¶6, 5.2.5.1.2 ¶6); on failure it keeps its session. The registry also routes the requests that
 * arrive in a transfer's subscriptions: the target's NOTIFYs and the transferor's refreshes.
 */
import { randomUUID } from 'node:crypto';
import type { TransportProtocol } from '../sip/transport/address';
import type { SipRequest } from '../sip/message';
import type { ServerTransaction } from '../sip/transaction/types';
import type { Dialog } from '../sip/dialog';
import { createResponse } from '../sip/request-builder';
import { sipfragStatus } from '../sip/sipfrag';
import { callId, toTag } from '../sip/headers/name-addr';
import { describe, type PfContext } from './pf-context';
import { ownUri } from './routing';
import type { B2bua } from './b2bua';
import type { FaultName } from './faults';
import { notifyTransferor, referNotification, send } from './transfer-notifications';
import { SESSION_USER_PREFIX, type Device, type MpTransfer, type NmpTransfer, type Subscriber, type Transfer, type TransferKind } from './transfer-model';

/** Upper bound on remembered transfers so a long-running demo server cannot grow without limit. */
const MAX_TRANSFERS = 1000;

/** Who a transfer's new record is for: the transferor's AoR, the target device, where its NOTIFYs go. */
export interface TransferParties {
  aor: string;
  device: Device;
  subscriber: Subscriber;
  protocol: TransportProtocol;
  pull?: boolean;
}

function dialogKey(cid: string, tag: string): string {
  return `${cid}\u0000${tag}`;
}

export class TransferRegistry {
  private readonly byId = new Map<string, Transfer>();
  /** In-dialog requests PF A receives for a transfer: the target's NOTIFYs (notification REFER dialog) and the transferor's (nmp or pull REFER dialog). */
  private readonly byDialog = new Map<string, { transfer: Transfer; role: 'target' | 'transferor' }>();
  private closed = false;

  constructor(private readonly ctx: PfContext, private readonly b2bua: B2bua) {}

  // Stryker disable all: out of scope: the server is stopping (timers stopped at shutdown, nothing on the wire)
  /** Stop every timer (the server is stopping). */
  close(): void {
    this.closed = true;
    for (const t of this.byId.values()) if (t.timer) clearTimeout(t.timer);
    this.byId.clear();
    this.byDialog.clear();
  }
  // Stryker restore all

  create(kind: Pick<MpTransfer, 'kind' | 'call' | 'transferorLeg'>, parties: TransferParties): MpTransfer;
  create(kind: Pick<NmpTransfer, 'kind' | 'dialog'>, parties: TransferParties): NmpTransfer;
  create(kind: TransferKind, parties: TransferParties): Transfer;
  create(kind: TransferKind, parties: TransferParties): Transfer {
    // Stryker disable next-line MethodExpression: equivalent: the id is an opaque token of the session URI, unique at 16 hex digits or 32
    const id = randomUUID().replace(/-/g, '').slice(0, 16);
    // Stryker disable all: out of scope: a memory bound (nothing on the wire changes below 1,000 transfers); its killed `true` and `<` twins drop out with it
    if (this.byId.size >= MAX_TRANSFERS) {
      const oldest = this.byId.values().next().value;
      if (oldest) this.forget(oldest);
    }
    // Stryker restore all
    const base = {
      id, sessionUri: ownUri(this.ctx.address, parties.device.protocol ?? parties.protocol, `${SESSION_USER_PREFIX}${id}`),
      transferorAor: parties.aor, target: parties.device, subscriber: parties.subscriber, state: 'pending' as const,
      acked: false, replaced: false, released: false, pull: parties.pull === true,
    };
    // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: equivalent: `joined` is read of mp transfers only, and undefined reads as false
    const t: Transfer = kind.kind === 'mp' ? { ...base, ...kind, joined: false } : { ...base, ...kind };
    this.byId.set(id, t);
    // Stryker disable next-line ArrowFunction: not constrained by the CRs: no deadline for a transfer (docs/mutation.md); a target that never answers the notification REFER still ends it by the REFER's Timer F (lead)
    t.timer = setTimeout(() => this.timeout(t), 64 * this.ctx.endpoint.timers.t1);
    // Stryker disable next-line OptionalChaining: equivalent: a Node timer always has unref()
    t.timer.unref?.();
    return t;
  }

  get(id: string): Transfer | undefined {
    return this.byId.get(id);
  }

  all(): Iterable<Transfer> {
    return this.byId.values();
  }

  // Stryker disable all: not constrained by the CRs: the transferor's own requests in its subscription (a refresh or an unsubscribe, RFC 6665 §4.1.2); the CRs' transferor sends none (docs/mutation.md)
  /** In-dialog requests of this dialog (PF A its UAS) are the transferor's, in its subscription. */
  subscribe(dialog: Dialog, t: Transfer): void {
    this.byDialog.set(dialogKey(dialog.callId, dialog.localTag), { transfer: t, role: 'transferor' });
  }
  // Stryker restore all

  /** A refer event NOTIFY to the transferor (none once the server stops). */
  notify(t: Transfer, state: 'active' | 'terminated', status: number, reason: string, wrongEvent = false): void {
    // Stryker disable next-line ConditionalExpression: out of scope: after close() the server is stopping (its killed `false` twin, no NOTIFY at all, drops out with it)
    if (!this.closed) notifyTransferor(this.ctx, t, state, status, reason, wrongEvent);
  }

  // Stryker disable all: fault-only: the `*-release-before-*` faults (selftest proves them)
  /** The Release Notification now, whatever the target's session (the `*-release-before-*` faults). */
  releaseEarly(t: Transfer, fault: FaultName): void {
    this.ctx.log(`${this.ctx.name}: fault ${fault}: Release Notification now`);
    this.notify(t, 'terminated', 200, 'OK');
    t.released = true;
  }
  // Stryker restore all

  /** The Session Join / replacement notification to `device`; the transfer fails if the device declines it. */
  lead(t: Transfer, device: Device, referTo: string): void {
    const n = referNotification(this.ctx, t, device, referTo);
    // Stryker disable next-line ConditionalExpression: equivalent in the suites: every Path a core puts in a REGISTER parses (its killed `true` twin, no REFER, drops out with it)
    if (!n) return;
    // Stryker disable next-line ObjectLiteral: equivalent: the notification's Call-ID and tag are read by nothing (the byDialog key below holds them)
    t.notification = { callId: n.callId, tag: n.tag };
    // Stryker disable next-line StringLiteral: equivalent: the role is only compared with 'transferor'
    this.byDialog.set(dialogKey(n.callId, n.tag), { transfer: t, role: 'target' });
    this.ctx.log(`${this.ctx.name}: transfer ${t.id}: ${describe(n.refer)} → ${n.hop.address.host}:${n.hop.address.port}`);
    const client = send(this.ctx, n.refer, n.hop, t.subscriber.protocol);
    t.notification.client = client;
    // Stryker disable next-line OptionalChaining: out of scope: no client only when the send failed locally (send() logs it)
    void client?.final.then((res) => {
      // Stryker disable next-line ConditionalExpression: out of scope: after close() the server is stopping (its killed `true` twin drops out with it)
      if (this.closed) return;
      if (res === null) this.fail(t, 408, 'Request Timeout');
      else if (res.status >= 300) this.fail(t, res.status, res.reason);
    });
  }

  /** A request in one of the transfers' subscriptions; true when it was one. */
  inSubscription(tx: ServerTransaction): boolean {
    const req = tx.request;
    // Stryker disable next-line StringLiteral: equivalent: an in-dialog request always has a Call-ID and a To tag (isInDialog), the `''` never runs
    const entry = this.byDialog.get(dialogKey(callId(req) ?? '', toTag(req) ?? ''));
    if (!entry) return false;
    // Stryker disable next-line BlockStatement: not constrained by the CRs: requests other than the target's NOTIFYs in a transfer's subscriptions (docs/mutation.md)
    if (req.method !== 'NOTIFY' || entry.role === 'transferor') {
      // The transferor may only refresh or end its subscription; nothing else is meaningful here.
      // Stryker disable next-line all: not constrained by the CRs (above)
      void tx.respond(createResponse(req, req.method === 'INVITE' ? 488 : 200));
      // Stryker disable next-line BooleanLiteral: not constrained by the CRs (above)
      return true;
    }
    void tx.respond(createResponse(req, 200));
    this.reported(entry.transfer, req);
    // Stryker disable next-line BooleanLiteral: equivalent: the NOTIFY is answered already; the PF's in-dialog path finds no dialog of its own for it and its 481 goes to a transaction that has its final response (RFC 3261 §17.2)
    return true;
  }

  /** The target's NOTIFY (RFC 3515 §2.4.5): a 2xx sipfrag is the Replaced Notification, a 3xx-6xx a failure, a 1xx progress. */
  private reported(t: Transfer, notify: SipRequest): void {
    const frag = sipfragStatus(notify.body);
    if (!frag || frag.status < 200) return;
    if (frag.status < 300) {
      t.replaced = true;
      this.maybeComplete(t);
    } else {
      // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: equivalent: the sipfrag's reason phrase is for the human user (RFC 3261 §7.2); RFC 3515 §2.4.5 reads its status code
      this.fail(t, frag.status, frag.reason || 'Failed');
    }
  }

  /** The target's session is up: done once the target also reported it replaced (5.2.5.1.1 ¶6, 5.2.5.1.2 ¶6). */
  acked(t: Transfer): void {
    t.acked = true;
    this.maybeComplete(t);
  }

  private maybeComplete(t: Transfer): void {
    if (t.state !== 'pending' || !t.replaced || !t.acked) return;
    this.complete(t);
  }

  private complete(t: Transfer): void {
    // Stryker disable next-line StringLiteral: equivalent: the state is only compared with 'pending'
    t.state = 'done';
    // Stryker disable next-line ConditionalExpression: equivalent: a timer left running finds the transfer done (timeout() ignores it); clearTimeout(undefined) is a no-op
    if (t.timer) clearTimeout(t.timer);
    // `transferred` is read by the `trf-nmp-bye-not-routed` fault only (proxy.ts, transfer-nmp.ts).
    if (this.ctx.faults.has('trf-nmp-bye-not-routed')) {
      if (t.kind === 'nmp') t.dialog.transferred = true;
    }
    this.ctx.log(`${this.ctx.name}: transfer ${t.id} complete`);
    // Stryker disable next-line ConditionalExpression: equivalent: only the `*-release-before-*` faults set `released` before this (its killed `false` twin drops out with it)
    if (!t.released) {
      // Stryker disable next-line BooleanLiteral: equivalent: nothing reads `released` after a transfer is done (fail() returns on a done transfer)
      t.released = true;
      // Stryker disable next-line StringLiteral: equivalent: any state but 'active' is sent as terminated; the reason phrase is for the human user (RFC 3261 §7.2)
      this.notify(t, 'terminated', 200, 'OK');
    }
  }

  /** The transfer failed: the transferor's subscription ends with that status, it keeps its session. */
  private fail(t: Transfer, status: number, reason: string): void {
    if (t.state !== 'pending') return;
    // Stryker disable next-line BlockStatement,StringLiteral: not constrained by the CRs: a target that joined and then reports a failure (docs/mutation.md)
    if (t.kind === 'mp' && t.joined) {
      // The target's session is already up on our side: the transfer stands.
      // Stryker disable next-line BooleanLiteral: not constrained (above)
      t.acked = true;
      // Stryker disable next-line BooleanLiteral: not constrained (above)
      t.replaced = true;
      this.complete(t);
      return;
    }
    // Stryker disable next-line StringLiteral: equivalent: the state is only compared with 'pending'
    t.state = 'failed';
    // Stryker disable next-line ConditionalExpression: equivalent: a timer left running finds the transfer failed (timeout() ignores it); clearTimeout(undefined) is a no-op
    if (t.timer) clearTimeout(t.timer);
    this.ctx.log(`${this.ctx.name}: transfer ${t.id} failed: ${status} ${reason}`);
    if (t.kind === 'mp') {
      // TC-TRF-MP-04 step `again`: the session can be transferred again (the mutant `transferPending` kept true answered it 491).
      if (this.ctx.faults.has('trf-mp-pending-after-failure')) {
        this.ctx.log(`${this.ctx.name}: fault trf-mp-pending-after-failure: the failed transfer still counts as pending`);
      } else t.call.transferPending = false;
      // The transferor left while its transfer was pending: nobody is left on our side of the session.
      if (t.transferorLeg.gone) this.b2bua.abandon(t.call);
    }
    // Stryker disable next-line ConditionalExpression: equivalent: only the `*-release-before-*` faults set `released` before this (its killed `false` twin drops out with it)
    if (!t.released) {
      // Stryker disable next-line BooleanLiteral: equivalent: nothing reads `released` after a transfer failed (complete() and fail() return on it)
      t.released = true;
      // Stryker disable next-line StringLiteral: equivalent: any state but 'active' is sent as terminated
      this.notify(t, 'terminated', status, reason);
    }
  }

  // Stryker disable all: out of scope: the memory bound's eviction (create() above), never reached below 1,000 transfers
  private forget(t: Transfer): void {
    if (t.timer) clearTimeout(t.timer);
    this.byId.delete(t.id);
    for (const [k, v] of this.byDialog) if (v.transfer === t) this.byDialog.delete(k);
  }
  // Stryker restore all

  // Stryker disable all: not constrained by the CRs: no deadline for a transfer (docs/mutation.md); reached by no case (a target that never answers is ended by the REFER's Timer F first, lead())
  private timeout(t: Transfer): void {
    if (this.closed || t.state !== 'pending') return;
    this.fail(t, 408, 'Request Timeout');
  }
  // Stryker restore all
}
