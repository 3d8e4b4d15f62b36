/**
 * Non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8): Trying → Proceeding → Completed →
 * Terminated. Retransmitted requests get the last response again; Timer J (64*T1 on UDP, 0
 * reliable) keeps the final around for them.
 */
import type { SipResponse } from '../message';
import { ServerTransactionBase } from './server-base';
import { transactionTimeout } from './timers';

export class ServerNonInviteTransaction extends ServerTransactionBase {
  respond(res: SipResponse): Promise<void> {
    if (this.state !== 'trying' && this.state !== 'proceeding') return Promise.resolve(); // §17.2.2: later finals are discarded
    this.lastResponse = res;
    this.responses.push(res);
    if (res.status < 200) {
      this.state = 'proceeding';
      return this.transmit(res);
    }
    this.state = 'completed';
    const sent = this.transmit(res);
    if (this.reliable) this.terminate();
    else this.timerSet.set('J', transactionTimeout(this.ctx.timers), () => this.terminate());
    return sent;
  }

  receiveRetransmission(): void {
    // Trying: discard (§17.2.2); Proceeding/Completed: resend the last response.
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) void this.transmit(this.lastResponse);
  }
}
