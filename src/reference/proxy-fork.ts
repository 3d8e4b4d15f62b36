/**
 * The response context of a forking proxy (RFC 3261 §16.6-16.7, §16.10): terminating service
 * control at PF B sends a CPM Session Invitation to every registered device of the callee's AoR
 * (one client transaction, one branch, per binding) and
 *  - relays every provisional but 100 upstream while no final was sent (§16.7 step 5);
 *  - relays the first 2xx at once and then CANCELs every other pending branch (§16.7 step 10,
 *    CPM-MLD-007), with `Reason: SIP;cause=200;text="Call completed elsewhere"` (RFC 3326), each
 *    only once that branch sent a provisional (§9.1); the 487s are ACKed by the transaction
 *    layer (§17.1.1.3);
 *  - relays every later 2xx too, statelessly: retransmissions of the accepted branch and the 2xx
 *    of another device that raced the CANCEL alike. §16.7 step 5: "Any 2xx responses MUST be
 *    forwarded immediately". A proxy is not the UAC: ACKing a 2xx and ending the dialog it made
 *    are the UAC's (§13.2.2.4, §15), so this PF never ACKs or BYEs one itself. The caller ACKs
 *    every 2xx and BYEs the sessions it does not keep (§13.2.2.4), through this PF since it
 *    Record-Routed the INVITE: that is how a second device that accepted at the same moment is
 *    confirmed and released (CPM-MLD-007);
 *  - a 6xx cancels the other branches (§16.7 step 5); when every branch has a final and none was
 *    2xx, the best response goes upstream (§16.7 step 6), 408 for branches that timed out;
 *  - a CANCEL from the caller cancels every pending branch (§16.10); their 487s make the best response.
 */
import type { SipRequest, SipResponse } from '../sip/message';
import { cloneMessage, headerFields } from '../sip/message';
import type { ClientTransaction, ServerTransaction } from '../sip/transaction/types';
import { createResponse } from '../sip/request-builder';
import type { BranchTarget } from './forwarding-target';
import { describe, inboundTransport, transportFor, type PfContext } from './pf-context';
import { setRoutes } from './routing';
import { acceptedReason, cancelAcceptedBranch, cancelBranch, type LateAnswers } from './mld';

export interface ForkHooks {
  /** A 1xx/2xx relayed upstream (the proxy learns the callee's dialog tags from it). */
  onResponse: (res: SipResponse) => void;
  /** The final response sent upstream. */
  onFinal: (res: SipResponse) => void;
}

/** How the proxy sends upstream: through the server transaction (our Via removed, §16.7 step 3) or statelessly (2xx after the final). */
export interface Upstream {
  relay(res: SipResponse): void;
  stateless(res: SipResponse): void;
}

interface Branch {
  client: ClientTransaction;
  target: BranchTarget;
  /** A final arrived (or the branch timed out: final stays null). */
  done: boolean;
  final: SipResponse | null;
  cancelled: boolean;
  /** Cancelled because another device accepted: set and read under the `mld-487-not-acked` fault only. */
  cancelledOnAccept?: boolean;
}

/** §16.7 step 6: a 6xx if any; else the lowest class, first received; 503 becomes 500. Null when no branch answered. */
export function bestResponse(finals: Array<SipResponse | null>): SipResponse | null {
  const got = finals.filter((r): r is SipResponse => r !== null);
  const global = got.find((r) => r.status >= 600);
  // Stryker disable next-line EqualityOperator: not constrained: '<=' picks another response of the same class, and "The proxy MAY select any response within that chosen class" (§16.7 step 6); the killed '>=' twin is lost from the count
  let best = global ?? got.reduce<SipResponse | null>((b, r) => (b === null || Math.floor(r.status / 100) < Math.floor(b.status / 100) ? r : b), null);
  // §16.7 step 6: "If the only response that was received is a 503, the proxy SHOULD generate a 500".
  // Stryker disable next-line StringLiteral: the reason phrase is for the human user (§7.2), no case may judge its text
  if (best && best.status === 503) best = { ...best, status: 500, reason: 'Server Internal Error' };
  return best;
}

export class ProxyFork {
  private readonly branches: Branch[] = [];
  private finalSent = false;
  private winner: Branch | undefined;
  /** The non-2xx finals in order of arrival: kept under the `mld-first-final-forwarded` fault only. */
  // Stryker disable next-line ArrayDeclaration: fault-only state (read by firstFinal alone)
  private readonly arrivals: SipResponse[] = [];

  constructor(
    private readonly ctx: PfContext,
    private readonly tx: ServerTransaction,
    private readonly upstream: Upstream,
    /** Only the `mld-second-2xx-dangling` fault uses it (to absorb a late 2xx's retransmissions): a correct proxy forwards every 2xx. */
    private readonly late: LateAnswers,
    private readonly hooks: ForkHooks,
  ) {}

  /** Send one branch per target (§16.6: a copy of the request each, Request-URI = the contact). */
  start(fwd: SipRequest, targets: BranchTarget[]): void {
    // Stryker disable next-line all: equivalent: branchTarget (forwarding-target.ts) already made a remaining Route the branch's routes, so setRoutes below writes the same entries
    const keepRoute = headerFields(fwd, 'Route').length > 0;
    const inbound = inboundTransport(this.ctx, this.tx.inbound.flow.protocol);
    for (const t of targets) {
      const req = cloneMessage(fwd);
      req.uri = t.requestUri;
      // Remaining Route (core) kept as is; otherwise the binding's Path becomes the Route (RFC 3327 §5.3).
      // Stryker disable next-line all: equivalent (see keepRoute above): with a remaining Route, t.routes is that Route
      if (!keepRoute) setRoutes(req, t.routes);
      const transport = transportFor(this.ctx, t.protocol, inbound);
      const branch: Branch = { client: undefined as unknown as ClientTransaction, target: t, done: false, final: null, cancelled: false };
      let suppressNon2xxAck: ((res: SipResponse) => boolean) | undefined;
      if (this.ctx.faults.has('mld-487-not-acked')) {
        suppressNon2xxAck = (res: SipResponse) => {
          const skip = branch.cancelledOnAccept === true && res.status === 487;
          if (skip) this.ctx.log(`${this.ctx.name}: fault mld-487-not-acked: no ACK for the 487 of branch ${branch.client.id}`);
          return skip;
        };
      }
      this.ctx.log(`${this.ctx.name}: fork ${describe(req)} → ${t.address.host}:${t.address.port}/${transport.protocol}`);
      branch.client = this.ctx.endpoint.request(req, t.address, { transport, suppressNon2xxAck });
      this.branches.push(branch);
      branch.client.onResponse((res) => this.onResponse(branch, res));
      void branch.client.final.then((res) => {
        // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent: a final reaches onResponse (which sets done) before this callback runs (client-base.ts deliver), so done alone decides; the killed 'true' twin is lost from the count
        if (res !== null || branch.done) return;
        if (this.ctx.faults.has('mld-timeout-no-final')) {
          this.ctx.log(`${this.ctx.name}: fault mld-timeout-no-final: branch ${branch.client.id} timed out, not counted as ended`);
          return;
        }
        // §16.7 step 6 / §16.8: no final (timeout or transport error) counts as a 408 of that branch.
        branch.done = true;
        this.maybeBest();
      });
    }
    // §16.10: the caller's CANCEL cancels every pending branch (the endpoint already answered it 200).
    this.tx.onCancel((cancel) => {
      // Not constrained by the CRs: passing the caller's Reason on (RFC 3326 §2: a Reason "has no impact on protocol processing"; docs/mutation.md)
      // Stryker disable next-line all: not constrained (above)
      const reason = headerFields(cancel, 'Reason').map((f) => ({ name: f.name, value: f.value }));
      // Stryker disable next-line StringLiteral: equivalent: the cause names the construction faults' trigger ('accepted') and the log only
      for (const b of this.branches) this.cancel(b, 'upstream', reason);
    });
  }

  private cancel(b: Branch, cause: 'accepted' | 'upstream' | 'global-failure', extra: Array<{ name: string; value: string }>): void {
    // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent: a second cancel() of a pending branch sends the same CANCEL (createCancel: the INVITE's Via branch), which the device takes as a retransmission (§17.2.3); of a done branch, the transaction refuses it (§9.1)
    if (b.done || b.cancelled) return;
    // Stryker disable next-line BooleanLiteral: equivalent (above)
    b.cancelled = true;
    if (this.ctx.faults.has('mld-487-not-acked')) {
      b.cancelledOnAccept = cause === 'accepted';
    }
    cancelBranch(this.ctx, b.client, cause, extra);
  }

  private onResponse(b: Branch, res: SipResponse): void {
    if (res.status === 100) {
      // §16.7 step 5: "a stateful proxy MUST NOT forward any 100 (Trying) response" (TC-MLD-007-10 judges it).
      if (this.ctx.faults.has('mld-trying-forwarded')) {
        this.ctx.log(`${this.ctx.name}: fault mld-trying-forwarded: ${describe(res)} of branch ${b.client.id} forwarded`);
        this.upstream.relay(res);
      }
      return;
    }
    if (res.status < 200) {
      // Stryker disable next-line ConditionalExpression: equivalent when false: after the final the server transaction sends no provisional (§17.2.1); the killed 'true' twin is lost from the count
      if (this.finalSent) return;
      if (this.ctx.faults.has('mld-ringing-not-forwarded')) {
        this.ctx.log(`${this.ctx.name}: fault mld-ringing-not-forwarded: ${describe(res)} of branch ${b.client.id} absorbed`);
        return;
      }
      // §16.7 step 5: "Any provisional response other than 100 (Trying)" MUST be forwarded immediately (TC-MLD-007-09).
      this.hooks.onResponse(res);
      this.upstream.relay(res);
      return;
    }
    if (this.ctx.faults.has('mld-3xx-as-acceptance')) {
      if (res.status < 400) {
        this.ctx.log(`${this.ctx.name}: fault mld-3xx-as-acceptance: ${describe(res)} of branch ${b.client.id} taken for an acceptance`);
        this.on2xx(b, res);
        return;
      }
    }
    if (res.status < 300) {
      this.on2xx(b, res);
      return;
    }
    // A non-2xx final: the client transaction ACKs it (§17.1.1.3).
    b.done = true;
    b.final = res;
    if (this.ctx.faults.has('mld-first-final-forwarded')) {
      this.arrivals.push(res);
    }
    // §16.7 step 5: a 6xx "is not immediately forwarded, but the stateful proxy SHOULD cancel all client pending transactions" (TC-MLD-007-13).
    if (res.status >= 600 && !this.finalSent && !this.ctx.faults.has('mld-6xx-not-global')) {
      // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent: b is done (above), so cancel() skips it when 'o !== b' is true; the cause only names the construction faults' trigger ('accepted'); the killed 'false' twin is lost from the count
      for (const o of this.branches) if (o !== b) this.cancel(o, 'global-failure', []);
    }
    if (this.ctx.faults.has('mld-decline-forwarded')) {
      // The fault skips §16.7 step 6: the first decline goes upstream as the final, the other branches ring on.
      if (!this.finalSent) {
        this.ctx.log(`${this.ctx.name}: fault mld-decline-forwarded: ${describe(res)} of branch ${b.client.id} forwarded while other branches are pending`);
        this.forwardFinal(res);
        return;
      }
    }
    this.maybeBest();
  }

  private on2xx(b: Branch, res: SipResponse): void {
    // Stryker disable next-line BooleanLiteral: equivalent: once a 2xx arrived, cancel() is not called for this branch, and the transaction refuses a CANCEL after its final anyway (§9.1)
    b.done = true;
    // Stryker disable next-line AssignmentOperator: equivalent: b.final is read by bestResponse only, never once a 2xx went upstream
    b.final ??= res;
    // Stryker disable next-line ConditionalExpression: equivalent when true: a later 2xx through the server transaction passes its Accepted state (RFC 6026 §8.7) as the stateless path does, and the other branches are already cancelled; the killed 'false' twin is lost from the count
    if (!this.finalSent) {
      // §16.7 step 5: a 2xx is forwarded immediately; step 10: then every other pending branch is cancelled.
      this.winner = b;
      this.forwardFinal(res);
      this.cancelOthers(b);
      return;
    }
    if (this.ctx.faults.has('mld-second-2xx-dangling')) {
      // The fault absorbs the late 2xx (and, via `late`, its retransmissions): nobody ACKs or BYEs it.
      if (b !== this.winner) {
        this.ctx.log(`${this.ctx.name}: fault mld-second-2xx-dangling: ${describe(res)} of branch ${b.client.id} neither forwarded, ACKed nor BYEd`);
        this.late.ignore(res);
        return;
      }
    }
    // §16.7 step 5: every further 2xx goes upstream at once — retransmissions of the accepted branch
    // and the 2xx of another device that raced the CANCEL. The final was already sent on the server
    // transaction, so statelessly (§16.11); the dialog learns the tag, so the caller's ACK and BYE of
    // that session are routed on to the device (§16.12).
    this.hooks.onResponse(res);
    this.upstream.stateless(res);
  }

  /** A branch's final goes upstream as the server transaction's final (§16.7 step 5 for a 2xx). */
  private forwardFinal(res: SipResponse): void {
    // Stryker disable next-line BooleanLiteral: equivalent: the server transaction sends no provisional or non-2xx after its 2xx (§17.2.1) and a later 2xx either way (RFC 6026 §8.7)
    this.finalSent = true;
    this.hooks.onResponse(res);
    this.hooks.onFinal(res);
    this.upstream.relay(res);
  }

  /** CPM-MLD-007: cancel the outstanding invitations on the other devices. */
  private cancelOthers(winner: Branch): void {
    if (this.ctx.faults.has('mld-no-cancel')) {
      this.ctx.log(`${this.ctx.name}: fault mld-no-cancel: the other branches are left ringing`);
      return;
    }
    const reason = acceptedReason(this.ctx);
    // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent: the winner is done (on2xx), so cancel() skips it when 'b !== winner' is true; the cause only names the construction faults' trigger (a fault switch); the killed 'false' twin is lost from the count
    for (const b of this.branches) if (b !== winner) this.cancel(b, 'accepted', reason);
    if (this.ctx.faults.has('mld-cancel-accepting-device')) cancelAcceptedBranch(this.ctx, winner.client, reason);
  }

  /** §16.7 step 6: once every branch has a final and none was 2xx, the best one goes upstream. */
  private maybeBest(): void {
    if (this.finalSent || this.branches.some((b) => !b.done)) return;
    // Stryker disable next-line BooleanLiteral: equivalent: every branch has ended, so no response or 2xx can follow
    this.finalSent = true;
    const best = this.ctx.faults.has('mld-first-final-forwarded') ? this.firstFinal() : bestResponse(this.branches.map((b) => b.final));
    if (best) {
      this.hooks.onFinal(best);
      this.upstream.relay(best);
      return;
    }
    const timeout = createResponse(this.tx.request, 408);
    this.hooks.onFinal(timeout);
    void this.tx.respond(timeout);
  }

  /** `mld-first-final-forwarded`: the first final received, not the best of §16.7 step 6 (a 6xx, else the lowest class; no 503). */
  // Stryker disable all: only a fault of the catalogue runs this (selftest proves it)
  private firstFinal(): SipResponse | null {
    const first = this.arrivals[0] ?? null;
    this.ctx.log(`${this.ctx.name}: fault mld-first-final-forwarded: ${first ? describe(first) : 'no final'} instead of the best response`);
    return first;
  }
  // Stryker restore all
}
