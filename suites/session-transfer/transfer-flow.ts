/**
 * Building blocks of the session-transfer suites (docs/cpm-sip-binding.md binding, RFC 3515 REFER / NOTIFY with
 * message/sipfrag, RFC 4538 Target-Dialog, RFC 3891 Replaces): what a device of the test system
 * does, and the checks on what the Conversation Server sends it.
 */
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message';
import { addHeader, headerValues } from '../../src/sip/message';
import { Dialog } from '../../src/sip/dialog';
import { createResponse } from '../../src/sip/request-builder';
import { sipfrag, sipfragStatus } from '../../src/sip/sipfrag';
import { event, subscriptionState } from '../../src/sip/headers/event';
import { embeddedHeader, parseReferTo, referredBy } from '../../src/sip/headers/refer-to';
import { contacts } from '../../src/sip/headers/contact';
import { parseNameAddr } from '../../src/sip/headers/name-addr';
import { formatReplaces, formatTargetDialog, parseTargetDialog, parseReplaces } from '../../src/sip/headers/dialog-id';
import type { ServerTransaction } from '../../src/sip/endpoint';
import type { Device } from '../../src/harness/device';
import { labelOf, matchMessage, type MessageTemplate } from '../../src/harness/template';
import type { TestContext } from '../../src/harness/context';
import type { RequirementId } from '../../src/harness/requirements';
import type { CaseVariant, TopologyKind, TransportName } from '../../src/harness/test-case';
import { finalWithin, registeredSession, type Session } from '../../src/harness/session';
import { contributionId, conversationId } from '../../src/sip/headers/cpm';
import { randomUUID } from 'node:crypto';
import { crossedCore } from '../../src/harness/evidence';
import { chatInSession } from './media-delivery';

const TRANSPORTS: TransportName[] = ['udp', 'tcp'];
const TOPOLOGIES: TopologyKind[] = ['direct', 'core-emulation'];

/** Every transfer case runs over UDP and TCP, in both topologies, with these device counts per user. */
export function transferVariants(devices: number[]): CaseVariant[] {
  return TOPOLOGIES.flatMap((topology) => TRANSPORTS.map((transport) => ({ transport, topology, devices })));
}

/** A1 (transferor) and A2 (target) of user A, B1 (transferee) of user B, and their session. */
export interface TransferSetup {
  s: Session;
  a1: Device;
  a2: Device;
  b1: Device;
}

/** A re-INVITE (RFC 3261 §14) in the transferee's session dialog. */
function reinviteOf(s: Session): MessageTemplate {
  return { method: 'INVITE', headers: { 'Call-ID': s.uas.callId, To: /;\s*tag=/i } };
}

/** Register everyone; A1 and B1 hold a 1-1 CPM session through the CS, and a message went each way in it (media-delivery.ts). */
export async function sessionToTransfer(t: TestContext): Promise<TransferSetup> {
  const s = await registeredSession(t);
  await chatInSession(t, s);
  const b1 = s.callee;
  if (t.target.binding.allowReinviteToTransferee) {
    // The target config says the CS re-INVITEs the transferee by design: B1 accepts each re-INVITE
    // of its session by itself (§14.2), and none counts as unexpected.
    const tpl = reinviteOf(s);
    b1.handle((tx) => {
      if (matchMessage(tx.request, tpl).length > 0) return false;
      void b1.answerReinvite(tx).catch(() => undefined);
      return true;
    });
  }
  const [a] = t.topology.users;
  return { s, a1: a.devices[0], a2: a.devices[1], b1 };
}

/**
 * 5.2.5.1.1 with the CS in the media path: "no signalling reaches the transferee" (SHOULD, design
 * §2). A re-INVITE of the transferee (arrived, or arriving within `waitMs`) is accepted, as a
 * device would, and marked non-strict unless the target config tolerates it (knob
 * allowReinviteToTransferee). In the other cases a re-INVITE stays unexpected (docs/cpm-sip-binding.md, A test case).
 */
export async function judgeReinvites(t: TestContext, x: TransferSetup, requirement: RequirementId, waitMs: number): Promise<void> {
  if (t.target.binding.allowReinviteToTransferee) return;
  const tx = await x.b1.waitForRequest(reinviteOf(x.s), waitMs);
  if (!tx) return;
  await x.b1.answerReinvite(tx);
  t.should(requirement, false, {
    message: `the CS re-INVITEd the transferee ${x.b1.name} during the transfer; with the CS in the media path no signalling should reach it (set binding.allowReinviteToTransferee if your CS does this by design)`,
    expected: `no request at ${x.b1.name}`, actual: tx.request,
  });
}

/**
 * How a transfer names a device (docs/cpm-sip-binding.md knob `deviceAddressing`): its registered contact, or the
 * public GRUU the SUT assigned it at registration (RFC 5627 §3.1). A SUT bound to GRUUs that gave
 * none leaves nothing to name the device by: the case is inconclusive, with the reason.
 */
export function addressOf(t: TestContext, device: Device): string {
  const how = t.target.binding.deviceAddressing;
  const uri = device.addressFor(how);
  t.precondition(uri !== undefined, {
    message: `binding.deviceAddressing is gruu, but the SUT assigned ${device.name} no GRUU: its REGISTER's 200 carried no pub-gruu for +sip.instance ${device.instanceId} (RFC 5627 §5)`,
  });
  return uri;
}

/** A URI of the user's that names no registered device: an unknown GRUU, or a contact nobody registered. */
export function unregisteredAddress(t: TestContext, device: Device): string {
  if (t.target.binding.deviceAddressing === 'gruu') return `${device.aor};gr=urn:uuid:${randomUUID()}`;
  return `sip:${device.aor.replace(/^sips?:/, '').split('@')[0]}@${t.target.localHost}:9;transport=${t.variant.transport}`;
}

/**
 * The Contribution-ID rule of the knob `contributionIdOnTransfer` (docs/cpm-sip-binding.md) for an id the SUT
 * hands on (embedded in a Refer-To, or in the INVITE it routes): `keep` wants the transferred
 * session's, `new` any other. True, or what is wrong.
 */
export function contributionIdFollows(t: TestContext, got: string | undefined, original: string | undefined): true | string {
  if (got === undefined || original === undefined) return true;
  const keep = t.target.binding.contributionIdOnTransfer === 'keep';
  if (keep && got !== original) return `Contribution-ID ${got} is not the transferred session's ${original} (binding contributionIdOnTransfer: keep)`;
  if (!keep && got === original) return `Contribution-ID ${got} is the transferred session's, but binding contributionIdOnTransfer is new`;
  return true;
}

/** The Contribution-ID the target's CPM Session Invitation carries, per the knob: the session's, or a fresh one. */
function targetContributionId(t: TestContext, embedded: string | undefined, original: SipMessage): string {
  if (embedded !== undefined) return embedded; // RFC 3515 §2.1: headers of the Refer-To become the INVITE's
  const keep = t.target.binding.contributionIdOnTransfer === 'keep';
  return (keep ? contributionId(original) : null) ?? randomUUID();
}

/** The CS accepted a transfer (or pull) request: 202 (RFC 3515 §2.4.2), or 200 where the binding allows it (referSuccessCode). */
export function referAccepted(t: TestContext, status: number): boolean {
  return status === 202 || (t.target.binding.referSuccessCode === '200-or-202' && status === 200);
}

/** Precondition of the cases that judge what follows an accepted transfer: the CS accepted it (else INCONC, saying what came). */
export function requireAccepted(t: TestContext, res: SipResponse | null): void {
  t.precondition(res !== null && referAccepted(t, res.status), { message: `the transfer was not accepted: ${res ? labelOf(res) : 'no answer'}`, actual: res ?? undefined });
}

/** The CS transfer URI (IXIT) over the variant's transport. */
export function transferUri(t: TestContext): string {
  const u = t.target.ixit.transferUri;
  // The cases that send to it are not applicable without one (their applies()); this names why if one did.
  t.precondition(u !== undefined, { message: 'IXIT: no CS transfer URI (ixit.transferUri) to send the transfer request to' });
  return t.variant.transport === 'udp' || /;transport=/i.test(u) ? u : `${u};transport=${t.variant.transport}`;
}

/** The dialog a device holds, as the headers that name it need it. */
interface HeldDialog { callId: string; localTag: string; remoteTag: string }

/**
 * The out-of-dialog REFER a device sends to the CS transfer URI about a session it holds (the CR's
 * transfer request, and the pull where the binding says refer-to-psi): Target-Dialog naming that
 * dialog (RFC 4538 §7) with the tdialog option tag its §4 asks for, Refer-To the device that is to
 * join (RFC 3515 §2.1), Referred-By the sender (RFC 3892).
 */
export function transferRefer(t: TestContext, from: Device, d: HeldDialog, referTo: string): SipRequest {
  const uri = transferUri(t);
  return from.newRequest('REFER', uri, uri, [
    { name: 'Target-Dialog', value: formatTargetDialog({ callId: d.callId, localTag: d.localTag, remoteTag: d.remoteTag, params: {} }) },
    { name: 'Require', value: 'tdialog' },
    { name: 'Refer-To', value: `<${referTo}>` },
    { name: 'Referred-By', value: `<${from.aor}>` },
  ]);
}

/** Replaces naming a dialog the sender holds (RFC 3891 §6.1: to-tag is the peer's tag, from-tag its own). */
export function replacesOf(d: HeldDialog): string {
  return formatReplaces({ callId: d.callId, toTag: d.remoteTag, fromTag: d.localTag, earlyOnly: false, params: {} });
}

/**
 * RFC 3515 §2.4.5 / §2.4.7: a NOTIFY of the refer event package (Event: refer), active while the
 * transfer runs and terminated with its outcome, carrying a message/sipfrag whose status line is
 * the outcome (a 1xx while active; 200 or the failure when terminated).
 */
export function notifyTemplate(want: { state: 'active' | 'terminated'; status?: number | { rule: string; test: (status: number) => boolean } }): MessageTemplate {
  const status = want.status;
  const derived: MessageTemplate['derived'] = status === undefined ? [] : [{
    field: 'sipfrag status line',
    of: (m) => m.body.toString('utf8').split('\r\n')[0] || undefined,
    is: {
      rule: typeof status === 'number' ? `SIP/2.0 ${status}` : status.rule,
      test: (_v: string | undefined, m: SipMessage) => {
        const st = sipfragStatus(m.body)?.status;
        return st !== undefined && (typeof status === 'number' ? st === status : status.test(st));
      },
    },
  }];
  return {
    method: 'NOTIFY',
    headers: {
      Event: { rule: 'refer', test: (_v, m) => event(m)?.package.toLowerCase() === 'refer' },
      'Subscription-State': { rule: `${want.state}${want.state === 'active' ? ';expires=…' : ';reason=…'}`, test: (_v, m) => subscriptionState(m)?.state.toLowerCase() === want.state },
      'Content-Type': /^message\/sipfrag\b/i,
    },
    derived,
  };
}

/** A provisional sipfrag status: the transfer is under way (RFC 3515 §2.4.5). */
export const PROGRESS = { rule: 'SIP/2.0 1xx (the transfer is under way)', test: (st: number) => st >= 100 && st < 200 };
/** A failure sipfrag status: the transfer failed (RFC 3515 §2.4.7). */
export const FAILURE = { rule: 'SIP/2.0 3xx-6xx (the transfer failed)', test: (st: number) => st >= 300 };

/**
 * RFC 3515 §2.1: exactly one Refer-To, a parseable name-addr (in angle brackets when its URI
 * carries headers, RFC 3261 §20: a URI with `?` is only allowed in name-addr form), and a
 * Referred-By naming the transferor (RFC 3892, as the CR's REFER carries it).
 * Found by mutation testing of transfer-notifications.ts (docs/mutation.md): a REFER with an empty
 * To (`to: ''`) or an empty Referred-By (`Referred-By: ''`) passed, and one with an empty Contact
 * only reached a later precondition (INCONC). The To is mandatory and parses (RFC 3261 §8.1.1,
 * §20.39); a REFER creates a dialog, its implicit subscription's (RFC 3515 §2.4.4), so its Contact
 * MUST carry exactly one SIP or SIPS URI (RFC 3261 §8.1.1.8), the remote target of the NOTIFYs
 * (§12.1.2); the Referred-By is one referrer-uri (RFC 3892 §3: name-addr or addr-spec).
 */
export const REFER_TEMPLATE: MessageTemplate = {
  method: 'REFER',
  headers: {
    'Refer-To': {
      rule: 'exactly one name-addr, in <> when its URI carries headers',
      test: (_v, m) => {
        const values = headerValues(m, 'Refer-To');
        const raw = values[0] ?? '';
        return values.length === 1 && parseReferTo(raw) !== null && (!raw.includes('?') || /^\s*("[^"]*"\s*)?<[^>]*\?[^>]*>/.test(raw));
      },
    },
    To: { rule: 'a name-addr or addr-spec (RFC 3261 §8.1.1, §20.39)', test: (_v, m) => headerValues(m, 'To').length === 1 && parseNameAddr(headerValues(m, 'To')[0] ?? '') !== null },
    'Referred-By': { rule: 'exactly one referrer-uri (RFC 3892 §3)', test: (_v, m) => headerValues(m, 'Referred-By').length === 1 && referredBy(m) !== null },
    Contact: {
      rule: 'exactly one SIP or SIPS URI (RFC 3261 §8.1.1.8: the REFER creates a dialog)',
      test: (_v, m) => {
        const c = contacts(m);
        return headerValues(m, 'Contact').length === 1 && c.length === 1 && /^sips?:/i.test(c[0].uri);
      },
    },
  },
};

export interface JoinInstruction {
  /** The URI to send the CPM Session Invitation to (the Refer-To URI without its headers). */
  uri: string;
  targetDialog?: string;
  replaces?: string;
  require?: string;
  conversationId?: string;
  contributionId?: string;
}

/**
 * What a Refer-To tells the target to do (RFC 3515 §2.1: headers in the URI become headers of the
 * INVITE). A Refer-To that does not parse tells it nothing but its own text as the URI: a case judges
 * the REFER with REFER_TEMPLATE first, which fails on exactly that.
 */
export function joinInstruction(msg: SipMessage): JoinInstruction {
  const raw = headerValues(msg, 'Refer-To')[0] ?? '';
  const r = parseReferTo(raw);
  if (!r) return { uri: raw };
  const uri = r.uri.replace(/\?.*$/, '');
  return {
    uri,
    targetDialog: embeddedHeader(r, 'Target-Dialog'),
    replaces: embeddedHeader(r, 'Replaces'),
    require: embeddedHeader(r, 'Require'),
    conversationId: embeddedHeader(r, 'Conversation-ID'),
    contributionId: embeddedHeader(r, 'Contribution-ID'),
  };
}

/**
 * The target's CPM Session Invitation built from the REFER it follows (docs/cpm-sip-binding.md): to the Refer-To
 * URI, with the headers embedded in it (RFC 3515 §2.1: they become headers of the INVITE), the
 * option tag their extension needs when none was embedded (RFC 4538 tdialog, RFC 3891 replaces),
 * the session's Conversation-ID and the Contribution-ID the knob asks for.
 */
export function inviteFollowing(t: TestContext, device: Device, how: JoinInstruction, session: SipMessage, referredBy?: string): SipRequest {
  const require = how.require ?? (how.targetDialog ? 'tdialog' : how.replaces ? 'replaces' : undefined);
  return device.inviteRequest(how.uri, {
    conversationId: how.conversationId ?? conversationId(session) ?? undefined,
    contributionId: targetContributionId(t, how.contributionId, session),
    extra: [
      ...(how.targetDialog ? [{ name: 'Target-Dialog', value: how.targetDialog }] : []),
      ...(how.replaces ? [{ name: 'Replaces', value: how.replaces }] : []),
      ...(require ? [{ name: 'Require', value: require }] : []),
      ...(referredBy ? [{ name: 'Referred-By', value: `<${referredBy}>` }] : []),
    ],
  });
}

/**
 * `device` sends the CPM Session Invitation the notification describes (inviteFollowing), as the
 * transferor's session's; its final response, a 2xx ACKed (RFC 3261 §13.2.2.4).
 */
export async function inviteAsTold(t: TestContext, x: TransferSetup, device: Device, how: JoinInstruction): Promise<SipResponse | null> {
  const invite = inviteFollowing(t, device, how, x.s.invite, x.a1.aor);
  const tx = device.endpoint.request(invite, device.nextHop(invite));
  const answer = await finalWithin(tx, t.timeoutMs);
  if (answer && answer.status >= 200 && answer.status < 300) await device.ack(Dialog.fromUac(tx.request, answer), tx.request);
  return answer;
}

/**
 * The target takes the notification REFER the CS sent it (the Join or the replacement
 * notification): accepted, then NOTIFY 100 in its subscription (RFC 3515 §2.4.4-2.4.5). What the
 * invitation it describes looks like, and the subscription's dialog. None within the IXIT wait:
 * a precondition (INCONC), the case judges something else.
 */
export async function targetTakesNotification(t: TestContext, target: Device, what: string): Promise<{ how: JoinInstruction; dialog: Dialog }> {
  const tx = await target.waitForRequest({ method: 'REFER' }, t.timeoutMs);
  t.precondition(tx !== null, { message: `no ${what} reached the target ${target.name}` });
  const dialog = await acceptRefer(target, tx);
  await sendReferNotify(target, dialog, 'active', 100, 'Trying');
  return { how: joinInstruction(tx.request), dialog };
}

/** Target-Dialog (RFC 4538) naming this dialog: same Call-ID; the tags equal the dialog's two tags as a set. */
export function targetDialogNames(value: string | undefined, d: { callId: string; localTag: string; remoteTag: string }): true | string {
  const td = value ? parseTargetDialog(value) : null;
  if (!td) return `no parseable Target-Dialog (${value ?? 'absent'})`;
  const tags = new Set([td.localTag, td.remoteTag]);
  if (td.callId !== d.callId || !tags.has(d.localTag) || !tags.has(d.remoteTag)) {
    return `Target-Dialog ${value} does not name the session dialog ${d.callId} (tags ${d.localTag}, ${d.remoteTag})`;
  }
  return true;
}

/** Replaces (RFC 3891 §6.1) naming this dialog: Call-ID and both tags. */
export function replacesNames(value: string | undefined, d: { callId: string; localTag: string; remoteTag: string }): true | string {
  const r = value ? parseReplaces(value) : null;
  if (!r) return `no parseable Replaces (${value ?? 'absent'})`;
  const tags = new Set([r.toTag, r.fromTag]);
  if (r.callId !== d.callId || !tags.has(d.localTag) || !tags.has(d.remoteTag)) return `Replaces ${value} does not name the dialog ${d.callId}`;
  return true;
}

/** The device accepts a REFER (202, RFC 3515 §2.4.2): the REFER dialog it creates carries the subscription. */
export async function acceptRefer(device: Device, tx: ServerTransaction): Promise<Dialog> {
  const tag = device.tagFor(tx);
  const res = createResponse(tx.request, 202, 'Accepted', { toTag: tag });
  addHeader(res, 'Contact', device.contact);
  await tx.respond(res);
  return Dialog.fromUas(tx.request, tag, device.contactUri);
}

/** NOTIFY in the refer subscription's dialog with a sipfrag (RFC 3515 §2.4.4). */
export function sendReferNotify(device: Device, dialog: Dialog, state: 'active' | 'terminated', status: number, reason: string) {
  return device.inDialog(dialog, 'NOTIFY', [
    { name: 'Event', value: 'refer' },
    { name: 'Subscription-State', value: state === 'active' ? 'active;expires=60' : 'terminated;reason=noresource' },
  ], sipfrag(status, reason), 'message/sipfrag;version=2.0');
}

/** Wait for a request of this method at the device and answer it (200 by default). */
export async function takeRequest(device: Device, method: string, timeoutMs: number, status = 200): Promise<ServerTransaction | null> {
  const tx = await device.waitForRequest({ method }, timeoutMs);
  if (tx) await device.respond(tx, status);
  return tx;
}

export function requestOf(tx: ServerTransaction | null): SipRequest | undefined {
  return tx?.request;
}

/**
 * A notification the CS sends the target device (the Join / Session replacement Notification)
 * goes "to the target CPM Client device through the SIP/IP Core" (5.2.5.1.1 ¶3, 5.2.5.1.2 ¶3): in
 * core-emulation, through the core the device registered through, which put itself in the Path of
 * its REGISTER (RFC 3327 §5.2; the registrar stores it with the binding, §5.3). Found by mutation
 * testing of the reference's registrar.ts (docs/mutation.md): a CS that dropped the Path reached
 * the device directly, and no case noticed.
 */
export function judgeThroughCore(t: TestContext, requirement: RequirementId, device: Device, req: SipMessage, what: string): void {
  const core = t.topology.users.find((u) => u.devices.includes(device))?.core;
  t.check(requirement, crossedCore(core, req), {
    message: `the ${what} reached ${device.name} without passing ${core?.name ?? 'its SIP/IP Core'}: the CS SHALL send it through the SIP/IP Core (the Path of the device's REGISTER, RFC 3327)`,
    expected: `the top Via of ${core?.name ?? 'the core'}`, actual: req,
  });
}
