/**
 * What the session-transfer tests of the reference server share (5.2.5.1): a 1-1 session set up
 * through PF A and PF B, in-dialog requests from a raw engine UA, the REFER/NOTIFY shapes of the
 * binding (RFC 3515 sipfrag NOTIFYs), and waiting bounded times for what a device must (not) get.
 */
import { randomUUID } from 'node:crypto';
import type { HeaderField, SipRequest, SipResponse } from '../../../src/sip/message';
import { addHeader, header, setHeader } from '../../../src/sip/message';
import type { ClientTransaction, ServerTransaction } from '../../../src/sip/endpoint';
import { Dialog } from '../../../src/sip/dialog';
import { createRequest, createResponse } from '../../../src/sip/request-builder';
import { newTag } from '../../../src/sip/ids';
import type { Address } from '../../../src/sip/transport/address';
import type { ReferenceServer } from '../../../src/reference';
import { nextHopOf, sdp, type TestUa } from './test-ua';

export const lr = (a: Address, extra = ''): string => `<sip:${a.host}:${a.port};lr${extra}>`;

export interface Session {
  /** The transferor's dialog (A1's side): with PF A in B2BUA mode, with B1 through the PFs in proxy mode. */
  d1: Dialog;
  /** B1's side of its dialog (with PF B in B2BUA mode, with A1 in proxy mode). */
  b1d: Dialog;
  invite: SipRequest;
  atB1: SipRequest;
  /** The 200 A1 got: B1's SDP in proxy mode; in B2BUA mode the CS's own a=path (it terminates MSRP on each leg). */
  okAtA1: SipResponse;
  /** The 200 B1 sent, with B1's own SDP. */
  okFromB1: SipResponse;
}

/** A1 invites B's AoR through PF A; B1 answers; A1 ACKs. */
export async function establish(server: ReferenceServer, a1: TestUa, b1: TestUa, extra: HeaderField[] = []): Promise<Session> {
  const inv = a1.invite(b1.aor, server.pfA, [{ name: 'Contribution-ID', value: randomUUID() }, ...extra]);
  const at = await b1.waitFor('INVITE');
  if (!at) throw new Error('B1 got no INVITE');
  const b1d = await b1.answer(at);
  const ok = await inv.final;
  if (ok?.status !== 200) throw new Error(`session not established: ${ok?.status ?? 'timeout'}`);
  const d1 = Dialog.fromUac(inv.request, ok);
  await a1.ack(d1);
  if (!(await b1.waitForAck())) throw new Error('B1 got no ACK');
  b1.acks.splice(0);
  const okFromB1 = at.responses.find((r) => r.status === 200);
  if (!okFromB1) throw new Error('B1 sent no 200');
  return { d1, b1d, invite: inv.request, atB1: at.request, okAtA1: ok, okFromB1 };
}

/** A request in a dialog, sent to its next hop (first Route, else the remote target). */
export function inDialog(ua: TestUa, dialog: Dialog, method: string, extra: HeaderField[] = [], body?: { type: string; data: Buffer }): ClientTransaction {
  const req = dialog.createRequest(method, body ? [...extra, { name: 'Content-Type', value: body.type }] : extra);
  if (body) req.body = body.data;
  return ua.endpoint.request(req, { ...nextHopOf(req), protocol: ua.protocol });
}

export const SIPFRAG = 'message/sipfrag;version=2.0';

/** A NOTIFY of the refer event package (RFC 3515 §2.4.4): state and sipfrag status line. */
export function notify(ua: TestUa, dialog: Dialog, state: string, frag: string): ClientTransaction {
  return inDialog(ua, dialog, 'NOTIFY', [{ name: 'Event', value: 'refer' }, { name: 'Subscription-State', value: state }], { type: SIPFRAG, data: Buffer.from(`${frag}\r\n`) });
}

/** Answer a request (a fresh To tag when it had none); returns the tag used. */
export async function reply(tx: ServerTransaction, status: number, contact?: string): Promise<string> {
  const tag = newTag();
  const res = createResponse(tx.request, status, undefined, { toTag: tag });
  if (contact) addHeader(res, 'Contact', `<${contact}>`);
  await tx.respond(res);
  return tag;
}

/** Answer a re-INVITE in an existing dialog (RFC 3261 §14.2) 200 with our Contact and our SDP; the To tag is the dialog's. */
export async function answerReinvite(ua: TestUa, tx: ServerTransaction): Promise<SipResponse> {
  const ok = createResponse(tx.request, 200);
  addHeader(ok, 'Contact', `<${ua.contactUri}>`);
  setHeader(ok, 'Content-Type', 'application/sdp');
  ok.body = sdp(ua.address.host, ua.address.port + 1);
  await tx.respond(ok);
  return ok;
}

/** The transfer target's INVITE built from a Refer-To URI (its embedded headers become headers, RFC 3515 §2.1). */
export function inviteFromReferTo(ua: TestUa, referToUri: string, embedded: Record<string, string>, dest: Address, extra: HeaderField[] = []): ClientTransaction {
  const uri = referToUri.replace(/\?.*$/, '');
  const req = createRequest({
    method: 'INVITE', uri, from: `<${ua.aor}>`, to: `<${uri}>`, contact: `<${ua.contactUri}>`,
    extra: [...Object.entries(embedded).map(([name, value]) => ({ name, value })), { name: 'Referred-By', value: `<${ua.aor}>` }, ...extra],
    body: sdp(ua.address.host, ua.address.port + 1), contentType: 'application/sdp',
  });
  return ua.endpoint.request(req, { ...dest, protocol: ua.protocol });
}

/** The `a=path` of an SDP body. */
export function msrpPath(msg: SipRequest | SipResponse): string | undefined {
  return /^a=path:(.*)$/m.exec(msg.body.toString('utf8'))?.[1]?.trim();
}

export function sipfrag(msg: SipRequest): string {
  return msg.body.toString('utf8').split('\r\n')[0];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Requests of a method a UA received and left unanswered by any waiter (after a quiet period). */
export async function unexpected(ua: TestUa, method?: string, quietMs = 300): Promise<SipRequest[]> {
  await sleep(quietMs);
  return ua.requests.filter((tx) => method === undefined || tx.request.method === method).map((tx) => tx.request);
}

export function hdr(msg: SipRequest | SipResponse, name: string): string | undefined {
  return header(msg, name);
}

/** PF A's CS transfer URI (5.2.5.1.2): `sip:transfer@HOST:PORT`, `;transport=` when not UDP. */
export function transferUriOf(server: ReferenceServer, protocol: string): string {
  return `sip:transfer@${server.pfA.host}:${server.pfA.port}${protocol === 'udp' ? '' : `;transport=${protocol}`}`;
}

/**
 * An out-of-dialog REFER to PF A's transfer URI naming a dialog by Target-Dialog (RFC 4538), as a
 * transferor or a puller sends it: From = the UA's AoR, Contact = its contact unless given.
 */
export function referToTransferUri(ua: TestUa, server: ReferenceServer, opts: { referTo: string; targetDialog?: string; contact?: string }): ClientTransaction {
  const uri = transferUriOf(server, ua.protocol);
  const extra: HeaderField[] = [];
  if (opts.targetDialog !== undefined) extra.push({ name: 'Target-Dialog', value: opts.targetDialog }, { name: 'Require', value: 'tdialog' });
  extra.push({ name: 'Refer-To', value: `<${opts.referTo}>` }, { name: 'Referred-By', value: `<${ua.aor}>` });
  const req = createRequest({ method: 'REFER', uri, from: `<${ua.aor}>`, to: `<${uri}>`, contact: `<${opts.contact ?? ua.contactUri}>`, extra });
  return ua.endpoint.request(req, { ...server.pfA, protocol: ua.protocol });
}

/** The next NOTIFY a UA gets (bounded wait), answered 200; null when none came. */
export async function takeNotify(ua: TestUa, timeoutMs = 3000): Promise<SipRequest | null> {
  const tx = await ua.waitFor('NOTIFY', timeoutMs);
  if (!tx) return null;
  await tx.respond(createResponse(tx.request, 200));
  return tx.request;
}
