/**
 * INVITE server transaction (RFC 3261 §17.2.1, Figure 7, with RFC 6026's Accepted state) and the
 * UAS core's 2xx retransmission (§13.3.1.4).
 *
 * Proceeding: provisionals; a 100 Trying goes out by itself if the TU is silent for 200 ms.
 * non-2xx final → Completed: Timer G retransmits it over UDP (T1 doubling, capped at T2) until the
 * ACK (→ Confirmed, Timer I) or Timer H (64*T1). 2xx → Accepted (Timer L, 64*T1): retransmitted
 * INVITEs are absorbed, and the UAS core resends the 2xx on UDP (T1 doubling, capped at T2) until
 * its ACK arrives or 64*T1 passes.
 */
import type { SipRequest, SipResponse } from '../message';
import { createResponse } from '../request-builder';
import { ServerTransactionBase } from './server-base';
import { nextCapped, timerIK, transactionTimeout } from './timers';

/** §17.2.1: the server transaction sends 100 Trying unless the TU answers within 200 ms. */
export const AUTO_TRYING_MS = 200;

export class ServerInviteTransaction extends ServerTransactionBase {
  private intervalG = 0;
  private interval2xx = 0;
  private acked2xx = false;
  /** Set by the endpoint: called when a 2xx is sent, so it can route the 2xx's ACK to us. */
  on2xxSent: (res: SipResponse) => void = () => undefined;

  startAutoTrying(): void {
    this.timerSet.set('trying', AUTO_TRYING_MS, () => {
      if (this.state === 'proceeding' && this.lastResponse === null) void this.respond(createResponse(this.request, 100));
    });
  }

  respond(res: SipResponse): Promise<void> {
    this.timerSet.clear('trying');
    const t = this.ctx.timers;
    if (this.state === 'accepted' && res.status >= 200 && res.status < 300) {
      // RFC 6026 §8.7: further 2xx from the TU pass through in Accepted.
      return this.send2xx(res);
    }
    if (this.state !== 'proceeding') return Promise.resolve();
    this.lastResponse = res;
    this.responses.push(res);
    if (res.status < 200) return this.transmit(res);
    if (res.status < 300) {
      this.state = 'accepted';
      this.timerSet.set('L', transactionTimeout(t), () => this.terminate());
      return this.send2xx(res);
    }
    this.state = 'completed';
    if (!this.reliable) {
      this.intervalG = t.t1;
      this.timerSet.set('G', this.intervalG, () => this.fireG());
    }
    this.timerSet.set('H', transactionTimeout(t), () => this.terminate());
    return this.transmit(res);
  }

  private send2xx(res: SipResponse): Promise<void> {
    if (this.responses[this.responses.length - 1] !== res) this.responses.push(res);
    this.lastResponse = res;
    this.on2xxSent(res);
    if (!this.reliable) {
      this.interval2xx = this.ctx.timers.t1;
      this.timerSet.set('2xx', this.interval2xx, () => this.fire2xx());
      this.timerSet.set('2xx-give-up', transactionTimeout(this.ctx.timers), () => this.timerSet.clear('2xx'));
    }
    return this.transmit(res);
  }

  private fire2xx(): void {
    if (this.state !== 'accepted' || !this.lastResponse) return;
    void this.transmit(this.lastResponse);
    this.interval2xx = nextCapped(this.interval2xx, this.ctx.timers);
    this.timerSet.set('2xx', this.interval2xx, () => this.fire2xx());
  }

  private fireG(): void {
    if (this.state !== 'completed' || !this.lastResponse) return;
    void this.transmit(this.lastResponse);
    this.intervalG = nextCapped(this.intervalG, this.ctx.timers);
    this.timerSet.set('G', this.intervalG, () => this.fireG());
  }

  receiveRetransmission(): void {
    // Proceeding: resend the last provisional; Completed: the final; Accepted: absorb (RFC 6026 §8.7).
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) void this.transmit(this.lastResponse);
  }

  /** An ACK matched to this transaction (same branch for a non-2xx, §17.2.3; dialog match for a 2xx). */
  receiveAck(ack: SipRequest): void {
    if (this.state === 'completed') {
      this.state = 'confirmed';
      this.timerSet.clear('G');
      this.timerSet.clear('H');
      this.fireAck(ack);
      const i = timerIK(this.ctx.timers, this.reliable);
      if (i === 0) this.terminate();
      else this.timerSet.set('I', i, () => this.terminate());
    } else if (this.state === 'accepted') {
      // §13.3.1.4: the ACK for the 2xx stops its retransmission. Timer L keeps absorbing INVITEs.
      // The TU hears the first ACK; re-ACKs of retransmitted 2xx reach only the endpoint's onAck.
      this.timerSet.clear('2xx');
      this.timerSet.clear('2xx-give-up');
      if (!this.acked2xx) this.fireAck(ack);
      this.acked2xx = true;
    }
    // Confirmed: further ACKs are absorbed.
  }
}
