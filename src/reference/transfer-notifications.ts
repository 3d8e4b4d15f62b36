/**
 * What PF A sends in the course of a CPM Session transfer (OMA CPM CR 5.2.5.1):
 * - to the transferor, in its implicit subscription, the refer event NOTIFYs carrying a
 *   message/sipfrag of the transfer's progress (RFC 3515 §2.4.4-2.4.5, RFC 3420): `100 Trying` on
 *   acceptance, the final status as the Release Notification (5.2.5.1.1 ¶6, 5.2.5.1.2 ¶6);
 * - to the target, the out-of-dialog REFER through its Path (RFC 3327) that leads it into the
 *   session: the Session Join Notification (5.2.5.1.1 ¶3, `Refer-To: <SESSION-URI?Target-Dialog=
 *   D1&Require=tdialog&...>`, RFC 4538) or the Session replacement notification (5.2.5.1.2 ¶4,
 *   `Refer-To: <B1?Replaces=D&Require=replaces>`, RFC 3891).
 */
import type { SipRequest } from '../sip/message';
import { header } from '../sip/message';
import type { Address, TransportProtocol } from '../sip/transport/address';
import type { ClientTransaction } from '../sip/transaction/types';
import { createRequest } from '../sip/request-builder';
import { sipfrag } from '../sip/sipfrag';
import { callId, fromTag } from '../sip/headers/name-addr';
import { formatReplaces, formatTargetDialog, type TargetDialog } from '../sip/headers/dialog-id';
import { newCallId } from '../sip/ids';
import { formatUri, parseUri } from '../sip/uri';
import { describe, inboundTransport, transportFor, type PfContext } from './pf-context';
import { nextHop, setRoutes, uriTarget } from './routing';
import type { ProxyDialog } from './proxy-dialogs';
import { uriOf, type Device, type MpTransfer, type Transfer } from './transfer-model';

/** A refer event NOTIFY to the transferor in its subscription; `wrongEvent` is the `trf-mp-notify-wrong-event` fault. */
export function notifyTransferor(ctx: PfContext, t: Transfer, state: 'active' | 'terminated', status: number, reason: string, wrongEvent = false): void {
  if (!t.subscriber.alive()) return;
  const extra = wrongEvent
    ? [{ name: 'Event', value: 'presence' }]
    : [{ name: 'Event', value: 'refer' }, { name: 'Subscription-State', value: state === 'active' ? 'active;expires=60' : 'terminated;reason=noresource' }];
  if (wrongEvent) ctx.log(`${ctx.name}: fault trf-mp-notify-wrong-event: Event: presence, no Subscription-State`);
  const notify = t.subscriber.dialog.createRequest('NOTIFY', [...extra, { name: 'Content-Type', value: 'message/sipfrag;version=2.0' }]);
  notify.body = sipfrag(status, reason);
  const hop = nextHop(notify);
  if (hop) send(ctx, notify, hop, t.subscriber.protocol);
}

/** The Session Join / replacement notification: an out-of-dialog REFER to the device, routed by its Path. */
export interface ReferNotification {
  refer: SipRequest;
  hop: { address: Address; protocol?: TransportProtocol };
  /** The REFER's dialog as PF A (its UAC) knows it: the target's NOTIFYs come in it. */
  callId: string;
  tag: string;
}

export function referNotification(ctx: PfContext, t: Transfer, device: Device, referTo: string): ReferNotification | undefined {
  const refer = createRequest({
    method: 'REFER', uri: device.contact, from: `<${t.transferorAor}>`, to: `<${device.contact}>`,
    callId: newCallId(ctx.address.host), contact: `<${t.sessionUri}>`,
    extra: [{ name: 'Refer-To', value: referTo }, { name: 'Referred-By', value: `<${t.transferorAor}>` }],
  });
  setRoutes(refer, device.path);
  const first = device.path[0];
  const hop = first !== undefined ? uriTarget(uriOf(first) ?? first) : { address: device.address, protocol: device.protocol };
  if (!hop) return undefined;
  return { refer, hop: { address: hop.address, protocol: hop.protocol ?? device.protocol }, callId: callId(refer) ?? '', tag: fromTag(refer) ?? '' };
}

/** Send a request PF A originates; the transport falls back to the one the transferor's requests use. */
export function send(ctx: PfContext, req: SipRequest, hop: { address: Address; protocol?: TransportProtocol }, protocol: TransportProtocol): ClientTransaction | undefined {
  try {
    return ctx.endpoint.request(req, hop.address, { transport: transportFor(ctx, hop.protocol, inboundTransport(ctx, protocol)) });
  } catch (err) {
    ctx.log(`${ctx.name}: could not send ${describe(req)}: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * The Session Join Notification's Refer-To (5.2.5.1.1 ¶3): the transfer's one-time session URI with
 * Target-Dialog = D1 as the target will name it (RFC 4538 §7: local-tag the transferor's) and the
 * session's CPM identifiers; `contributionId` replaces the session's own (a fault).
 */
export function joinReferTo(t: MpTransfer, contributionId?: string): string | undefined {
  const d1 = t.call.in.dialog;
  const session = parseUri(t.sessionUri);
  if (!d1 || !session) return undefined;
  const headers: Record<string, string> = {
    'Target-Dialog': formatTargetDialog({ callId: d1.callId, localTag: d1.remoteTag, remoteTag: d1.localTag, params: {} }),
    Require: 'tdialog',
  };
  const invite = t.call.inviteTx.request;
  const conv = header(invite, 'Conversation-ID');
  const contrib = header(invite, 'Contribution-ID');
  if (conv) headers['Conversation-ID'] = conv.trim();
  if (contrib) headers['Contribution-ID'] = contributionId ?? contrib.trim();
  return formatUri({ ...session, headers });
}

/** The Session replacement notification's Refer-To (5.2.5.1.2 ¶4): the transferee's target with Replaces = D (RFC 3891 §6.1). */
export function replacementReferTo(d: ProxyDialog, td: TargetDialog): string | undefined {
  const transferee = parseUri(d.calleeTargets.get(td.remoteTag) ?? d.calleeAor ?? '');
  if (!transferee) return undefined;
  const value = formatReplaces({ callId: d.callId, toTag: td.remoteTag, fromTag: td.localTag, earlyOnly: false, params: {} });
  return formatUri({ ...transferee, headers: { Replaces: value, Require: 'replaces' } });
}
