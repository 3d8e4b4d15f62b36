/**
 * The state of a B2BUA session in the reference server (RFC 3261 §12, one dialog per leg): its
 * legs, the forked branches of its outgoing INVITE, the ACKs sent for 2xx (re-sent on each 2xx
 * retransmission, §13.2.2.4), pending re-INVITEs, and which headers cross from one leg to the other.
 */
import type { SipRequest, SipResponse } from '../sip/message';
import type { TransportProtocol } from '../sip/transport/address';
import type { Transport } from '../sip/transport/transport';
import type { ClientTransaction, ServerTransaction } from '../sip/transaction/types';
import type { Dialog } from '../sip/dialog';
import { callId, fromTag, toTag } from '../sip/headers/name-addr';
import type { MsrpBridge } from './msrp-relay';

/** Headers that belong to one leg (or one hop) and are never copied across (§8.1.1, §16.6). */
const LEG_HEADERS = new Set([
  'via', 'v', 'route', 'record-route', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq', 'contact', 'm',
  'max-forwards', 'content-length', 'l', 'authorization', 'proxy-authorization',
]);

export interface Leg {
  side: 'in' | 'out';
  callId: string;
  /** Our tag on this leg (To tag on the incoming leg, From tag on the outgoing one). */
  localTag: string;
  protocol: TransportProtocol;
  dialog?: Dialog;
  /** The session was transferred (or pulled) away from this incoming leg: it awaits its own release (5.2.5.1). */
  detached?: boolean;
  /** The device on this incoming leg left (BYE answered by us) while a transfer was pending. */
  gone?: boolean;
  /** Called on the ACK of our 2xx on a leg we answered for a transfer or pull (not relayed). */
  onAck?: () => void;
}

/** One outgoing leg of a (possibly forked) session invitation: one registered device. */
export interface OutBranch {
  leg: Leg;
  client: ClientTransaction;
  /** A final arrived (or the leg timed out: final stays null). */
  done: boolean;
  final: SipResponse | null;
  cancelled: boolean;
  /** Cancelled because another device accepted (the `mld-487-not-acked` fault acts on these only). */
  cancelledOnAccept: boolean;
}

export interface Call {
  in: Leg;
  /** The outgoing leg the session continues on: the accepted one (the first one until a device accepts). */
  out: Leg;
  branches: OutBranch[];
  winner?: OutBranch;
  inviteTx: ServerTransaction;
  outInvite?: ClientTransaction;
  /** The ACK we sent on the outgoing leg, resent when a 2xx is retransmitted (§13.2.2.4). */
  outAck?: { msg: SipRequest; transport: Transport; dest: { host: string; port: number } };
  /** A final answer went back on the incoming leg. */
  finalSent: boolean;
  ended: boolean;
  /** The SDP of the accepted 2xx on the outgoing leg (the transferee's side of the session). */
  answer?: { body: Buffer; contentType?: string };
  /** A transfer of the incoming leg's device is under way (5.2.5.1.1): its BYE stays with us. */
  transferPending?: boolean;
  /** The session's latest re-INVITE (RFC 3261 §14): at most one pending at a time, so state stays bounded. */
  reinvite?: Reinvite;
  /** The CS as the MSRP endpoint of both legs (msrp-relay.ts), when it terminates the media. */
  media?: MsrpBridge;
}

/** An ACK we sent for a 2xx outside any transaction (§13.2.2.4, §17.1.1.3), kept to answer 2xx retransmissions. */
export interface SentAck { msg: SipRequest; transport: Transport; dest: { host: string; port: number } }

/** A re-INVITE in a session (RFC 3261 §14): relayed from one leg to the other, or our own. */
export interface Reinvite {
  /** The leg it arrived on and its CSeq number there (the ACK of our 2xx carries it, §13.2.2.4); none when it is ours. */
  from?: Leg;
  seq?: number;
  /** The leg it went out on, our client transaction there, and whether a 2xx answered it. */
  to: Leg;
  client: ClientTransaction;
  done: boolean;
  ok: boolean;
  /** Our ACK of the peer's 2xx on `to`: each B2BUA ACKs on its own leg (§13.2.2.4). */
  ack?: SentAck;
}

/** A B2BUA session as the transfer logic sees it (transfer-mp.ts, transfer-pull.ts). */
export type B2buaCall = Call;

/** What the B2BUA hands to the session-transfer logic (5.2.5.1). */
export interface B2buaTransferHooks {
  /** A REFER in the incoming (device-facing) leg at PF A: the CPM Session Transfer request. */
  onRefer(tx: ServerTransaction, call: B2buaCall): void;
}

function legKey(cid: string, localTag: string): string {
  return `${cid}\u0000${localTag}`;
}

/**
 * Every leg of every live session by its dialog as we know it (Call-ID, our tag, §12): a request
 * on a leg carries our tag as its To tag, a response on our outgoing leg as its From tag.
 */
export class LegTable {
  private readonly legs = new Map<string, { call: Call; leg: Leg }>();

  add(call: Call, leg: Leg): void {
    this.legs.set(legKey(leg.callId, leg.localTag), { call, leg });
  }

  get(cid: string, ourTag: string): { call: Call; leg: Leg } | undefined {
    return this.legs.get(legKey(cid, ourTag));
  }

  /** The leg a request arrived on (its To tag is ours). */
  ofRequest(req: SipRequest): { call: Call; leg: Leg } | undefined {
    return this.get(callId(req) ?? '', toTag(req) ?? '');
  }

  /** The leg a response came back on (its From tag is ours). */
  ofResponse(res: SipResponse, cid = callId(res) ?? ''): { call: Call; leg: Leg } | undefined {
    return this.get(cid, fromTag(res) ?? '');
  }

  remove(leg: Leg): void {
    this.legs.delete(legKey(leg.callId, leg.localTag));
  }

  /** The session is over: none of its legs is ours any more (a leg another session took over stays). */
  end(call: Call): void {
    call.ended = true;
    // The session is over, and so is its media (RFC 4975 §5.4: a connection lives with its session).
    void call.media?.close();
    for (const leg of [call.in, call.out, ...call.branches.map((b) => b.leg)]) {
      const k = legKey(leg.callId, leg.localTag);
      if (this.legs.get(k)?.call === call) this.legs.delete(k);
    }
  }
}

/** Headers of one message worth carrying onto the other leg (end-to-end ones: SDP, CPM ids, Allow, ...). */
export function copyEndToEnd(from: SipRequest | SipResponse, to: SipRequest | SipResponse): void {
  for (const f of from.headers) if (!LEG_HEADERS.has(f.name.toLowerCase())) to.headers.push({ ...f });
  to.body = Buffer.from(from.body);
}

