/**
 * The Participating Function as a back-to-back user agent (RFC 3261 §3 "B2BUA", RFC 7092): it
 * answers the incoming INVITE as a UAS on one leg and originates a new INVITE as a UAC on the
 * other (new Call-ID, From tag and CSeq space; its own Contact), relaying provisional, 2xx, ACK,
 * BYE and their answers between the legs. The SDP is bridged unchanged. Each leg keeps its own
 * route set (§12.1): in core-emulation topology the outgoing leg keeps the Route to the core.
 * The BYE faults of the catalogue apply here by the PF's C.2.3.1 role, as in the proxy.
 */
import type { SipRequest, SipResponse } from '../sip/message';
import { addHeader, cloneMessage, header, headerFields, setHeader } from '../sip/message';
import type { TransportProtocol } from '../sip/transport/address';
import type { Transport } from '../sip/transport/transport';
import type { ClientTransaction, ServerTransaction } from '../sip/transaction/types';
import { Dialog } from '../sip/dialog';
import { createResponse } from '../sip/request-builder';
import { callId, formatNameAddr, parseNameAddr, toTag } from '../sip/headers/name-addr';
import { cseq } from '../sip/headers/cseq';
import { newCallId, newTag } from '../sip/ids';
import { initialTarget } from './forwarding-target';
import { describe, inboundTransport, ownVia, transportFor, type PfContext } from './pf-context';
import { nextHop, ownUri, popOwnRoutes, receivedMaxForwards, routeUris } from './routing';
import { secondViaDestination } from './via-destination';
import { byeFaultAtTerminating, leavingRole } from './leaving-role';

/** Headers that belong to one leg (or one hop) and are never copied across (§8.1.1, §16.6). */
const LEG_HEADERS = new Set([
  'via', 'v', 'route', 'record-route', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq', 'contact', 'm',
  'max-forwards', 'content-length', 'l', 'authorization', 'proxy-authorization',
]);

interface Leg {
  side: 'in' | 'out';
  callId: string;
  /** Our tag on this leg (To tag on the incoming leg, From tag on the outgoing one). */
  localTag: string;
  protocol: TransportProtocol;
  dialog?: Dialog;
}

interface Call {
  in: Leg;
  out: Leg;
  inviteTx: ServerTransaction;
  outInvite?: ClientTransaction;
  /** The ACK we sent on the outgoing leg, resent when a 2xx is retransmitted (§13.2.2.4). */
  outAck?: { msg: SipRequest; transport: Transport; dest: { host: string; port: number } };
  ended: boolean;
}

function legKey(cid: string, localTag: string): string {
  return `${cid}\u0000${localTag}`;
}

/** Headers of one message worth carrying onto the other leg (end-to-end ones: SDP, CPM ids, Allow, ...). */
function copyEndToEnd(from: SipRequest | SipResponse, to: SipRequest | SipResponse): void {
  for (const f of from.headers) if (!LEG_HEADERS.has(f.name.toLowerCase())) to.headers.push({ ...f });
  to.body = Buffer.from(from.body);
}

export class B2bua {
  private readonly legs = new Map<string, { call: Call; leg: Leg }>();

  constructor(private readonly ctx: PfContext) {}

  /** True when the request's dialog is one of our legs (its To tag is our tag on that leg). */
  owns(req: SipRequest): boolean {
    return this.legs.has(legKey(callId(req) ?? '', toTag(req) ?? ''));
  }

  /** True when a response belongs to one of our outgoing legs (its From tag is ours). */
  ownsResponse(cid: string, res: SipResponse): boolean {
    const from = parseNameAddr(header(res, 'From') ?? '');
    const tag = typeof from?.params['tag'] === 'string' ? from.params['tag'] : '';
    return this.legs.get(legKey(cid, tag))?.leg.side === 'out';
  }

  /** A new session: answer as UAS on the incoming leg, originate the outgoing leg (§8.1.1). */
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
    const transport = transportFor(this.ctx, decision.protocol, inboundTransport(this.ctx, inProtocol));
    const out = this.outgoingInvite(inReq, routed, decision.requestUri ?? routed.uri, decision.pushRoute, transport.protocol);
    const call: Call = {
      in: { side: 'in', callId: callId(inReq) ?? '', localTag: newTag(), protocol: inProtocol },
      out: { side: 'out', callId: callId(out) ?? '', localTag: parseNameAddr(header(out, 'From') ?? '')?.params['tag'] as string, protocol: transport.protocol },
      inviteTx: tx,
      ended: false,
    };
    this.legs.set(legKey(call.in.callId, call.in.localTag), { call, leg: call.in });
    this.legs.set(legKey(call.out.callId, call.out.localTag), { call, leg: call.out });
    this.ctx.log(`${this.ctx.name}: B2BUA ${describe(inReq)} → new leg ${call.out.callId} to ${decision.address.host}:${decision.address.port}`);
    const client = this.ctx.endpoint.request(out, decision.address, { transport });
    call.outInvite = client;
    tx.onCancel(() => {
      client.cancel().catch(() => { /* a final raced the CANCEL */ });
    });
    let finalSent = false;
    client.onResponse((res) => {
      if (res.status === 100) return;
      if (res.status >= 200 && res.status < 300 && finalSent) {
        this.strayResponse(res);
        return;
      }
      if (finalSent) return;
      if (res.status >= 200) finalSent = true;
      this.answerIncoming(call, res, client);
    });
    void client.final.then((res) => {
      if (res !== null || finalSent) return;
      finalSent = true;
      void tx.respond(createResponse(inReq, 408, undefined, { toTag: call.in.localTag }));
      this.end(call);
    });
  }

  /** The outgoing INVITE: same AoR and body, a fresh dialog identity, our Contact, the remaining Route (core) or PF B. */
  private outgoingInvite(inReq: SipRequest, routed: SipRequest, uri: string, pushRoute: string | undefined, protocol: TransportProtocol): SipRequest {
    const from = parseNameAddr(header(inReq, 'From') ?? '');
    const to = parseNameAddr(header(inReq, 'To') ?? '');
    const out: SipRequest = { kind: 'request', version: 'SIP/2.0', method: 'INVITE', uri, headers: [], body: Buffer.alloc(0) };
    for (const r of pushRoute ? [pushRoute] : routeUris(routed).length > 0 ? headerFields(routed, 'Route').map((f) => f.value) : []) addHeader(out, 'Route', r);
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
  private answerIncoming(call: Call, res: SipResponse, client: ClientTransaction): void {
    const inReq = call.inviteTx.request;
    const up = createResponse(inReq, res.status, res.reason, { toTag: call.in.localTag });
    if (res.status < 300) {
      addHeader(up, 'Contact', `<${ownUri(this.ctx.address, call.in.protocol)}>`);
      copyEndToEnd(res, up);
    }
    if (res.status >= 200 && res.status < 300) {
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
    const a = found?.call.outAck;
    if (a && res.status >= 200 && res.status < 300 && cseq(res)?.method === 'INVITE') void this.ctx.endpoint.send(a.msg, a.dest, a.transport);
  }

  /** A request inside one leg (BYE, ...): sent on the other leg, its final answer relayed back (§12.2). */
  inDialog(tx: ServerTransaction): void {
    const req = tx.request;
    const found = this.legs.get(legKey(callId(req) ?? '', toTag(req) ?? ''));
    const other = found ? (found.leg.side === 'in' ? found.call.out : found.call.in) : undefined;
    if (!found || !other?.dialog || found.call.ended) {
      const stale = req.method === 'BYE' && this.ctx.faults.has('leave-stale-bye-accepted');
      void tx.respond(createResponse(req, stale ? 200 : 481));
      return;
    }
    const call = found.call;
    const isBye = req.method === 'BYE';
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

  private end(call: Call): void {
    call.ended = true;
    this.legs.delete(legKey(call.in.callId, call.in.localTag));
    this.legs.delete(legKey(call.out.callId, call.out.localTag));
  }
}
