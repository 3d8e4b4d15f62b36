/**
 * A client transaction as a UA core sees it when it holds credentials (RFC 3261 §22.2–§22.3):
 * a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) final response is not the answer but a
 * challenge, and the UA retries the request once with credentials — same Call-ID, From, To,
 * CSeq + 1, a new branch (§8.1.3.5). A real Participating Function challenges INVITE, BYE, REFER,
 * NOTIFY, MESSAGE and re-INVITE, not only REGISTER; CANCEL and ACK are never challenged (§22.1:
 * they cannot be resubmitted), so the endpoint never wraps them.
 *
 * The TU holds one object across the retries: `request`, `responses`, `state` and `cancel()`
 * follow the current transaction, `final` resolves with the answer to the authorised request,
 * and onResponse handlers never see a challenge that is being answered. A second challenge is
 * answered only when it says `stale=true` (§22.4 nonce expiry); wrong credentials end with the
 * 401/407 as the final answer, so the case can say "answered 407".
 */
import type { HeaderField, SipRequest, SipResponse } from './message';
import type { Address } from './transport/address';
import type { InboundMessage, Transport } from './transport/transport';
import type { ClientTransaction, ClientTransactionState } from './transaction/types';
import { authorizedRetry, type Credentials } from './request-builder';
import { headerFields } from './message';

/** Challenges answered at most: the first one, plus one `stale=true` renewal. */
const MAX_RETRIES = 2;

/** Whether a challenge response of this transaction should be answered with credentials. */
function isChallenge(res: SipResponse): boolean {
  return res.status === 401 || res.status === 407;
}

function staleChallenge(res: SipResponse): boolean {
  const name = res.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
  return headerFields(res, name).some((f) => /(^|[\s,])stale\s*=\s*"?true"?/i.test(f.value));
}

export class AuthenticatingTransaction implements ClientTransaction {
  private current: ClientTransaction;
  private readonly handlers: Array<(res: SipResponse, inbound: InboundMessage) => void> = [];
  /** The retry each challenge leads to (null: not answerable), decided once per response. */
  private readonly retryOf = new WeakMap<SipResponse, SipRequest | null>();
  private retries = 0;
  /** Challenges answered so far (evidence for a report: which request was challenged, by whom). */
  readonly challenges: SipResponse[] = [];
  readonly final: Promise<SipResponse | null>;

  constructor(
    first: ClientTransaction,
    private readonly resend: (retry: SipRequest) => ClientTransaction,
    private readonly creds: Credentials & { realm?: string },
  ) {
    this.current = first;
    this.wire(first);
    this.final = this.settle();
  }

  get id(): string { return this.current.id; }
  get request(): SipRequest { return this.current.request; }
  get destination(): Address { return this.current.destination; }
  get transport(): Transport { return this.current.transport; }
  get state(): ClientTransactionState { return this.current.state; }
  get responses(): SipResponse[] { return this.current.responses; }

  onResponse(handler: (res: SipResponse, inbound: InboundMessage) => void): void {
    this.handlers.push(handler);
  }

  cancel(extraHeaders?: HeaderField[]): Promise<ClientTransaction> {
    return this.current.cancel(extraHeaders);
  }

  private wire(tx: ClientTransaction): void {
    tx.onResponse((res, inbound) => {
      if (tx === this.current && this.retryFor(tx, res) !== null) return; // a challenge being answered, not an answer
      for (const h of this.handlers) h(res, inbound);
    });
  }

  /** The authorised retry of `tx` for this response, or null when it is not a challenge we answer. */
  private retryFor(tx: ClientTransaction, res: SipResponse): SipRequest | null {
    const known = this.retryOf.get(res);
    if (known !== undefined) return known;
    let retry: SipRequest | null = null;
    const answerable = isChallenge(res) && (this.retries === 0 || (this.retries < MAX_RETRIES && staleChallenge(res)));
    if (answerable) retry = authorizedRetry(tx.request, res, this.creds, 1, this.creds.realm);
    this.retryOf.set(res, retry);
    return retry;
  }

  private async settle(): Promise<SipResponse | null> {
    for (;;) {
      const tx = this.current;
      const res = await tx.final;
      if (res === null) return null;
      const retry = this.retryFor(tx, res);
      if (retry === null) return res;
      this.retries++;
      this.challenges.push(res);
      this.current = this.resend(retry);
      this.wire(this.current);
    }
  }
}
