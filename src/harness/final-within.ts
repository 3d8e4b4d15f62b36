/** Waiting for a client transaction's outcome within the case's bound. */
import type { ClientTransaction } from '../sip/endpoint';
import type { SipResponse } from '../sip/message';

/** A transaction's final response, or null when none arrives within timeoutMs (never waits for Timer B/F). */
export async function finalWithin(tx: ClientTransaction, timeoutMs: number): Promise<SipResponse | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  try {
    return await Promise.race([tx.final, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
