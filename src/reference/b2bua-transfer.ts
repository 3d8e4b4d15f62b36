/**
 * The B2BUA's legs in a CPM Session transfer or pull (OMA CPM CR 5.2.5.1.1, 5.2.5.1 ¶1): the CS
 * answers the target's (or puller's) INVITE itself and makes that leg the session's incoming leg,
 * so the transferee's legs stay untouched and no request goes towards the transferee. The
 * transferor's old leg stays, detached, until its device releases it (its BYE is answered here,
 * 5.2.5.1.1 ¶6-7) or the CS releases it (a pull, RFC 3891 §3). It also hands the transfer request
 * (REFER in the session's dialog at PF A) to the transfer logic.
 */
import type { ServerTransaction } from '../sip/transaction/types';
import { addHeader, setHeader } from '../sip/message';
import { Dialog } from '../sip/dialog';
import { createResponse } from '../sip/request-builder';
import { callId } from '../sip/headers/name-addr';
import { newTag } from '../sip/ids';
import { describe, inboundTransport, transportFor, type PfContext } from './pf-context';
import { nextHop, ownUri } from './routing';
import type { B2buaTransferHooks, Call, Leg, LegTable } from './b2bua-call';

/** What to do with a request on an incoming leg a transfer concerns. */
export type TransferLegAction = 'handled' | 'not-transfer' | 'relay-to-transferee';

export class B2buaTransferLegs {
  private hooks?: B2buaTransferHooks;

  constructor(private readonly ctx: PfContext, private readonly legs: LegTable) {}

  setHooks(hooks: B2buaTransferHooks): void {
    this.hooks = hooks;
  }

  /**
   * The live session whose incoming leg is the dialog (Call-ID, our tag, the device's tag), with
   * that leg still the one the session runs on: the dialog a transfer or a pull names.
   */
  findIncoming(cid: string, ourTag: string, remoteTag: string): Call | undefined {
    const found = this.legs.get(cid, ourTag);
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
    this.legs.add(call, joined);
    void tx.respond(ok);
    return { old, joined };
  }

  /** Release a detached incoming leg with our own BYE (the replaced dialog of a pull, RFC 3891 §3). */
  releaseLeg(leg: Leg): void {
    this.legs.remove(leg);
    if (!leg.dialog || leg.gone) return;
    leg.gone = true;
    this.byeOn(leg);
  }

  /** End a session whose transferor left and whose transfer failed: BYE the transferee's leg. */
  abandon(call: Call): void {
    if (call.ended) return;
    this.byeOn(call.out);
    this.legs.end(call);
  }

  /**
   * Requests on an incoming leg that a transfer concerns (5.2.5.1.1): the transfer request itself
   * (REFER at PF A), the transferor's Release request on a leg the session left (answered here,
   * never relayed to the transferee), and the transferor leaving while its transfer is pending.
   */
  request(tx: ServerTransaction, call: Call, leg: Leg): TransferLegAction {
    const req = tx.request;
    if (req.method === 'REFER' && this.ctx.role === 'A' && this.hooks && leg === call.in && !leg.detached) {
      this.hooks.onRefer(tx, call);
      return 'handled';
    }
    const detached = leg.detached === true;
    const leavingEarly = leg === call.in && call.transferPending === true;
    if (!detached && !leavingEarly) return 'not-transfer';
    if (req.method !== 'BYE') {
      void tx.respond(createResponse(req, detached ? 403 : 491));
      return 'handled';
    }
    if (detached && this.ctx.faults.has('trf-mp-bye-propagated')) {
      this.ctx.log(`${this.ctx.name}: fault trf-mp-bye-propagated: relaying the transferor's BYE to the transferee`);
      leg.detached = false;
      this.legs.remove(leg);
      return 'relay-to-transferee';
    }
    // The transferor's session only: the transferee's legs stay (5.2.5.1.1 ¶6-7).
    this.ctx.log(`${this.ctx.name}: ${describe(req)} releases the transferor's leg ${leg.callId} only`);
    leg.gone = true;
    leg.detached = false;
    this.legs.remove(leg);
    void tx.respond(createResponse(req, 200));
    return 'handled';
  }

  private byeOn(leg: Leg): void {
    if (!leg.dialog) return;
    const bye = leg.dialog.createRequest('BYE');
    const hop = nextHop(bye);
    if (!hop) return;
    this.ctx.log(`${this.ctx.name}: B2BUA releasing leg ${leg.callId}: ${describe(bye)}`);
    this.ctx.endpoint.request(bye, hop.address, { transport: transportFor(this.ctx, hop.protocol, inboundTransport(this.ctx, leg.protocol)) });
  }
}
