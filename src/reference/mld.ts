/**
 * Multi-device delivery at the terminating Participating Function (CPM-MLD-007: "When the CPM
 * User has accepted the CPM Session Invitation on one of his/her devices, the outstanding CPM
 * Session Invitations on the other devices SHALL be cancelled"). What the forking proxy and the
 * forking B2BUA share:
 *  - cancelling one pending branch (RFC 3261 §9.1: same Request-URI, Call-ID, From, To, CSeq
 *    number and top Via branch as the INVITE; only after the branch sent a provisional), with
 *    `Reason: SIP;cause=200;text="Call completed elsewhere"` when another device accepted
 *    (RFC 3326 §2), or the upstream CANCEL's Reason when the caller cancelled (§16.10);
 *  - what becomes of a second 2xx that raced the CANCEL. The B2BUA is the UAC of each device's
 *    leg, and the UAS of the caller's leg, which it may answer only once: it confirms the late
 *    device's dialog with an ACK (§13.2.2.4) and releases it with a BYE (§15), re-ACKing its
 *    retransmissions (`LateAnswers`). The proxy is no UAC and does none of this: it forwards every
 *    2xx (§16.7 step 5) and the caller ACKs and BYEs (proxy-fork.ts). The `mld-second-2xx-dangling`
 *    fault absorbs the late 2xx in either mode (`LateAnswers.ignore`).
 * The MLD faults of the catalogue that concern the construction of the CANCEL are applied here,
 * to the CANCELs sent because another device accepted (the caller's own CANCEL stays correct).
 */
import type { HeaderField, SipRequest, SipResponse } from '../sip/message';
import { addHeader, header, setHeader } from '../sip/message';
import type { Transport } from '../sip/transport/transport';
import type { Address } from '../sip/transport/address';
import type { ClientTransaction } from '../sip/transaction/types';
import type { Dialog } from '../sip/dialog';
import { createCancel } from '../sip/request-builder';
import { callId, fromTag, parseNameAddr, toTag } from '../sip/headers/name-addr';
import { cseq } from '../sip/headers/cseq';
import { formatVia, topVia } from '../sip/headers/via';
import { newBranch } from '../sip/ids';
import { describe, ownVia, transportFor, type PfContext } from './pf-context';
import { nextHop } from './routing';
import type { FaultName } from './faults';

/** RFC 3326 §2 (and its example in §3): why the other devices' invitations are cancelled. */
export const COMPLETED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"';

/** Why a branch is cancelled: another device accepted (CPM-MLD-007, §16.7 step 10), the caller cancelled (§16.10), a 6xx (§16.7 step 5). */
export type CancelCause = 'accepted' | 'upstream' | 'global-failure';

/** The Reason header a CANCEL carries when another device accepted (none under `mld-cancel-missing-reason`). */
export function acceptedReason(ctx: PfContext): HeaderField[] {
  if (ctx.faults.has('mld-cancel-missing-reason')) {
    ctx.log(`${ctx.name}: fault mld-cancel-missing-reason: CANCEL without Reason`);
    return [];
  }
  return [{ name: 'Reason', value: COMPLETED_ELSEWHERE }];
}

/** Resolves true once the INVITE branch has a provisional (100 included), false when it ends first. */
// Stryker disable all: only a fault of the catalogue runs this (selftest proves it); mutation-testing triage, docs/mutation.md (the §9.1 construction faults)
function whenProvisional(client: ClientTransaction): Promise<boolean> {
  if (client.responses.some((r) => r.status < 200)) return Promise.resolve(!client.responses.some((r) => r.status >= 200));
  return new Promise((resolve) => {
    client.onResponse((r) => resolve(r.status < 200));
    void client.final.then(() => resolve(false));
  });
}
// Stryker restore all

/** The §9.1 faults switched on for CANCELs sent on acceptance, if any. */
function constructionFaults(ctx: PfContext): FaultName[] {
  // Stryker disable next-line ArrayDeclaration,StringLiteral,ArrowFunction: fault switch (which construction faults exist / are on)
  const all: FaultName[] = ['mld-cancel-wrong-branch', 'mld-cancel-wrong-cseq', 'mld-cancel-wrong-request-uri', 'mld-cancel-before-provisional'];
  // Stryker disable next-line ArrowFunction: fault switch (no construction fault on); the other mutants of this function are killed
  return all.filter((f) => ctx.faults.has(f));
}

/** A CANCEL for `invite` with the §9.1 construction faults applied. */
// Stryker disable all: only a fault of the catalogue runs this (selftest proves it); mutation-testing triage, docs/mutation.md (the §9.1 construction faults)
function faultyCancel(ctx: PfContext, invite: SipRequest, extra: HeaderField[], faults: FaultName[]): SipRequest {
  const c = createCancel(invite, extra);
  if (faults.includes('mld-cancel-wrong-branch')) {
    const v = topVia(c);
    if (v) setHeader(c, 'Via', formatVia({ ...v, branch: newBranch() }));
  }
  if (faults.includes('mld-cancel-wrong-cseq')) setHeader(c, 'CSeq', `${(cseq(invite)?.seq ?? 1) + 1} CANCEL`);
  if (faults.includes('mld-cancel-wrong-request-uri')) {
    // The AoR the caller addressed (the INVITE's To) instead of the branch's contact.
    const aor = parseNameAddr(header(invite, 'To') ?? '')?.uri;
    if (aor) c.uri = aor;
  }
  ctx.log(`${ctx.name}: fault ${faults.join(', ')}: ${describe(c)}`);
  return c;
}
// Stryker restore all

/**
 * Cancel one pending INVITE branch. The correct CANCEL is the engine's (§9.1: built from the
 * INVITE, sent once the branch has a provisional, never after its final). On acceptance the §9.1
 * construction faults of the catalogue replace it by a hand-built one.
 */
export function cancelBranch(ctx: PfContext, client: ClientTransaction, cause: CancelCause, extra: HeaderField[]): void {
  ctx.log(`${ctx.name}: CANCEL (${cause}) for ${describe(client.request)} branch ${client.id}`);
  // Stryker disable next-line all: fault switch (the construction faults apply on acceptance only)
  const faults = cause === 'accepted' ? constructionFaults(ctx) : [];
  // Stryker disable next-line all: equivalent on the correct server: with no fault on, the path below sends the same §9.1 CANCEL after the provisional
  if (faults.length === 0) {
    client.cancel(extra).catch(() => { /* a final response came first, or the branch timed out: nothing left to cancel (§9.1) */ });
    return;
  }
  // Stryker disable all: only a fault of the catalogue runs this (selftest proves it); mutation-testing triage, docs/mutation.md (the §9.1 construction faults)
  const send = () => {
    ctx.endpoint.request(faultyCancel(ctx, client.request, extra, faults), client.destination, { transport: client.transport, keepVia: true });
  };
  if (faults.includes('mld-cancel-before-provisional')) {
    if (client.state === 'calling' || client.state === 'proceeding') send();
    return;
  }
  void whenProvisional(client).then((ok) => {
    if (ok && client.state === 'proceeding') send();
  });
}
// Stryker restore all

/** `mld-cancel-accepting-device`: a CANCEL also to the device whose 2xx was accepted (after its final: §9.1 forbids it). */
// Stryker disable all: only a fault of the catalogue runs this (selftest proves it); mutation-testing triage, docs/mutation.md (mld-cancel-accepting-device)
export function cancelAcceptedBranch(ctx: PfContext, client: ClientTransaction, extra: HeaderField[]): void {
  ctx.log(`${ctx.name}: fault mld-cancel-accepting-device: CANCEL to the accepting device, branch ${client.id}`);
  ctx.endpoint.request(createCancel(client.request, extra), client.destination, { transport: client.transport, keepVia: true });
}
// Stryker restore all

interface LateEntry {
  /** The ACK sent, resent for each retransmitted 2xx (§13.2.2.4); absent when the 2xx is left dangling (fault). */
  ack?: { msg: SipRequest; dest: Address; transport: Transport };
}

/** Upper bound on remembered late answers so a long-running demo server cannot grow without limit. */
const MAX_LATE = 2000;

function lateKey(res: SipResponse | SipRequest, remoteTag: string | null): string {
  // Stryker disable next-line LogicalOperator,StringLiteral: equivalent: any one part dropped, the two random tags (RFC 3261 §19.3) keep the key unique; the '' fallbacks never run (a 2xx carries Call-ID and both tags, §8.1.1, §12.1.1); the killed `` twin shares the mutator
  return `${callId(res) ?? ''}\u0000${fromTag(res) ?? ''}\u0000${remoteTag ?? ''}`;
}

/**
 * Second 2xx answers that raced a CANCEL at a forking B2BUA: confirmed with ACK and released with
 * BYE, once each; and, under `mld-second-2xx-dangling` (either mode), absorbed without either.
 */
export class LateAnswers {
  private readonly entries = new Map<string, LateEntry>();

  constructor(private readonly ctx: PfContext) {}

  /**
   * Confirm the late device's dialog (ACK, §13.2.2.4) and release it (BYE, §15.1.1). A
   * retransmission of the same 2xx only gets the ACK again. `fallback` is the branch's transport.
   */
  release(dialog: Dialog, res: SipResponse, fallback: Transport): void {
    const key = lateKey(res, toTag(res));
    const known = this.entries.get(key);
    if (known) {
      // Stryker disable next-line ConditionalExpression: fault switch: only mld-second-2xx-dangling / mld-late-2xx-not-reacked leave `ack` unset; its `false` twin is killed
      if (known.ack) void this.ctx.endpoint.send(known.ack.msg, known.ack.dest, known.ack.transport);
      return;
    }
    const ack = dialog.createRequest('ACK');
    const hop = nextHop(ack);
    // Stryker disable next-line ConditionalExpression: equivalent `false`: a dialog's ACK always has a next hop (its remote target, RFC 3261 §12.2.1.1); its `true` twin is killed
    if (!hop) return;
    const transport = transportFor(this.ctx, hop.protocol, fallback);
    // Stryker disable next-line StringLiteral: equivalent 'top' → "": the ACK holds no other Via, top or bottom is the same; its 'Via' twin is killed
    addHeader(ack, 'Via', ownVia(transport), 'top');
    // `mld-late-2xx-not-reacked`: remembered without its ACK, so a retransmission is absorbed (§13.2.2.4 broken).
    this.remember(key, this.ctx.faults.has('mld-late-2xx-not-reacked') ? {} : { ack: { msg: ack, dest: hop.address, transport } });
    this.ctx.log(`${this.ctx.name}: a second 2xx raced the CANCEL (${describe(res)} from ${dialog.remoteTarget}): ACK and BYE`);
    void this.ctx.endpoint.send(ack, hop.address, transport);
    const bye = dialog.createRequest('BYE');
    const byeHop = nextHop(bye);
    // Stryker disable next-line ConditionalExpression: equivalent `true`: a dialog's BYE always has a next hop (its remote target, RFC 3261 §12.2.1.1); its `false` twin is killed
    if (byeHop) this.ctx.endpoint.request(bye, byeHop.address, { transport: transportFor(this.ctx, byeHop.protocol, fallback) });
  }

  /** `mld-second-2xx-dangling`: remember the late 2xx only to absorb its retransmissions (not forwarded, no ACK, no BYE). */
  // Stryker disable all: only a fault of the catalogue runs this (selftest proves it); mutation-testing triage, docs/mutation.md (mld-second-2xx-dangling)
  ignore(res: SipResponse): void {
    const key = lateKey(res, toTag(res));
    if (!this.entries.has(key)) this.remember(key, {});
  }
  // Stryker restore all

  /** A 2xx retransmission that matches no transaction any more: re-ACK it, or absorb it when dangling. True when it was a late answer. */
  handleStray(res: SipResponse): boolean {
    if (res.status < 200 || res.status >= 300 || cseq(res)?.method !== 'INVITE') return false;
    const e = this.entries.get(lateKey(res, toTag(res)));
    if (!e) return false;
    if (e.ack) void this.ctx.endpoint.send(e.ack.msg, e.ack.dest, e.ack.transport);
    return true;
  }

  private remember(key: string, e: LateEntry): void {
    // Stryker disable all: resource bound (MAX_LATE late answers remembered): nothing on the wire changes below it
    if (this.entries.size >= MAX_LATE) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    // Stryker restore all
    this.entries.set(key, e);
  }
}
