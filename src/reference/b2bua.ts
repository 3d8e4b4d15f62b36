/**
 * The Participating Function as a back-to-back user agent (RFC 3261 §3 "B2BUA", RFC 7092): one
 * session is two (or, while forking, more) dialogs, one per leg, each with its own route set
 * (§12.1): in core-emulation topology the outgoing leg keeps the Route to the core. The session
 * invitation and forking are b2bua-fork.ts, re-INVITEs b2bua-reinvite.ts, the legs of a session
 * transfer b2bua-transfer.ts; this module relays what crosses an established session: the ACK of
 * the session's 2xx (§13.2.2.4, each B2BUA ACKs on its own leg), BYE and other in-dialog requests
 * with their answers (§12.2). The BYE faults of the catalogue apply here by the PF's C.2.3.1
 * role, as in the proxy.
 */
import type { SipRequest, SipResponse } from '../sip/message';
import { addHeader, header, setHeader } from '../sip/message';
import type { ServerTransaction } from '../sip/transaction/types';
import { createResponse } from '../sip/request-builder';
import { cseq } from '../sip/headers/cseq';
import { describe, inboundTransport, ownVia, transportFor, type PfContext } from './pf-context';
import { nextHop, receivedMaxForwards } from './routing';
import type { LateAnswers } from './mld';
import { secondViaDestination } from './via-destination';
import { byeFaultAtTerminating, leavingRole } from './leaving-role';
import { copyEndToEnd, LegTable, type B2buaTransferHooks, type Call, type Leg } from './b2bua-call';
import { B2buaFork, resendSessionAck } from './b2bua-fork';
import { ReinviteRelay } from './b2bua-reinvite';
import { B2buaTransferLegs } from './b2bua-transfer';

export type { B2buaCall, B2buaTransferHooks, Leg } from './b2bua-call';

export class B2bua {
  private readonly legs = new LegTable();
  private readonly fork: B2buaFork;
  private readonly reinvites: ReinviteRelay;
  private readonly transfer: B2buaTransferLegs;

  constructor(private readonly ctx: PfContext, late: LateAnswers) {
    this.fork = new B2buaFork(ctx, this.legs, late);
    this.reinvites = new ReinviteRelay(ctx, this.legs);
    this.transfer = new B2buaTransferLegs(ctx, this.legs);
  }

  setTransferHooks(hooks: B2buaTransferHooks): void {
    this.transfer.setHooks(hooks);
  }

  /** The live session whose incoming leg is the dialog (Call-ID, our tag, the device's tag): the dialog a transfer or a pull names. */
  findIncoming(cid: string, ourTag: string, remoteTag: string): Call | undefined {
    return this.transfer.findIncoming(cid, ourTag, remoteTag);
  }

  /** Answer a transfer target's (or puller's) INVITE ourselves and make its leg the session's incoming leg. */
  join(call: Call, tx: ServerTransaction, body: Buffer, contentType: string, onAck: () => void): { old: Leg; joined: Leg } {
    return this.transfer.join(call, tx, body, contentType, onAck);
  }

  /** Release a detached incoming leg with our own BYE (the replaced dialog of a pull, RFC 3891 §3). */
  releaseLeg(leg: Leg): void {
    this.transfer.releaseLeg(leg);
  }

  /** End a session whose transferor left and whose transfer failed: BYE the transferee's leg. */
  abandon(call: Call): void {
    this.transfer.abandon(call);
  }

  /** Our own re-INVITE on a leg of a session (§14.1); false when none can be sent now. */
  reinvite(call: Call, leg: Leg, body: Buffer, contentType: string): boolean {
    return this.reinvites.originate(call, leg, body, contentType);
  }

  /** A new session: answer as UAS on the incoming leg, originate one outgoing leg per target (§8.1.1). */
  start(tx: ServerTransaction): void {
    this.fork.start(tx);
  }

  /** True when the request's dialog is one of our legs (its To tag is our tag on that leg). */
  owns(req: SipRequest): boolean {
    return this.legs.ofRequest(req) !== undefined;
  }

  /** True when a response belongs to one of our outgoing legs (its From tag is ours). */
  ownsResponse(cid: string, res: SipResponse): boolean {
    const found = this.legs.ofResponse(res, cid);
    // Our outgoing legs, and a leg we sent a re-INVITE on (its 2xx may come back after Timer M, §13.2.2.4).
    return found?.leg.side === 'out' || (found !== undefined && found.call.reinvite?.to === found.leg);
  }

  /** The ACK for our 2xx on the incoming leg: ACK the peer's 2xx on the outgoing leg (§13.2.2.4). */
  ack(ack: SipRequest): void {
    const found = this.legs.ofRequest(ack);
    if (found && this.reinvites.ack(found.call, found.leg, ack)) return;
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
    // §13.2.2.4: the INVITE's sequence number, method ACK.
    const seq = (cseq(call.outInvite!.request)?.seq ?? 1) + (this.ctx.faults.has('leave-b2bua-ack-wrong-cseq') ? 1 : 0);
    setHeader(out, 'CSeq', `${seq} ACK`);
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
    const found = this.legs.ofResponse(res);
    if (!found || this.reinvites.retransmitted2xx(found.call, found.leg, res)) return;
    resendSessionAck(this.ctx, found.call, res);
  }

  /** A request inside one leg (BYE, ...): sent on the other leg, its final answer relayed back (§12.2). */
  inDialog(tx: ServerTransaction): void {
    const req = tx.request;
    const found = this.legs.ofRequest(req);
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
    // Stryker disable next-line all: fault-only: the leaving role picks which BYE fault of the catalogue applies (here and in relayOn); the selftest proves them
    const role = isBye ? leavingRole(this.ctx.role, found.leg.side === 'in') : undefined;
    // Stryker disable next-line all: fault-only (above)
    if (role === 'terminating') {
      const fault = byeFaultAtTerminating(this.ctx.faults);
      // Stryker disable next-line all: fault-only (above)
      if (fault === 'leave-pf-b-answers-bye') {
        this.ctx.log(`${this.ctx.name}: fault ${fault}: answering the BYE itself`);
        this.legs.end(call);
        void tx.respond(createResponse(req, 200));
        return;
      }
      // Stryker disable next-line all: fault-only (above)
      if (fault === 'leave-bye-not-delivered') {
        this.ctx.log(`${this.ctx.name}: fault ${fault}: dropping the BYE`);
        return;
      }
    }
    if (req.method === 'INVITE' && !this.reinvites.allowed(tx, call, found.leg)) return;
    this.relayOn(tx, call, other, role);
  }

  /** A request a transfer concerns (b2bua-transfer.ts); true when it was one and has been dealt with. */
  private transferRequest(tx: ServerTransaction, call: Call, leg: Leg): boolean {
    const action = this.transfer.request(tx, call, leg);
    if (action === 'relay-to-transferee') this.relayOn(tx, call, call.out, undefined);
    return action !== 'not-transfer';
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
    // Stryker disable next-line all: fault-only (leave-max-forwards-not-decremented)
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
      this.reinvites.relay(tx, call, other, client);
      return;
    }
    void client.final.then((res) => {
      const status = res?.status ?? 408;
      const back = createResponse(req, status, res?.reason);
      if (res) copyEndToEnd(res, back);
      const staleKept = this.ctx.faults.has('leave-b2bua-stale-bye-relayed');
      if (isBye && ((status >= 200 && status < 300) || status === 481) && !staleKept) this.legs.end(call);
      // Stryker disable next-line all: fault-only: `ok` only opens the leave-ok-* faults below
      const ok = isBye && role === 'originating' && status >= 200 && status < 300;
      // Stryker disable next-line all: fault-only (leave-ok-wrong-cseq)
      if (ok && this.ctx.faults.has('leave-ok-wrong-cseq')) {
        const c = cseq(back);
        if (c) setHeader(back, 'CSeq', `${c.seq + 1} ${c.method}`);
      }
      // Stryker disable next-line all: fault-only (leave-ok-wrong-via)
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
}
