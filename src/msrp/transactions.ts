/**
 * Requests we sent that wait for their transaction response (RFC 4975 §7.1: a response carries
 * the request's transaction id). Each wait is bounded: no response within the timeout counts as
 * 408 (§10.4: the transaction timed out), and closing the connection settles every wait at once.
 */
import type { MsrpResponse } from './message';

export interface TransactionOutcome {
  transactionId: string;
  status: number;
  /** The response that arrived, or null when the wait timed out or the connection closed (status 408). */
  response: MsrpResponse | null;
}

export class Transactions {
  private readonly pending = new Map<string, { resolve: (o: TransactionOutcome) => void; timer: NodeJS.Timeout }>();

  constructor(private readonly timeoutMs: number) {}

  get size(): number {
    return this.pending.size;
  }

  /** Start waiting for the response to `transactionId` (before the request is written, so a fast answer is not missed). */
  expect(transactionId: string): Promise<TransactionOutcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(transactionId, null), this.timeoutMs);
      this.pending.set(transactionId, { resolve, timer });
    });
  }

  /** A response arrived; false when no request of ours waits for it (a stray or duplicate response). */
  answer(response: MsrpResponse): boolean {
    return this.settle(response.transactionId, response);
  }

  /** Stop waiting for one transaction (its request could not be written). */
  forget(transactionId: string): void {
    this.settle(transactionId, null);
  }

  /** Settle every wait as timed out (connection closed). */
  clear(): void {
    for (const id of [...this.pending.keys()]) this.settle(id, null);
  }

  private settle(transactionId: string, response: MsrpResponse | null): boolean {
    const p = this.pending.get(transactionId);
    if (!p) return false;
    this.pending.delete(transactionId);
    clearTimeout(p.timer);
    p.resolve({ transactionId, status: response?.status ?? 408, response });
    return true;
  }
}
