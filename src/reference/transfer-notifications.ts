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
import { header, removeHeader, setHeader } from '../sip/message';
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

/** A refer event NOTIFY to the transferor in its subscription; `wrongEvent` is the `trf-mp-notify-wrong-event` fault (its caller's ctx.faults.has). */
export function notifyTransferor(ctx: PfContext, t: Transfer, state: 'active' | 'terminated', status: number, reason: string, wrongEvent: boolean): void {
  if (!t.subscriber.alive()) return;
  const event = wrongEvent ? wrongEventHeaders(ctx) : [{ name: 'Event', value: 'refer' }, { name: 'Subscription-State', value: state === 'active' ? 'active;expires=60' : 'terminated;reason=noresource' }];
  const notify = t.subscriber.dialog.createRequest('NOTIFY', [...event, { name: 'Content-Type', value: 'message/sipfrag;version=2.0' }]);
  notify.body = sipfrag(status, reason);
  const hop = nextHop(notify);
  // Stryker disable next-line ConditionalExpression: equivalent: an in-dialog NOTIFY always has a next hop, the dialog's remote target (its `false` twin, no NOTIFY, is killed and drops out of the count with it)
  if (hop) send(ctx, notify, hop, t.subscriber.protocol);
}

// Stryker disable all: fault-only: `trf-mp-notify-wrong-event` (selftest proves it)
function wrongEventHeaders(ctx: PfContext): { name: string; value: string }[] {
  ctx.log(`${ctx.name}: fault trf-mp-notify-wrong-event: Event: presence, no Subscription-State`);
  return [{ name: 'Event', value: 'presence' }];
}
// Stryker restore all

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
  noticeFaults(ctx, refer);
  setRoutes(refer, device.path);
  const first = device.path[0];
  // Stryker disable next-line LogicalOperator: equivalent: uriTarget strips the angle brackets of a Path entry itself (the suites' Path entries are `<uri>`, nothing outside)
  const hop = first !== undefined ? uriTarget(uriOf(first) ?? first) : { address: device.address, protocol: device.protocol };
  // Stryker disable next-line ConditionalExpression: equivalent in the suites: every Path a core puts in a REGISTER parses (its `true` twin, no REFER, is killed and drops out with it)
  if (!hop) return undefined;
  // Stryker disable next-line StringLiteral: equivalent: createRequest always writes a Call-ID and a From tag, the fallbacks never run
  return { refer, hop: { address: hop.address, protocol: hop.protocol ?? device.protocol }, callId: callId(refer) ?? '', tag: fromTag(refer) ?? '' };
}

/** The notification REFER's faults (transfer-faults.ts), each breaking what REFER_TEMPLATE or the replacement notification's check judges. */
// Stryker disable next-line BlockStatement: fault-only: every statement of it is a fault switch's branch (selftest proves them)
function noticeFaults(ctx: PfContext, refer: SipRequest): void {
  if (ctx.faults.has('trf-nmp-replace-to-empty')) {
    ctx.log(`${ctx.name}: fault trf-nmp-replace-to-empty: an empty To`);
    setHeader(refer, 'To', '');
  }
  if (ctx.faults.has('trf-mp-join-no-contact')) {
    ctx.log(`${ctx.name}: fault trf-mp-join-no-contact: the notification REFER without Contact`);
    removeHeader(refer, 'Contact');
  }
  if (ctx.faults.has('trf-nmp-replace-referred-by-empty')) {
    ctx.log(`${ctx.name}: fault trf-nmp-replace-referred-by-empty: an empty Referred-By`);
    setHeader(refer, 'Referred-By', '');
  }
  if (ctx.faults.has('trf-nmp-replace-early-only')) {
    ctx.log(`${ctx.name}: fault trf-nmp-replace-early-only: Replaces with early-only in the Refer-To`);
    setHeader(refer, 'Refer-To', (header(refer, 'Refer-To') ?? '').replace(/(\?Replaces=[^&>]*)/i, '$1%3Bearly-only'));
  }
}

/** Send a request PF A originates; the transport falls back to the one the transferor's requests use. */
export function send(ctx: PfContext, req: SipRequest, hop: { address: Address; protocol?: TransportProtocol }, protocol: TransportProtocol): ClientTransaction | undefined {
  try {
    return ctx.endpoint.request(req, hop.address, { transport: transportFor(ctx, hop.protocol, inboundTransport(ctx, protocol)) });
  }
  // Stryker disable next-line BlockStatement: out of scope: the catch only logs a send that failed locally (nothing on the wire either way)
  catch (err) {
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
  // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent: a pending mp transfer always has D1 (transfer-mp.ts answers 481 first) and its session URI is our own, well formed (the `true` twin, no Join Notification, is killed and drops out with it)
  if (!d1 || !session) return undefined;
  const headers: Record<string, string> = {
    'Target-Dialog': formatTargetDialog({ callId: d1.callId, localTag: d1.remoteTag, remoteTag: d1.localTag, params: {} }),
    // Stryker disable next-line StringLiteral: not constrained by the CRs: the option tag the target's INVITE needs is the target's to add (RFC 4538 §3), docs/mutation.md
    Require: 'tdialog',
  };
  const invite = t.call.inviteTx.request;
  // Not constrained by the CRs: whether the Join Notification carries the session's Conversation-ID /
  // Contribution-ID (docs/mutation.md); `true` and `trim()` equivalent: the suites' session INVITE carries both, trimmed.
  // Stryker disable next-line StringLiteral: not constrained (above)
  const conv = header(invite, 'Conversation-ID');
  // Stryker disable next-line StringLiteral: not constrained (above)
  const contrib = header(invite, 'Contribution-ID');
  // Stryker disable next-line ConditionalExpression,MethodExpression: not constrained / equivalent (above)
  if (conv) headers['Conversation-ID'] = conv.trim();
  // Stryker disable next-line ConditionalExpression,MethodExpression: not constrained / equivalent (above)
  if (contrib) headers['Contribution-ID'] = contributionId ?? contrib.trim();
  return formatUri({ ...session, headers });
}

/** The Session replacement notification's Refer-To (5.2.5.1.2 ¶4): the transferee's target with Replaces = D (RFC 3891 §6.1). */
export function replacementReferTo(d: ProxyDialog, td: TargetDialog): string | undefined {
  // Stryker disable next-line StringLiteral: equivalent: a record-routed dialog always has its callee's AoR (the To of its INVITE), the `''` never runs
  const transferee = parseUri(d.calleeTargets.get(td.remoteTag) ?? d.calleeAor ?? '');
  // Stryker disable next-line ConditionalExpression: equivalent: the callee's target always parses (its `true` twin, no notification, is killed and drops out with it)
  if (!transferee) return undefined;
  const value = formatReplaces({ callId: d.callId, toTag: td.remoteTag, fromTag: td.localTag, earlyOnly: false, params: {} });
  // Stryker disable next-line StringLiteral: not constrained by the CRs: the option tag the target's INVITE needs is the target's to add (its UAC behaviour, RFC 3891 §4), docs/mutation.md
  return formatUri({ ...transferee, headers: { Replaces: value, Require: 'replaces' } });
}
