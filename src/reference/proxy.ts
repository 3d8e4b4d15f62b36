/**
 * The Participating Function as a transaction-stateful, record-routing proxy (RFC 3261 §16):
 * same Call-ID, tags and CSeq end to end; it pushes its Via, decrements Max-Forwards, inserts
 * Record-Route on dialog-creating requests, pops its own Route entries, relays every response
 * but 100 with only its own Via removed, and cancels the downstream branch on CANCEL (§16.10).
 * Terminating service control at PF B forks an INVITE to every registered device of the AoR
 * (proxy-fork.ts: cancel on the first 2xx, CPM-MLD-007).
 * BYE faults of the catalogue are applied here, by the PF's C.2.3.1 role for that BYE.
 */
import type { SipRequest, SipResponse } from '../sip/message';
import { addHeader, cloneMessage, header, headerFields, setHeader } from '../sip/message';
import type { InboundMessage, Transport } from '../sip/transport/transport';
import type { ClientTransaction, ServerTransaction } from '../sip/transaction/types';
import { createResponse } from '../sip/request-builder';
import { callId, fromTag, parseNameAddr, toTag } from '../sip/headers/name-addr';
import { contacts } from '../sip/headers/contact';
import { cseq } from '../sip/headers/cseq';
import { firstBranch, inDialogTarget, initialTarget, type ForwardDecision } from './forwarding-target';
import { describe, inboundTransport, ownVia, transportFor, type PfContext } from './pf-context';
import { ProxyDialogs, type ProxyDialog } from './proxy-dialogs';
import { addRecordRoute, decrementMaxForwards, popOwnRoutes, receivedMaxForwards, removeTopVia, setRoutes } from './routing';
import { ProxyFork } from './proxy-fork';
import type { LateAnswers } from './mld';
import { secondViaDestination, topViaIsOwn } from './via-destination';
import { leavingRole, type LeavingRole } from './leaving-role';

/** Methods whose 2xx creates a dialog, so the PF Record-Routes them (§16.6 step 4, §12.1). */
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);

interface RelayHooks {
  /** The BYE's C.2.3.1 role at this PF, when relaying a BYE. */
  byeRole?: LeavingRole;
  onFinal: (res: SipResponse) => void;
  onResponse?: (res: SipResponse) => void;
}

/** PF control of an INVITE carrying Replaces (a transfer target's or a puller's invitation, 5.2.5.1). */
export interface ReplacesDecision {
  /** Rejected here, nothing forwarded. */
  reject?: { status: number; reason?: string };
  /** Answered here (the transfer logic took the transaction). */
  handled?: boolean;
  /** The new dialog the forwarded INVITE creates, once recorded. */
  onDialog?: (d: ProxyDialog) => void;
  /** Every response of the forwarded INVITE, before it is relayed (it may be edited). */
  onResponse?: (res: SipResponse) => void;
}

export interface ProxyTransferHooks {
  onReplacesInvite(tx: ServerTransaction, fwd: SipRequest): ReplacesDecision;
  /** A BYE in a dialog marked transferred, from its caller side, at this PF: true when handled here. */
  onTransferredBye?(tx: ServerTransaction, dialog: ProxyDialog): boolean;
}

/** The 2xx to a BYE, relayed by the PF that serves the leaver (originating role): where the LEAVE-OK faults act. */
// Stryker disable all: only the leave-ok-* faults of the catalogue call this (selftest proves them)
function okToBye(res: SipResponse, byeRole: LeavingRole | undefined): boolean {
  return byeRole === 'originating' && cseq(res)?.method === 'BYE' && res.status >= 200 && res.status < 300;
}
// Stryker restore all

export class StatefulProxy {
  readonly dialogs = new ProxyDialogs();
  private transferHooks?: ProxyTransferHooks;
  /** ACKs already relayed (the endpoint may report one ACK both on the transaction and endpoint-wide). */
  private readonly relayedAcks = new WeakSet<SipRequest>();

  constructor(private readonly ctx: PfContext, private readonly late: LateAnswers) {}

  setTransferHooks(hooks: ProxyTransferHooks): void {
    this.transferHooks = hooks;
  }

  /** An initial request (no To tag): route it (§16.5) and relay it statefully. `recordRoute` false only under a fault. */
  forwardInitial(tx: ServerTransaction, recordRoute: boolean): void {
    const req = tx.request;
    if (!this.checkMaxForwards(tx)) return;
    const fwd = cloneMessage(req);
    popOwnRoutes(fwd, this.ctx.address);
    const protocol = tx.inbound.flow.protocol;
    let replacing: ReplacesDecision | undefined;
    if (req.method === 'INVITE' && this.transferHooks && header(req, 'Replaces') !== undefined) {
      replacing = this.transferHooks.onReplacesInvite(tx, fwd);
      if (replacing.reject) {
        this.ctx.log(`${this.ctx.name}: ${describe(req)} with Replaces rejected ${replacing.reject.status}`);
        void tx.respond(createResponse(req, replacing.reject.status, replacing.reject.reason));
        return;
      }
      if (replacing.handled) return;
    }
    const initial = initialTarget(this.ctx, fwd, protocol);
    // Stryker disable next-line BlockStatement,StringLiteral: equivalent: relay() answers a reject decision with the same status (a rejected INVITE's dialog entry aside, never on the wire); the killed `true` / `!==` twins stay in
    if (initial.kind === 'reject') {
      this.ctx.log(`${this.ctx.name}: ${describe(req)} rejected ${initial.status}`);
      void tx.respond(createResponse(req, initial.status, initial.reason));
      return;
    }
    const fork = initial.kind === 'fork' && req.method === 'INVITE' ? initial.branches : undefined;
    const decision = firstBranch(initial);
    // Stryker disable next-line all: not observable: PF A's Route to PF B names the next hop it sends to anyway, and both are the SUT (no harness element between them in direct topology; in core emulation a Route remains, so the decision has none); a branch's Request-URI / routes matter only for a non-INVITE request to an AoR, which no CR flow sends through the proxy
    if (!fork && decision.kind === 'forward') {
      if (decision.requestUri) fwd.uri = decision.requestUri;
      if (decision.pushRoute) addHeader(fwd, 'Route', decision.pushRoute, 'top');
      if (decision.routes && headerFields(fwd, 'Route').length === 0) setRoutes(fwd, decision.routes);
    }
    decrementMaxForwards(fwd, this.ctx.faults.has('leave-invite-max-forwards-kept'));
    let dialog: ProxyDialog | undefined;
    if (DIALOG_CREATING.has(req.method)) {
      if (recordRoute) addRecordRoute(fwd, this.ctx.address, protocol);
      else this.ctx.log(`${this.ctx.name}: fault (leave-pf-a-not-in-path / proxy-no-record-route): not Record-Routing ${describe(req)}`);
      const cid = callId(req);
      const tag = fromTag(req);
      // Stryker disable next-line LogicalOperator: equivalent: an INVITE has a Call-ID and a From tag (RFC 3261 §8.1.1.3-4); the killed `false` twin stays in
      if (cid && tag) {
        dialog = this.dialogs.add(cid, tag, recordRoute);
        // Stryker disable next-line OptionalChaining: equivalent: a request's From parses (RFC 3261 §8.1.1.3); the '' fallback (NoCoverage, kept in beside the killed 'From' → "" twin) never runs
        dialog.callerAor ??= parseNameAddr(header(req, 'From') ?? '')?.uri;
        // Stryker disable next-line OptionalChaining,AssignmentOperator,LogicalOperator,StringLiteral: not constrained: calleeAor is read only as the fallback of a transfer notification's target when the callee's device is unknown (transfer-notifications.ts), and a 2xx always names it (§12.1.1); the To parses (§8.1.1.2), and `'To'` → "" or the '' fallback unset it alike
        dialog.calleeAor ??= parseNameAddr(header(req, 'To') ?? '')?.uri;
        // Stryker disable next-line OptionalChaining: equivalent: an INVITE carries a Contact (RFC 3261 §8.1.1.8)
        dialog.callerTarget ??= contacts(req)[0]?.uri;
        replacing?.onDialog?.(dialog);
      }
    }
    const hooks = {
      onResponse: (res: SipResponse) => {
        replacing?.onResponse?.(res);
        const tt = toTag(res);
        if (dialog && tt && res.status > 100 && res.status < 300) {
          dialog.calleeTags.add(tt);
          // Each 2xx To tag is a session of its own (§12.1): two when two devices accepted at once.
          if (res.status >= 200) dialog.answeredTags.add(tt);
          const target = contacts(res)[0]?.uri;
          if (target) dialog.calleeTargets.set(tt, target);
        }
      },
      onFinal: (res: SipResponse) => {
        // A failed INVITE leaves no dialog behind (§12.1: only 2xx/1xx-with-tag create one).
        if (dialog && res.status >= 300) this.dialogs.remove(dialog);
      },
    };
    if (fork) {
      new ProxyFork(this.ctx, tx, {
        relay: (res) => this.respondUpstream(tx, res, undefined),
        stateless: (res) => this.sendUpstreamStateless(res, protocol),
      }, this.late, hooks).start(fwd, fork);
      return;
    }
    this.relay(tx, fwd, decision, hooks);
  }

  /** A request inside a dialog this PF Record-Routed: loose routing (§16.12); 481 when no dialog matches (§12.2.2). */
  forwardInDialog(tx: ServerTransaction): void {
    const req = tx.request;
    // Stryker disable next-line StringLiteral: equivalent: a request has a Call-ID (RFC 3261 §8.1.1.4), the fallback never runs
    const dialog = this.dialogs.match(callId(req) ?? '', fromTag(req), toTag(req));
    if (!dialog) {
      // The fault as a plain switch the ignorer sees (fault-only code inside).
      if (this.ctx.faults.has('leave-stale-bye-accepted')) {
        if (req.method === 'BYE') {
          this.ctx.log(`${this.ctx.name}: ${describe(req)} matches no dialog: fault leave-stale-bye-accepted: 200`);
          void tx.respond(createResponse(req, 200));
          return;
        }
      }
      this.ctx.log(`${this.ctx.name}: ${describe(req)} matches no dialog: 481`);
      void tx.respond(createResponse(req, 481));
      return;
    }
    if (!this.checkMaxForwards(tx)) return;
    const isBye = req.method === 'BYE';
    // Stryker disable next-line OptionalChaining: equivalent: TransferService sets both hooks (transfer.ts), and onTransferredBye acts under trf-nmp-bye-not-routed only
    if (isBye && dialog.transferred && this.transferHooks?.onTransferredBye?.(tx, dialog)) return;
    const fromCaller = fromTag(req) === dialog.callerTag;
    const role = isBye ? leavingRole(this.ctx.role, fromCaller) : undefined;
    // Which of the INVITE's dialogs the request is in: its callee-side tag (§12.2).
    const calleeTag = fromCaller ? toTag(req) : fromTag(req);
    // The LEAVE-TERM faults (byeFaultAtTerminating: the first one on wins), as plain switches the ignorer sees.
    // Stryker disable next-line all: fault switch: the block holds only the LEAVE-TERM faults' switches (selftest proves them)
    if (isBye && role === 'terminating') {
      if (this.ctx.faults.has('leave-pf-b-answers-bye')) {
        this.ctx.log(`${this.ctx.name}: fault leave-pf-b-answers-bye: answering the BYE itself`);
        this.dialogs.end(dialog, calleeTag);
        void tx.respond(createResponse(req, 200));
        return;
      }
      if (this.ctx.faults.has('leave-bye-not-delivered')) {
        this.ctx.log(`${this.ctx.name}: fault leave-bye-not-delivered: dropping the BYE`);
        return;
      }
    }
    const fwd = cloneMessage(req);
    popOwnRoutes(fwd, this.ctx.address);
    let keepMf = false;
    // The fault as a plain switch the ignorer sees (fault-only code inside).
    if (this.ctx.faults.has('leave-max-forwards-not-decremented')) {
      keepMf = isBye && role === 'originating';
      if (keepMf) this.ctx.log(`${this.ctx.name}: fault leave-max-forwards-not-decremented`);
    }
    decrementMaxForwards(fwd, keepMf);
    this.relay(tx, fwd, inDialogTarget(fwd), {
      byeRole: role,
      onFinal: (res) => {
        // §15.1.2: once the BYE is answered its dialog is gone; a second BYE gets 481. Only that
        // dialog: another device's session on the same INVITE (both 2xx forwarded) stays routable.
        if (isBye && ((res.status >= 200 && res.status < 300) || res.status === 481)) this.dialogs.end(dialog, calleeTag);
      },
    });
  }

  /** The ACK for a 2xx (its own transaction, §13.2.2.4): forwarded statelessly along the route set (§16.11). */
  forwardAck(ack: SipRequest, inbound: InboundMessage): void {
    if (this.relayedAcks.has(ack)) return;
    this.relayedAcks.add(ack);
    // Stryker disable next-line StringLiteral: equivalent: an ACK has a Call-ID (RFC 3261 §8.1.1.4), the fallback never runs
    const dialog = this.dialogs.match(callId(ack) ?? '', fromTag(ack), toTag(ack));
    if (!dialog) return; // an ACK is never answered (§17)
    const confirmed = dialog.onConfirmed;
    dialog.onConfirmed = undefined;
    if (receivedMaxForwards(ack) <= 0) return;
    const fwd = cloneMessage(ack);
    popOwnRoutes(fwd, this.ctx.address);
    decrementMaxForwards(fwd);
    const target = inDialogTarget(fwd);
    if (target.kind !== 'forward') return;
    const transport = transportFor(this.ctx, target.protocol, inboundTransport(this.ctx, inbound.flow.protocol));
    addHeader(fwd, 'Via', ownVia(transport), 'top');
    void this.ctx.endpoint.send(fwd, target.address, transport).then(() => confirmed?.(), () => undefined);
  }

  /** A response that matches no transaction (e.g. a retransmitted 2xx): forwarded statelessly if our Via is on top (§16.7, §16.11). */
  relayStray(res: SipResponse, inbound: InboundMessage): void {
    if (!topViaIsOwn(res, this.ctx.address)) return;
    this.sendUpstreamStateless(res, inbound.flow.protocol);
  }

  private sendUpstreamStateless(res: SipResponse, protocol: Transport['protocol']): void {
    const dest = secondViaDestination(res);
    if (!dest) return;
    const up = cloneMessage(res);
    removeTopVia(up);
    void this.ctx.endpoint.send(up, dest.address, transportFor(this.ctx, dest.protocol, inboundTransport(this.ctx, protocol)));
  }

  /** §16.3 step 3: a request arriving with Max-Forwards 0 is answered 483 (OPTIONS would be answered by us). */
  private checkMaxForwards(tx: ServerTransaction): boolean {
    if (receivedMaxForwards(tx.request) > 0) return true;
    if (this.ctx.faults.has('leave-max-forwards-zero-forwarded')) {
      this.ctx.log(`${this.ctx.name}: fault leave-max-forwards-zero-forwarded: forwarding ${describe(tx.request)} received with Max-Forwards 0`);
      return true;
    }
    void tx.respond(createResponse(tx.request, 483));
    return false;
  }

  /** §16.6 step 8-10 and §16.7: one client transaction downstream, its responses relayed upstream. */
  private relay(tx: ServerTransaction, fwd: SipRequest, decision: ForwardDecision, hooks: RelayHooks): void {
    // Stryker disable next-line BlockStatement,StringLiteral: out of scope: only an in-dialog request with neither a Route nor a routable Request-URI is rejected here (400; forwardInitial answers its own rejects), and no device of the CRs sends one; the killed `true` / `!==` twins stay in
    if (decision.kind === 'reject') {
      void tx.respond(createResponse(tx.request, decision.status, decision.reason));
      return;
    }
    const inbound = inboundTransport(this.ctx, tx.inbound.flow.protocol);
    const transport = transportFor(this.ctx, decision.protocol, inbound);
    this.ctx.log(`${this.ctx.name}: ${describe(fwd)} → ${decision.address.host}:${decision.address.port}/${transport.protocol}`);
    const client: ClientTransaction = this.ctx.endpoint.request(fwd, decision.address, { transport });
    let finalSent = false;
    // §16.10: CANCEL the pending client transaction; its 487 comes back and is relayed as usual.
    // The endpoint's cancel() waits for a provisional (§9.1) and rejects if a final came first.
    tx.onCancel(() => {
      client.cancel().catch(() => { /* a final response raced the CANCEL: nothing left to cancel */ });
    });
    client.onResponse((res) => {
      hooks.onResponse?.(res);
      if (res.status === 100) return; // §16.7 step 5: a 100 is not forwarded
      // Stryker disable next-line BlockStatement: equivalent: a later 2xx through the server transaction passes its Accepted state (RFC 6026 §8.7) as the stateless path does, and it sends no provisional after its final (§17.2.1); the ConditionalExpression `false` (same reason) is kept in beside its killed `true` twin
      if (finalSent) {
        // §16.7 step 5: every further 2xx is forwarded (retransmissions, forked answers).
        if (res.status >= 200 && res.status < 300) this.sendUpstreamStateless(res, tx.inbound.flow.protocol);
        return;
      }
      if (res.status >= 200) {
        // Stryker disable next-line BooleanLiteral: equivalent (above: after its final the server transaction passes a later 2xx, RFC 6026 §8.7, and sends no provisional)
        finalSent = true;
        hooks.onFinal(res);
      }
      this.respondUpstream(tx, res, hooks.byeRole);
    });
    void client.final.then((res) => {
      if (res !== null || finalSent) return;
      // §16.7 step 6 / §16.8: no final response (timeout or transport error) → 408 to the upstream.
      finalSent = true;
      const timeout = createResponse(tx.request, 408);
      hooks.onFinal(timeout);
      if (tx.request.method !== 'ACK') void tx.respond(timeout);
    });
  }

  /** Relay one response upstream with our Via removed (§16.7 step 3), applying the LEAVE-OK faults at the originating PF. */
  private respondUpstream(tx: ServerTransaction, res: SipResponse, byeRole: LeavingRole | undefined): void {
    const up = cloneMessage(res);
    // The LEAVE-OK faults as plain switches the ignorer sees (fault-only code inside).
    if (this.ctx.faults.has('leave-ok-wrong-cseq')) {
      if (okToBye(res, byeRole)) {
        const c = cseq(res);
        if (c) setHeader(up, 'CSeq', `${c.seq + 1} ${c.method}`);
        this.ctx.log(`${this.ctx.name}: fault leave-ok-wrong-cseq`);
      }
    }
    if (this.ctx.faults.has('leave-ok-wrong-via')) {
      if (okToBye(res, byeRole)) {
        // The faulty PF sends the OK where the Via below its own points, but leaves its own on top.
        this.ctx.log(`${this.ctx.name}: fault leave-ok-wrong-via`);
        const dest = secondViaDestination(up);
        if (dest) void this.ctx.endpoint.send(up, dest.address, transportFor(this.ctx, dest.protocol, inboundTransport(this.ctx, tx.inbound.flow.protocol)));
        return;
      }
    }
    removeTopVia(up);
    void tx.respond(up);
  }
}
