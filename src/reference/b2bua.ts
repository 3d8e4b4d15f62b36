/**
 * The Participating Function as a back-to-back user agent (RFC 3261 §3 "B2BUA", RFC 7092): it
 * answers the incoming INVITE as a UAS on one leg and originates a new INVITE as a UAC on the
 * other (new Call-ID, From tag and CSeq space; its own Contact), relaying provisional, 2xx, ACK,
 * BYE and their answers between the legs. The SDP is bridged unchanged. Each leg keeps its own
 * route set (§12.1): in core-emulation topology the outgoing leg keeps the Route to the core.
 * The BYE faults of the catalogue apply here by the PF's C.2.3.1 role, as in the proxy.
 * A re-INVITE (§14) is relayed like any in-dialog request, one at a time per session (§14.2: 500
 * or 491 otherwise); its 2xx goes back with our Contact and each B2BUA ACKs on its own leg once
 * the ACK of its own 2xx arrives (§13.2.2.4), so a late offer in the ACK crosses too.
 *
 * Terminating service control at PF B forks: one outgoing leg per registered device of the AoR
 * (CPM-MLD-007). Provisionals of every leg are relayed on the incoming leg; the first 2xx answers
 * the caller and every other pending leg is CANCELled (RFC 3261 §9.1, with RFC 3326
 * `Reason: SIP;cause=200;text="Call completed elsewhere"`), its 487 ACKed by the transaction
 * layer; a second 2xx that raced the CANCEL is ACKed and released with BYE (§13.2.2.4, §15), so the
 * caller gets one session: as the UAS of the caller's leg the B2BUA answers once (§13.3.1.4), as the
 * UAC of the device's it ACKs and BYEs (a proxy forwards every 2xx instead, §16.7 step 5).
 * With no 2xx the best final goes back (§16.7 step 6 by analogy);
 * the caller's CANCEL cancels every pending leg (§16.10 by analogy).
 */
import type { SipRequest, SipResponse } from '../sip/message';
import type { HeaderField } from '../sip/message';
import { addHeader, cloneMessage, header, headerFields, setHeader } from '../sip/message';
import type { TransportProtocol } from '../sip/transport/address';
import type { ClientTransaction, ServerTransaction } from '../sip/transaction/types';
import { Dialog } from '../sip/dialog';
import { createResponse } from '../sip/request-builder';
import { callId, formatNameAddr, fromTag, parseNameAddr, toTag } from '../sip/headers/name-addr';
import { cseq } from '../sip/headers/cseq';
import { newCallId, newTag } from '../sip/ids';
import { initialTarget, type BranchTarget } from './forwarding-target';
import { describe, inboundTransport, ownVia, transportFor, type PfContext } from './pf-context';
import { nextHop, ownUri, popOwnRoutes, receivedMaxForwards } from './routing';
import { acceptedReason, cancelAcceptedBranch, cancelBranch, type CancelCause, type LateAnswers } from './mld';
import { bestResponse } from './proxy-fork';
import { secondViaDestination } from './via-destination';
import { byeFaultAtTerminating, leavingRole } from './leaving-role';
import { copyEndToEnd, legKey, type B2buaTransferHooks, type Call, type Leg, type OutBranch, type Reinvite, type SentAck } from './b2bua-call';

export type { B2buaCall, B2buaTransferHooks, Leg } from './b2bua-call';

export class B2bua {
  private readonly legs = new Map<string, { call: Call; leg: Leg }>();
  private transferHooks?: B2buaTransferHooks;

  constructor(private readonly ctx: PfContext, private readonly late: LateAnswers) {}

  setTransferHooks(hooks: B2buaTransferHooks): void {
    this.transferHooks = hooks;
  }

  /**
   * The live session whose incoming leg is the dialog (Call-ID, our tag, the device's tag), with
   * that leg still the one the session runs on: the dialog a transfer or a pull names.
   */
  findIncoming(cid: string, ourTag: string, remoteTag: string): Call | undefined {
    const found = this.legs.get(legKey(cid, ourTag));
    if (!found || found.call.ended || found.leg !== found.call.in || found.leg.side !== 'in' || found.leg.gone) return undefined;
    return found.leg.dialog?.remoteTag === remoteTag ? found.call : undefined;
  }

  /**
   * Answer a transfer target's (or puller's) INVITE ourselves (200 with our Contact and `body`)
   * and make its leg the session's incoming leg: from now on the transferee's requests go to it.
   * The old incoming leg stays registered, detached, until its device releases it (or we do).
   */
  join(call: Call, tx: ServerTransaction, body: Buffer, contentType: string, onAck: () => void): { old: Leg; joined: Leg } {
    const req = tx.request;
    const protocol = tx.inbound.flow.protocol;
    const joined: Leg = { side: 'in', callId: callId(req) ?? '', localTag: newTag(), protocol, onAck };
    joined.dialog = Dialog.fromUas(req, joined.localTag, ownUri(this.ctx.address, protocol));
    const ok = createResponse(req, 200, undefined, { toTag: joined.localTag });
    addHeader(ok, 'Contact', `<${ownUri(this.ctx.address, protocol)}>`);
    setHeader(ok, 'Content-Type', contentType);
    ok.body = Buffer.from(body);
    const old = call.in;
    if (!old.gone) old.detached = true;
    call.in = joined;
    call.transferPending = false;
    this.legs.set(legKey(joined.callId, joined.localTag), { call, leg: joined });
    void tx.respond(ok);
    return { old, joined };
  }

  /** Release a detached incoming leg with our own BYE (the replaced dialog of a pull, RFC 3891 §3). */
  releaseLeg(leg: Leg): void {
    this.legs.delete(legKey(leg.callId, leg.localTag));
    if (!leg.dialog || leg.gone) return;
    leg.gone = true;
    this.byeOn(leg);
  }

  /** End a session whose transferor left and whose transfer failed: BYE the transferee's leg. */
  abandon(call: Call): void {
    if (call.ended) return;
    this.byeOn(call.out);
    this.end(call);
  }

  private byeOn(leg: Leg): void {
    if (!leg.dialog) return;
    const bye = leg.dialog.createRequest('BYE');
    const hop = nextHop(bye);
    if (!hop) return;
    this.ctx.log(`${this.ctx.name}: B2BUA releasing leg ${leg.callId}: ${describe(bye)}`);
    this.ctx.endpoint.request(bye, hop.address, { transport: transportFor(this.ctx, hop.protocol, inboundTransport(this.ctx, leg.protocol)) });
  }

  /** True when the request's dialog is one of our legs (its To tag is our tag on that leg). */
  owns(req: SipRequest): boolean {
    return this.legs.has(legKey(callId(req) ?? '', toTag(req) ?? ''));
  }

  /** True when a response belongs to one of our outgoing legs (its From tag is ours). */
  ownsResponse(cid: string, res: SipResponse): boolean {
    const from = parseNameAddr(header(res, 'From') ?? '');
    const tag = typeof from?.params['tag'] === 'string' ? from.params['tag'] : '';
    const found = this.legs.get(legKey(cid, tag));
    // Our outgoing legs, and a leg we sent a re-INVITE on (its 2xx may come back after Timer M, §13.2.2.4).
    return found?.leg.side === 'out' || (found !== undefined && found.call.reinvite?.to === found.leg);
  }

  /** A new session: answer as UAS on the incoming leg, originate one outgoing leg per target (§8.1.1). */
  start(tx: ServerTransaction): void {
    const inReq = tx.request;
    if (receivedMaxForwards(inReq) <= 0) {
      void tx.respond(createResponse(inReq, 483));
      return;
    }
    const inProtocol = tx.inbound.flow.protocol;
    const routed = cloneMessage(inReq);
    popOwnRoutes(routed, this.ctx.address);
    const decision = initialTarget(this.ctx, routed, inProtocol);
    if (decision.kind === 'reject') {
      void tx.respond(createResponse(inReq, decision.status, decision.reason));
      return;
    }
    const targets: Array<Omit<BranchTarget, 'binding'>> = decision.kind === 'fork'
      ? decision.branches
      : [{
        address: decision.address, protocol: decision.protocol, requestUri: decision.requestUri ?? routed.uri,
        routes: decision.pushRoute ? [decision.pushRoute] : headerFields(routed, 'Route').map((f) => f.value),
      }];
    const call: Call = {
      in: { side: 'in', callId: callId(inReq) ?? '', localTag: newTag(), protocol: inProtocol },
      out: undefined as unknown as Leg,
      branches: [],
      inviteTx: tx,
      finalSent: false,
      ended: false,
    };
    this.legs.set(legKey(call.in.callId, call.in.localTag), { call, leg: call.in });
    for (const t of targets) {
      const transport = transportFor(this.ctx, t.protocol, inboundTransport(this.ctx, inProtocol));
      const out = this.outgoingInvite(inReq, t.requestUri, t.routes, transport.protocol);
      const leg: Leg = { side: 'out', callId: callId(out) ?? '', localTag: fromTag(out) ?? '', protocol: transport.protocol };
      const branch: OutBranch = { leg, client: undefined as unknown as ClientTransaction, done: false, final: null, cancelled: false, cancelledOnAccept: false };
      const suppressNon2xxAck = this.ctx.faults.has('mld-487-not-acked')
        ? (res: SipResponse) => {
          const skip = branch.cancelledOnAccept && res.status === 487;
          if (skip) this.ctx.log(`${this.ctx.name}: fault mld-487-not-acked: no ACK for the 487 on leg ${leg.callId}`);
          return skip;
        }
        : undefined;
      this.legs.set(legKey(leg.callId, leg.localTag), { call, leg });
      this.ctx.log(`${this.ctx.name}: B2BUA ${describe(inReq)} → new leg ${leg.callId} to ${t.address.host}:${t.address.port}`);
      branch.client = this.ctx.endpoint.request(out, t.address, { transport, suppressNon2xxAck });
      call.branches.push(branch);
      branch.client.onResponse((res) => this.onBranchResponse(call, branch, res));
      void branch.client.final.then((res) => {
        if (res !== null || branch.done) return;
        branch.done = true;
        this.maybeBest(call);
      });
    }
    call.out = call.branches[0].leg;
    call.outInvite = call.branches[0].client;
    tx.onCancel((cancel) => {
      const reason = headerFields(cancel, 'Reason').map((f) => ({ name: f.name, value: f.value }));
      for (const b of call.branches) this.cancel(b, 'upstream', reason);
    });
  }

  private cancel(b: OutBranch, cause: CancelCause, extra: HeaderField[]): void {
    if (b.done || b.cancelled) return;
    b.cancelled = true;
    b.cancelledOnAccept = cause === 'accepted';
    cancelBranch(this.ctx, b.client, cause, extra);
  }

  private onBranchResponse(call: Call, b: OutBranch, res: SipResponse): void {
    if (res.status === 100) return;
    if (res.status < 200) {
      if (!call.finalSent) this.answerIncoming(call, res);
      return;
    }
    if (res.status < 300) {
      this.onBranch2xx(call, b, res);
      return;
    }
    // A non-2xx final: the client transaction ACKs it (§17.1.1.3).
    b.done = true;
    b.final = res;
    if (res.status >= 600 && !call.finalSent) for (const o of call.branches) if (o !== b) this.cancel(o, 'global-failure', []);
    this.maybeBest(call);
  }

  private onBranch2xx(call: Call, b: OutBranch, res: SipResponse): void {
    b.done = true;
    b.final ??= res;
    if (!call.finalSent) {
      call.finalSent = true;
      call.winner = b;
      call.out = b.leg;
      call.outInvite = b.client;
      this.answerIncoming(call, res, b.client);
      this.cancelOthers(call, b);
      return;
    }
    const sameDialog = b === call.winner && (!call.out.dialog || toTag(res) === call.out.dialog.remoteTag);
    if (sameDialog) {
      this.strayResponse(res); // a retransmission: re-ACK (§13.2.2.4)
      return;
    }
    if (b !== call.winner && this.ctx.faults.has('mld-caller-two-sessions')) {
      this.secondSession(call, b, res);
      return;
    }
    if (b !== call.winner && this.ctx.faults.has('mld-second-2xx-dangling')) {
      this.ctx.log(`${this.ctx.name}: fault mld-second-2xx-dangling: neither ACK nor BYE for ${describe(res)} on leg ${b.leg.callId}`);
      this.late.ignore(res);
      return;
    }
    // Another device's 2xx raced the CANCEL (or a downstream fork answered twice): confirm and release it.
    this.late.release(Dialog.fromUac(b.client.request, res), res, b.client.transport);
  }

  /** CPM-MLD-007: cancel the outstanding invitations on the other devices. */
  private cancelOthers(call: Call, winner: OutBranch): void {
    if (this.ctx.faults.has('mld-no-cancel')) {
      this.ctx.log(`${this.ctx.name}: fault mld-no-cancel: the other legs are left ringing`);
      return;
    }
    const reason = acceptedReason(this.ctx);
    for (const b of call.branches) if (b !== winner) this.cancel(b, 'accepted', reason);
    if (this.ctx.faults.has('mld-cancel-accepting-device')) cancelAcceptedBranch(this.ctx, winner.client, reason);
  }

  /** `mld-caller-two-sessions` (a B2BUA fault): the late 2xx answers the caller's leg again, another To tag (§13.3.1.4: once). */
  private secondSession(call: Call, b: OutBranch, res: SipResponse): void {
    this.ctx.log(`${this.ctx.name}: fault mld-caller-two-sessions: a second 2xx on the caller's leg`);
    const second: Call = {
      in: { side: 'in', callId: call.in.callId, localTag: newTag(), protocol: call.in.protocol },
      out: b.leg,
      branches: [b],
      winner: b,
      inviteTx: call.inviteTx,
      outInvite: b.client,
      finalSent: true,
      ended: false,
    };
    this.legs.set(legKey(second.in.callId, second.in.localTag), { call: second, leg: second.in });
    this.legs.set(legKey(b.leg.callId, b.leg.localTag), { call: second, leg: b.leg });
    call.branches = call.branches.filter((x) => x !== b);
    this.answerIncoming(second, res, b.client);
  }

  /** With every leg answered and none 2xx, the best final goes back on the incoming leg (§16.7 step 6 by analogy). */
  private maybeBest(call: Call): void {
    if (call.finalSent || call.branches.some((b) => !b.done)) return;
    call.finalSent = true;
    const best = bestResponse(call.branches.map((b) => b.final));
    if (best) {
      this.answerIncoming(call, best);
      return;
    }
    void call.inviteTx.respond(createResponse(call.inviteTx.request, 408, undefined, { toTag: call.in.localTag }));
    this.end(call);
  }

  /** The outgoing INVITE: same AoR and body, a fresh dialog identity, our Contact, the given Route (core, Path, PF B). */
  private outgoingInvite(inReq: SipRequest, uri: string, routeValues: string[], protocol: TransportProtocol): SipRequest {
    const from = parseNameAddr(header(inReq, 'From') ?? '');
    const to = parseNameAddr(header(inReq, 'To') ?? '');
    const out: SipRequest = { kind: 'request', version: 'SIP/2.0', method: 'INVITE', uri, headers: [], body: Buffer.alloc(0) };
    for (const r of routeValues) addHeader(out, 'Route', r);
    out.headers.push({ name: 'Max-Forwards', value: String(receivedMaxForwards(inReq) - 1) });
    out.headers.push({ name: 'From', value: from ? formatNameAddr({ ...from, params: { ...from.params, tag: newTag() } }) : `<${uri}>;tag=${newTag()}` });
    out.headers.push({ name: 'To', value: to ? formatNameAddr({ ...to, params: Object.fromEntries(Object.entries(to.params).filter(([k]) => k !== 'tag')) }) : `<${uri}>` });
    out.headers.push({ name: 'Call-ID', value: newCallId(this.ctx.address.host) });
    out.headers.push({ name: 'CSeq', value: '1 INVITE' });
    out.headers.push({ name: 'Contact', value: `<${ownUri(this.ctx.address, protocol)}>` });
    copyEndToEnd(inReq, out);
    return out;
  }

  /** Relay a response of the outgoing INVITE onto the incoming leg (§13.3.1: our tag, our Contact, the peer's SDP). */
  private answerIncoming(call: Call, res: SipResponse, client?: ClientTransaction): void {
    const inReq = call.inviteTx.request;
    const up = createResponse(inReq, res.status, res.reason, { toTag: call.in.localTag });
    if (res.status < 300) {
      addHeader(up, 'Contact', `<${ownUri(this.ctx.address, call.in.protocol)}>`);
      copyEndToEnd(res, up);
    }
    if (res.status >= 200 && res.status < 300 && client) {
      call.answer = { body: Buffer.from(res.body), contentType: header(res, 'Content-Type') };
      call.out.dialog = Dialog.fromUac(client.request, res);
      call.in.dialog = Dialog.fromUas(inReq, call.in.localTag, ownUri(this.ctx.address, call.in.protocol));
    } else if (res.status >= 300) {
      this.end(call);
    }
    void call.inviteTx.respond(up);
  }

  /** The ACK for our 2xx on the incoming leg: ACK the peer's 2xx on the outgoing leg (§13.2.2.4). */
  ack(ack: SipRequest): void {
    const found = this.legs.get(legKey(callId(ack) ?? '', toTag(ack) ?? ''));
    if (found && this.reinviteAck(found.call, found.leg, ack)) return;
    if (found?.leg.onAck) {
      // The ACK of a 2xx we answered ourselves (a transfer target or a puller): it ends here.
      const cb = found.leg.onAck;
      found.leg.onAck = undefined;
      cb();
      return;
    }
    if (!found || found.leg.side !== 'in' || !found.call.out.dialog || !found.call.outInvite) return;
    const call = found.call;
    if (call.outAck) return; // re-ACK of our retransmitted 2xx: the peer already has its ACK
    const out = call.out.dialog!.createRequest('ACK');
    setHeader(out, 'CSeq', `${cseq(call.outInvite!.request)?.seq ?? 1} ACK`);
    copyEndToEnd(ack, out);
    const hop = nextHop(out);
    if (!hop) return;
    const transport = transportFor(this.ctx, hop.protocol, inboundTransport(this.ctx, call.out.protocol));
    addHeader(out, 'Via', ownVia(transport), 'top');
    call.outAck = { msg: out, transport, dest: hop.address };
    void this.ctx.endpoint.send(out, hop.address, transport);
  }

  /** A 2xx retransmitted by the peer after its transaction ended: resend our ACK (§13.2.2.4). */
  strayResponse(res: SipResponse): void {
    const from = parseNameAddr(header(res, 'From') ?? '');
    const found = this.legs.get(legKey(callId(res) ?? '', typeof from?.params['tag'] === 'string' ? from.params['tag'] : ''));
    const r = found?.call.reinvite;
    if (r?.ack && r.to === found?.leg && cseq(res)?.seq === cseq(r.client.request)?.seq) {
      void this.ctx.endpoint.send(r.ack.msg, r.ack.dest, r.ack.transport); // a re-INVITE's 2xx: its own ACK (§13.2.2.4)
      return;
    }
    const a = found?.call.outAck;
    const sameDialog = found?.call.out.dialog?.remoteTag === toTag(res);
    const sameInvite = a !== undefined && cseq(res)?.seq === cseq(a.msg)?.seq;
    if (a && sameDialog && sameInvite && res.status >= 200 && res.status < 300 && cseq(res)?.method === 'INVITE') void this.ctx.endpoint.send(a.msg, a.dest, a.transport);
  }

  /** A request inside one leg (BYE, ...): sent on the other leg, its final answer relayed back (§12.2). */
  inDialog(tx: ServerTransaction): void {
    const req = tx.request;
    const found = this.legs.get(legKey(callId(req) ?? '', toTag(req) ?? ''));
    if (found?.leg.detached && this.transferRequest(tx, found.call, found.leg)) return;
    const other = found ? (found.leg.side === 'in' ? found.call.out : found.call.in) : undefined;
    // A leg that lost the fork (never confirmed towards the caller) has no session to relay to.
    const lost = found !== undefined && found.leg.side === 'out' && found.leg !== found.call.out;
    if (!found || !other?.dialog || found.call.ended || lost) {
      const stale = req.method === 'BYE' && this.ctx.faults.has('leave-stale-bye-accepted');
      void tx.respond(createResponse(req, stale ? 200 : 481));
      return;
    }
    const call = found.call;
    const isBye = req.method === 'BYE';
    if (found.leg.side === 'in' && this.transferRequest(tx, call, found.leg)) return;
    // A BYE on the incoming leg comes from the caller's side.
    const role = isBye ? leavingRole(this.ctx.role, found.leg.side === 'in') : undefined;
    if (role === 'terminating') {
      const fault = byeFaultAtTerminating(this.ctx.faults);
      if (fault === 'leave-pf-b-answers-bye') {
        this.ctx.log(`${this.ctx.name}: fault ${fault}: answering the BYE itself`);
        this.end(call);
        void tx.respond(createResponse(req, 200));
        return;
      }
      if (fault === 'leave-bye-not-delivered') {
        this.ctx.log(`${this.ctx.name}: fault ${fault}: dropping the BYE`);
        return;
      }
    }
    if (req.method === 'INVITE' && !this.reinviteAllowed(tx, call, found.leg)) return;
    this.relayOn(tx, call, other, role);
  }

  /** Send the request on the other leg and relay its final answer back (§12.2), applying the LEAVE-OK faults. */
  private relayOn(tx: ServerTransaction, call: Call, other: Leg, role: ReturnType<typeof leavingRole> | undefined): void {
    const req = tx.request;
    const isBye = req.method === 'BYE';
    if (!other.dialog) {
      void tx.respond(createResponse(req, 481));
      return;
    }
    if (receivedMaxForwards(req) <= 0) {
      void tx.respond(createResponse(req, 483));
      return;
    }
    const out = other.dialog.createRequest(req.method);
    const keepMf = role === 'originating' && this.ctx.faults.has('leave-max-forwards-not-decremented');
    setHeader(out, 'Max-Forwards', String(receivedMaxForwards(req) - (keepMf ? 0 : 1)));
    copyEndToEnd(req, out);
    const hop = nextHop(out);
    if (!hop) {
      void tx.respond(createResponse(req, 500));
      return;
    }
    const transport = transportFor(this.ctx, hop.protocol, inboundTransport(this.ctx, other.protocol));
    this.ctx.log(`${this.ctx.name}: B2BUA ${describe(req)} → ${describe(out)} on leg ${other.callId}`);
    const client = this.ctx.endpoint.request(out, hop.address, { transport });
    if (req.method === 'INVITE') {
      this.relayReinvite(tx, call, other, client);
      return;
    }
    void client.final.then((res) => {
      const status = res?.status ?? 408;
      const back = createResponse(req, status, res?.reason);
      if (res) copyEndToEnd(res, back);
      if (isBye && ((status >= 200 && status < 300) || status === 481)) this.end(call);
      const ok = isBye && role === 'originating' && status >= 200 && status < 300;
      if (ok && this.ctx.faults.has('leave-ok-wrong-cseq')) {
        const c = cseq(back);
        if (c) setHeader(back, 'CSeq', `${c.seq + 1} ${c.method}`);
      }
      if (ok && this.ctx.faults.has('leave-ok-wrong-via')) {
        // Our own Via of the other leg left on top of the answer; sent where the Via below points.
        const own = header(client.request, 'Via');
        if (own) addHeader(back, 'Via', own, 'top');
        const dest = secondViaDestination(back);
        if (dest) void this.ctx.endpoint.send(back, dest.address, transportFor(this.ctx, dest.protocol, inboundTransport(this.ctx, tx.inbound.flow.protocol)));
        return;
      }
      void tx.respond(back);
    });
  }

  // ---- re-INVITE (RFC 3261 §14): relayed leg to leg, 2xx and ACK each on their own leg ----

  /**
   * Our own re-INVITE on a leg of a session, `body` its offer (§14.1): the peer's 2xx is ACKed
   * here (§13.2.2.4) and nothing goes to the other leg. False when the leg has no dialog or an
   * INVITE is already pending in the session (§14.1: not while one is in progress).
   */
  reinvite(call: Call, leg: Leg, body: Buffer, contentType: string): boolean {
    const pending = call.reinvite;
    if (!leg.dialog || call.ended || (pending && !pending.done)) return false;
    const req = leg.dialog.createRequest('INVITE', [{ name: 'Content-Type', value: contentType }]);
    req.body = Buffer.from(body);
    const hop = nextHop(req);
    if (!hop) return false;
    const transport = transportFor(this.ctx, hop.protocol, inboundTransport(this.ctx, leg.protocol));
    this.ctx.log(`${this.ctx.name}: B2BUA re-INVITE on leg ${leg.callId}: ${describe(req)}`);
    const r: Reinvite = { to: leg, client: this.ctx.endpoint.request(req, hop.address, { transport }), done: false, ok: false };
    call.reinvite = r;
    this.onReinviteFinal(r, (res) => {
      if (res && res.status < 300) r.ack = this.sendAck(leg, r.client);
    });
    return true;
  }

  /** §14.2: a re-INVITE while another INVITE of the session is pending gets 500 (same side) or 491 (glare). */
  private reinviteAllowed(tx: ServerTransaction, call: Call, from: Leg): boolean {
    const req = tx.request;
    const pending = call.reinvite;
    if (pending && !pending.done) {
      const sameSide = pending.from === from;
      const res = createResponse(req, sameSide ? 500 : 491);
      if (sameSide) addHeader(res, 'Retry-After', String(Math.floor(Math.random() * 11))); // §14.2: 0 to 10 s
      void tx.respond(res);
      return false;
    }
    // A target refresh request (§12.2.2): CSeq order and the remote target of its leg.
    if (from.dialog && !from.dialog.receive(req)) {
      void tx.respond(createResponse(req, 500, 'Out of Order'));
      return false;
    }
    return true;
  }

  /** A re-INVITE relayed on `to`: its final goes back (a 2xx with our Contact, §13.3.1.4); its ACK follows ours (reinviteAck). */
  private relayReinvite(tx: ServerTransaction, call: Call, to: Leg, client: ClientTransaction): void {
    const req = tx.request;
    const from = this.legs.get(legKey(callId(req) ?? '', toTag(req) ?? ''))?.leg;
    const r: Reinvite = { from, seq: cseq(req)?.seq, to, client, done: false, ok: false };
    call.reinvite = r;
    this.onReinviteFinal(r, (res) => {
      const back = createResponse(req, res?.status ?? 408, res?.reason);
      if (res) copyEndToEnd(res, back);
      if (res && res.status < 300) addHeader(back, 'Contact', `<${ownUri(this.ctx.address, from?.protocol ?? to.protocol)}>`);
      void tx.respond(back);
    });
  }

  /** The first final of a re-INVITE (null: timeout) to `onFinal`; a retransmitted 2xx gets our ACK again (§13.2.2.4). */
  private onReinviteFinal(r: Reinvite, onFinal: (res: SipResponse | null) => void): void {
    r.client.onResponse((res) => {
      if (res.status < 200) return;
      if (r.done) {
        if (res.status < 300 && r.ack) void this.ctx.endpoint.send(r.ack.msg, r.ack.dest, r.ack.transport);
        return;
      }
      r.done = true;
      r.ok = res.status < 300;
      if (r.ok) r.to.dialog?.update(res); // a 2xx to a target refresh request (§12.2.1.2)
      onFinal(res); // a non-2xx is ACKed by the client transaction (§17.1.1.3)
    });
    void r.client.final.then((res) => {
      if (res !== null || r.done) return;
      r.done = true;
      onFinal(null);
    });
  }

  /** The ACK of our 2xx to a relayed re-INVITE: now ours for the peer's 2xx on the other leg (§13.2.2.4). True when it was one. */
  private reinviteAck(call: Call, leg: Leg, ack: SipRequest): boolean {
    const r = call.reinvite;
    if (!r || r.from !== leg || r.seq !== cseq(ack)?.seq) return false;
    if (r.ok && !r.ack) r.ack = this.sendAck(r.to, r.client, ack);
    return true;
  }

  /** An ACK for the 2xx to `invite` on `leg`, outside any transaction (§13.2.2.4: the INVITE's CSeq number), with our Via. */
  private sendAck(leg: Leg, invite: ClientTransaction, from?: SipRequest): SentAck | undefined {
    if (!leg.dialog) return undefined;
    const ack = leg.dialog.createRequest('ACK');
    setHeader(ack, 'CSeq', `${cseq(invite.request)?.seq ?? 1} ACK`);
    if (from) copyEndToEnd(from, ack);
    const hop = nextHop(ack);
    if (!hop) return undefined;
    const transport = transportFor(this.ctx, hop.protocol, inboundTransport(this.ctx, leg.protocol));
    addHeader(ack, 'Via', ownVia(transport), 'top');
    const sent: SentAck = { msg: ack, transport, dest: hop.address };
    void this.ctx.endpoint.send(ack, hop.address, transport);
    return sent;
  }

  /**
   * Requests on an incoming leg that a transfer concerns (5.2.5.1.1): the transfer request itself
   * (REFER at PF A), the transferor's Release request on a leg the session left (answered here,
   * never relayed to the transferee), and the transferor leaving while its transfer is pending.
   * True when handled.
   */
  private transferRequest(tx: ServerTransaction, call: Call, leg: Leg): boolean {
    const req = tx.request;
    if (req.method === 'REFER' && this.ctx.role === 'A' && this.transferHooks && leg === call.in && !leg.detached) {
      this.transferHooks.onRefer(tx, call);
      return true;
    }
    const detached = leg.detached === true;
    const leavingEarly = leg === call.in && call.transferPending === true;
    if (!detached && !leavingEarly) return false;
    if (req.method !== 'BYE') {
      void tx.respond(createResponse(req, detached ? 403 : 491));
      return true;
    }
    if (detached && this.ctx.faults.has('trf-mp-bye-propagated')) {
      this.ctx.log(`${this.ctx.name}: fault trf-mp-bye-propagated: relaying the transferor's BYE to the transferee`);
      leg.detached = false;
      this.legs.delete(legKey(leg.callId, leg.localTag));
      this.relayOn(tx, call, call.out, undefined);
      return true;
    }
    // The transferor's session only: the transferee's legs stay (5.2.5.1.1 ¶6-7).
    this.ctx.log(`${this.ctx.name}: ${describe(req)} releases the transferor's leg ${leg.callId} only`);
    leg.gone = true;
    leg.detached = false;
    this.legs.delete(legKey(leg.callId, leg.localTag));
    void tx.respond(createResponse(req, 200));
    return true;
  }

  private end(call: Call): void {
    call.ended = true;
    for (const leg of [call.in, call.out, ...call.branches.map((b) => b.leg)]) {
      const k = legKey(leg.callId, leg.localTag);
      if (this.legs.get(k)?.call === call) this.legs.delete(k);
    }
  }
}
