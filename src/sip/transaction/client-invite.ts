/**
 * INVITE client transaction (RFC 3261 §17.1.1, Figure 5, with RFC 6026's Accepted state):
 * Calling → Proceeding → Completed (non-2xx, ACK sent here) or Accepted (2xx, ACK is the TU's).
 * Timer A retransmits over UDP doubling from T1 without cap; Timer B (64*T1, or timers.b) times out Calling;
 * Timer D absorbs final retransmissions; Timer M (64*T1) lets 2xx retransmissions and forked 2xx
 * reach the TU.
 */
import type { HeaderField, SipRequest, SipResponse } from '../message';
import type { InboundMessage } from '../transport/transport';
import { createCancel, createNon2xxAck } from '../request-builder';
import { ClientTransactionBase } from './client-base';
import { timerB, timerD, transactionTimeout } from './timers';
import type { ClientTransaction } from './types';

export class ClientInviteTransaction extends ClientTransactionBase {
  private intervalA = 0;
  private ack: SipRequest | null = null;
  private readonly provisionalWaiters: Array<(ok: boolean) => void> = [];
  /**
   * Fault injection only (the reference server's `mld-487-not-acked`): when this returns true for
   * a non-2xx final, the transaction does NOT send the §17.1.1.3 ACK (nor re-ACK retransmissions).
   * Never set by a correct element.
   */
  suppressNon2xxAck?: (res: SipResponse) => boolean;

  start(): void {
    const t = this.ctx.timers;
    void this.transmit(this.request);
    if (!this.reliable) {
      this.intervalA = t.t1;
      this.timerSet.set('A', this.intervalA, () => this.fireA());
    }
    this.timerSet.set('B', timerB(t), () => {
      if (this.state === 'calling') this.terminate();
    });
  }

  private fireA(): void {
    if (this.state !== 'calling') return;
    void this.transmit(this.request);
    this.intervalA *= 2; // §17.1.1.2: doubles every time, no T2 cap for INVITE
    this.timerSet.set('A', this.intervalA, () => this.fireA());
  }

  receive(res: SipResponse, inbound: InboundMessage): void {
    this.responses.push(res);
    const status = res.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          this.state = 'proceeding';
          this.timerSet.clear('A');
          this.timerSet.clear('B');
          this.deliver(res, inbound);
          this.wakeProvisionalWaiters(true);
        } else if (status < 300) {
          // RFC 6026 §8.4: 2xx → Accepted; the TU (UAC core) sends the ACK.
          this.state = 'accepted';
          this.timerSet.clear('A');
          this.timerSet.clear('B');
          this.deliver(res, inbound);
          this.wakeProvisionalWaiters(false);
          this.timerSet.set('M', transactionTimeout(this.ctx.timers), () => this.terminate());
        } else {
          this.state = 'completed';
          this.timerSet.clear('A');
          this.timerSet.clear('B');
          if (!this.suppressNon2xxAck?.(res)) {
            this.ack = createNon2xxAck(this.request, res);
            void this.transmit(this.ack);
          }
          this.deliver(res, inbound);
          this.wakeProvisionalWaiters(false);
          const d = timerD(this.ctx.timers, this.reliable);
          if (d === 0) this.terminate();
          else this.timerSet.set('D', d, () => this.terminate());
        }
        return;
      case 'completed':
        // §17.1.1.2: a retransmitted final is answered with the same ACK, not passed up.
        if (status >= 300 && this.ack) void this.transmit(this.ack);
        return;
      case 'accepted':
        // RFC 6026 §8.4: 2xx retransmissions (and forked 2xx) go to the TU so it re-ACKs.
        if (status >= 200 && status < 300) this.deliver(res, inbound);
        return;
      default:
        return;
    }
  }

  private wakeProvisionalWaiters(ok: boolean): void {
    for (const w of this.provisionalWaiters.splice(0)) w(ok);
  }

  /** §9.1: CANCEL only after a provisional and before a final; the CANCEL is its own non-INVITE transaction. */
  override async cancel(extraHeaders: HeaderField[] = []): Promise<ClientTransaction> {
    if (this.state === 'calling') {
      const ok = await new Promise<boolean>((resolve) => {
        this.provisionalWaiters.push(resolve);
        void this.final.then(() => resolve(false));
      });
      if (!ok) throw new Error('the INVITE got a final response or timed out before any provisional: no CANCEL (§9.1)');
    }
    if (this.state !== 'proceeding') throw new Error(`cannot CANCEL an INVITE transaction in state ${this.state} (§9.1)`);
    return this.ctx.startClient(createCancel(this.request, extraHeaders), this.destination, this.transport);
  }

  override terminate(): void {
    this.wakeProvisionalWaiters(false);
    super.terminate();
  }
}
