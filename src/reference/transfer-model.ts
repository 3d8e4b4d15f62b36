/**
 * What a CPM Session transfer is in the reference server (OMA CPM CR 5.2.5.1): the transfer record
 * PF A keeps, a union on its kind (the CS in the media path, 5.2.5.1.1, or not, 5.2.5.1.2), the
 * devices and subscribers it names, PF control's answer, and the CS's own MSRP endpoint in SDP (it
 * stays in the media path, 5.2.5.1.1 ¶5). Every transfer module builds on this one only.
 */
import type { Address, TransportProtocol } from '../sip/transport/address';
import type { ClientTransaction } from '../sip/transaction/types';
import type { Dialog } from '../sip/dialog';
import { parseNameAddr } from '../sip/headers/name-addr';
import { parseUri } from '../sip/uri';
import type { PfContext } from './pf-context';
import type { B2buaCall, Leg } from './b2bua-call';
import type { ProxyDialog } from './proxy-dialogs';

/** User part of the CS transfer URI (the PSI a transfer request is sent to, 5.2.5.1.2). */
export const TRANSFER_USER = 'transfer';
/** User part prefix of the one-time session URIs a Session Join Notification names (5.2.5.1.1). */
export const SESSION_USER_PREFIX = 'session-';
/** The port PF A's MSRP URI names in its SDP (RFC 4975 default; the reference server relays no MSRP octets). */
export const CS_MSRP_PORT = 2855;

/** A device a transfer names: a binding of the location service, or (under a fault) a bare URI. */
export interface Device {
  contact: string;
  address: Address;
  protocol: TransportProtocol;
  path: string[];
}

/** Where PF A sends the transferor's NOTIFYs: D1 (in path) or the transfer REFER's own dialog (not in path). */
export interface Subscriber {
  dialog: Dialog;
  protocol: TransportProtocol;
  /** False once the transferor released that dialog (no NOTIFY can go there any more). */
  alive(): boolean;
}

interface TransferBase {
  id: string;
  sessionUri: string;
  transferorAor: string;
  target: Device;
  subscriber: Subscriber;
  /** The notification REFER's dialog, PF A its UAC: Call-ID and our From tag. */
  notification?: { callId: string; tag: string; client?: ClientTransaction };
  state: 'pending' | 'done' | 'failed';
  /** The target's session is up: its ACK arrived (mp) or passed (nmp). */
  acked: boolean;
  /** The target's Replaced Notification (NOTIFY, sipfrag 2xx) arrived. */
  replaced: boolean;
  /** The Release Notification (final NOTIFY) went to the transferor. */
  released: boolean;
  timer?: NodeJS.Timeout;
  /** A remote (pull) transfer by REFER to the transfer URI: the requester is the target (transfer-pull.ts). */
  pull: boolean;
}

/** 5.2.5.1.1, B2BUA mode: the session the CS stays in, the transferor's leg D1, whether the target joined. */
export interface MpTransfer extends TransferBase {
  kind: 'mp';
  call: B2buaCall;
  transferorLeg: Leg;
  joined: boolean;
}

/** 5.2.5.1.2, proxy mode: the record-routed dialog D being transferred. */
export interface NmpTransfer extends TransferBase {
  kind: 'nmp';
  dialog: ProxyDialog;
}

export type Transfer = MpTransfer | NmpTransfer;

/** What a transfer of each kind is about, given when it is created. */
export type TransferKind = Pick<MpTransfer, 'kind' | 'call' | 'transferorLeg'> | Pick<NmpTransfer, 'kind' | 'dialog'>;

export type Control = { ok: true; device: Device } | { ok: false; status: number; reason?: string };

export function uriOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : parseNameAddr(value)?.uri;
}

export function userOf(uri: string): string | undefined {
  return parseUri(uri)?.user;
}

/** The CS's own MSRP URI (RFC 4975 §6): `msrp://HOST:2855/ID;tcp`. */
export function csMsrpUri(ctx: PfContext, id: string): string {
  const host = ctx.address.host.includes(':') ? `[${ctx.address.host}]` : ctx.address.host;
  return `msrp://${host}:${CS_MSRP_PORT}/${id};tcp`;
}

/** An SDP answer naming the CS as the MSRP endpoint (it stays in the media path, 5.2.5.1.1 ¶5). */
export function csSdp(ctx: PfContext, offer: Buffer, id: string): Buffer {
  const v6 = ctx.address.host.includes(':');
  const types = /^a=accept-types:(.*)$/m.exec(offer.toString('utf8'))?.[1]?.trim() ?? 'message/cpim text/plain';
  return Buffer.from([
    'v=0', `o=- ${Date.now()} 1 IN ${v6 ? 'IP6' : 'IP4'} ${ctx.address.host}`, 's=-', `c=IN ${v6 ? 'IP6' : 'IP4'} ${ctx.address.host}`, 't=0 0',
    `m=message ${CS_MSRP_PORT} TCP/MSRP *`, `a=accept-types:${types}`, `a=path:${csMsrpUri(ctx, id)}`, '',
  ].join('\r\n'));
}

/** Replace every `a=path` of an SDP body by the CS's own MSRP URI (the `trf-nmp-cs-in-media-path` fault). */
export function rewritePath(ctx: PfContext, body: Buffer, id: string): Buffer {
  const text = body.toString('utf8');
  return /^a=path:/m.test(text) ? Buffer.from(text.replace(/^a=path:.*$/gm, `a=path:${csMsrpUri(ctx, id)}`)) : body;
}
