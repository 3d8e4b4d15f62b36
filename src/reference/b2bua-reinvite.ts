/**
 * re-INVITE in a B2BUA session (RFC 3261 §14): relayed from one leg to the other like any in-dialog
 * request, one at a time per session (§14.2: 500 on the same side, 491 on glare), or originated
 * by the B2BUA itself on one leg. Its 2xx goes back with our Contact (§13.3.1.4) and each B2BUA
 * ACKs on its own leg once the ACK of its own 2xx arrives (§13.2.2.4), so a late offer in the ACK
 * crosses too; a retransmitted 2xx gets the same ACK again.
 */
import type { SipRequest, SipResponse } from '../sip/message';
import { addHeader, setHeader } from '../sip/message';
import type { ClientTransaction, ServerTransaction } from '../sip/transaction/types';
import { createResponse } from '../sip/request-builder';
import { cseq } from '../sip/headers/cseq';
import { describe, inboundTransport, ownVia, transportFor, type PfContext } from './pf-context';
import { nextHop, ownUri } from './routing';
import { copyEndToEnd, type Call, type Leg, type LegTable, type Reinvite, type SentAck } from './b2bua-call';

export class ReinviteRelay {
  constructor(private readonly ctx: PfContext, private readonly legs: LegTable) {}

  /**
   * Our own re-INVITE on a leg of a session, `body` its offer (§14.1): the peer's 2xx is ACKed
   * here (§13.2.2.4) and nothing goes to the other leg. False when the leg has no dialog or an
   * INVITE is already pending in the session (§14.1: not while one is in progress).
   */
  originate(call: Call, leg: Leg, body: Buffer, contentType: string): boolean {
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
    this.onFinal(r, (res) => {
      if (res && res.status < 300) r.ack = this.sendAck(leg, r.client);
    });
    return true;
  }

  /** §14.2: a re-INVITE while another INVITE of the session is pending gets 500 (same side) or 491 (glare). */
  allowed(tx: ServerTransaction, call: Call, from: Leg): boolean {
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

  /** A re-INVITE relayed on `to`: its final goes back (a 2xx with our Contact, §13.3.1.4); its ACK follows ours (ack). */
  relay(tx: ServerTransaction, call: Call, to: Leg, client: ClientTransaction): void {
    const req = tx.request;
    const from = this.legs.ofRequest(req)?.leg;
    const r: Reinvite = { from, seq: cseq(req)?.seq, to, client, done: false, ok: false };
    call.reinvite = r;
    this.onFinal(r, (res) => {
      const back = createResponse(req, res?.status ?? 408, res?.reason);
      if (res) copyEndToEnd(res, back);
      if (res && res.status < 300) addHeader(back, 'Contact', `<${ownUri(this.ctx.address, from?.protocol ?? to.protocol)}>`);
      void tx.respond(back);
    });
  }

  /** The ACK of our 2xx to a relayed re-INVITE: now ours for the peer's 2xx on the other leg (§13.2.2.4). True when it was one. */
  ack(call: Call, leg: Leg, ack: SipRequest): boolean {
    const r = call.reinvite;
    if (!r || r.from !== leg || r.seq !== cseq(ack)?.seq) return false;
    if (r.ok && !r.ack) r.ack = this.sendAck(r.to, r.client, ack);
    return true;
  }

  /** A re-INVITE's 2xx retransmitted after its transaction ended: its own ACK again (§13.2.2.4). True when it was one. */
  retransmitted2xx(call: Call, leg: Leg, res: SipResponse): boolean {
    const r = call.reinvite;
    if (!r?.ack || r.to !== leg || cseq(res)?.seq !== cseq(r.client.request)?.seq) return false;
    void this.ctx.endpoint.send(r.ack.msg, r.ack.dest, r.ack.transport);
    return true;
  }

  /** The first final of a re-INVITE (null: timeout) to `onFinal`; a retransmitted 2xx gets our ACK again (§13.2.2.4). */
  private onFinal(r: Reinvite, onFinal: (res: SipResponse | null) => void): void {
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
}
