/**
 * The session invitation through the B2BUA (RFC 3261 §3 "B2BUA", RFC 7092): it answers the
 * incoming INVITE as a UAS on one leg and originates a new INVITE as a UAC on each outgoing leg
 * (new Call-ID, From tag and CSeq space, its own Contact, §8.1.1), relaying the answers back with
 * its own tag and Contact (§13.3.1).
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
import type { HeaderField, SipRequest, SipResponse } from '../sip/message';
import { addHeader, cloneMessage, header, headerFields } from '../sip/message';
import type { TransportProtocol } from '../sip/transport/address';
import type { ClientTransaction, ServerTransaction } from '../sip/transaction/types';
import { Dialog } from '../sip/dialog';
import { createResponse } from '../sip/request-builder';
import { callId, formatNameAddr, fromTag, parseNameAddr, toTag } from '../sip/headers/name-addr';
import { cseq } from '../sip/headers/cseq';
import { newCallId, newTag } from '../sip/ids';
import { initialTarget, type BranchTarget } from './forwarding-target';
import { describe, inboundTransport, transportFor, type PfContext } from './pf-context';
import { ownUri, popOwnRoutes, receivedMaxForwards } from './routing';
import { acceptedReason, cancelAcceptedBranch, cancelBranch, type CancelCause, type LateAnswers } from './mld';
import { bestResponse } from './proxy-fork';
import { copyEndToEnd, type Call, type Leg, type LegTable, type OutBranch } from './b2bua-call';

/** Our ACK of the session's 2xx, sent again for a retransmission of that 2xx (§13.2.2.4). */
export function resendSessionAck(ctx: PfContext, call: Call, res: SipResponse): void {
  const a = call.outAck;
  const sameDialog = call.out.dialog?.remoteTag === toTag(res);
  const sameInvite = a !== undefined && cseq(res)?.seq === cseq(a.msg)?.seq;
  if (a && sameDialog && sameInvite && res.status >= 200 && res.status < 300 && cseq(res)?.method === 'INVITE') void ctx.endpoint.send(a.msg, a.dest, a.transport);
}

export class B2buaFork {
  constructor(private readonly ctx: PfContext, private readonly legs: LegTable, private readonly late: LateAnswers) {}

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
    this.legs.add(call, call.in);
    // The CS in the media path (5.2.5.1.1 ¶5): its own a=path on each leg (RFC 4975 §8.2), frames relayed between them.
    const media = this.ctx.msrp?.bridge(inReq.body);
    if (media) call.media = media;
    for (const t of targets) {
      const transport = transportFor(this.ctx, t.protocol, inboundTransport(this.ctx, inProtocol));
      const out = this.outgoingInvite(inReq, t.requestUri, t.routes, transport.protocol);
      if (media) out.body = Buffer.from(media.offer);
      const leg: Leg = { side: 'out', callId: callId(out) ?? '', localTag: fromTag(out) ?? '', protocol: transport.protocol };
      const branch: OutBranch = { leg, client: undefined as unknown as ClientTransaction, done: false, final: null, cancelled: false, cancelledOnAccept: false };
      const suppressNon2xxAck = this.ctx.faults.has('mld-487-not-acked')
        ? (res: SipResponse) => {
          const skip = branch.cancelledOnAccept && res.status === 487;
          if (skip) this.ctx.log(`${this.ctx.name}: fault mld-487-not-acked: no ACK for the 487 on leg ${leg.callId}`);
          return skip;
        }
        : undefined;
      this.legs.add(call, leg);
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
      if (!call.ended) resendSessionAck(this.ctx, call, res); // a retransmission: re-ACK (§13.2.2.4)
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
    this.legs.add(second, second.in);
    this.legs.add(second, b.leg);
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
    this.legs.end(call);
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
      if (call.media && res.body.length > 0) up.body = call.media.answer(res.body, res.status >= 200);
    }
    if (res.status >= 200 && res.status < 300 && client) {
      call.answer = { body: Buffer.from(res.body), contentType: header(res, 'Content-Type') };
      call.out.dialog = Dialog.fromUac(client.request, res);
      call.in.dialog = Dialog.fromUas(inReq, call.in.localTag, ownUri(this.ctx.address, call.in.protocol));
    } else if (res.status >= 300) {
      this.legs.end(call);
    }
    void call.inviteTx.respond(up);
  }
}
