/**
 * Non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6): Trying → Proceeding → Completed →
 * Terminated. Timer E retransmits over UDP, doubling from T1 up to T2 (T2 flat once a provisional
 * arrived); Timer F (64*T1) times the transaction out; Timer K (T4 on UDP, 0 reliable) absorbs
 * retransmitted finals.
 */
import type { SipResponse } from '../message';
import type { InboundMessage } from '../transport/transport';
import { ClientTransactionBase } from './client-base';
import { nextCapped, timerIK, transactionTimeout } from './timers';

export class ClientNonInviteTransaction extends ClientTransactionBase {
  private intervalE = 0;

  start(): void {
    const t = this.ctx.timers;
    void this.transmit(this.request);
    if (!this.reliable) {
      this.intervalE = t.t1;
      this.timerSet.set('E', this.intervalE, () => this.fireE());
    }
    this.timerSet.set('F', transactionTimeout(t), () => this.terminate());
  }

  private fireE(): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    void this.transmit(this.request);
    // §17.1.2.2: in Trying the interval doubles up to T2; in Proceeding it is T2.
    this.intervalE = this.state === 'trying' ? nextCapped(this.intervalE, this.ctx.timers) : this.ctx.timers.t2;
    this.timerSet.set('E', this.intervalE, () => this.fireE());
  }

  receive(res: SipResponse, inbound: InboundMessage): void {
    this.responses.push(res);
    if (this.state !== 'trying' && this.state !== 'proceeding') return; // Completed absorbs retransmissions
    if (res.status < 200) {
      this.state = 'proceeding';
      this.deliver(res, inbound);
      return;
    }
    this.state = 'completed';
    this.timerSet.clear('E');
    this.timerSet.clear('F');
    this.deliver(res, inbound);
    const k = timerIK(this.ctx.timers, this.reliable);
    if (k === 0) this.terminate();
    else this.timerSet.set('K', k, () => this.terminate());
  }
}
