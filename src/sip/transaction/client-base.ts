/** What client INVITE and non-INVITE transactions share: identity, TU callbacks, the final promise, teardown. */
import type { HeaderField, SipRequest, SipResponse } from '../message';
import type { Address } from '../transport/address';
import type { InboundMessage, Transport } from '../transport/transport';
import { topVia } from '../headers/via';
import { TimerSet } from './timer-set';
import { isReliable, type TransactionContext } from './context';
import type { ClientTransaction, ClientTransactionState } from './types';

export abstract class ClientTransactionBase implements ClientTransaction {
  readonly id: string;
  readonly responses: SipResponse[] = [];
  readonly final: Promise<SipResponse | null>;
  state: ClientTransactionState;
  protected readonly timerSet = new TimerSet();
  protected readonly reliable: boolean;
  private readonly handlers: Array<(res: SipResponse, inbound: InboundMessage) => void> = [];
  private resolveFinal!: (res: SipResponse | null) => void;
  private settled = false;

  constructor(
    protected readonly ctx: TransactionContext,
    readonly request: SipRequest,
    readonly destination: Address,
    readonly transport: Transport,
    initial: ClientTransactionState,
  ) {
    this.id = topVia(request)?.branch ?? '';
    this.state = initial;
    this.reliable = isReliable(transport);
    this.final = new Promise((resolve) => { this.resolveFinal = resolve; });
  }

  onResponse(handler: (res: SipResponse, inbound: InboundMessage) => void): void {
    this.handlers.push(handler);
  }

  cancel(_extraHeaders?: HeaderField[]): Promise<ClientTransaction> {
    return Promise.reject(new Error(`only an INVITE can be cancelled (§9.1), not ${this.request.method}`));
  }

  /** A response the endpoint matched to this transaction (§17.1.3). */
  abstract receive(res: SipResponse, inbound: InboundMessage): void;
  /** Send the request for the first time and arm the timers. */
  abstract start(): void;

  /** Transport failure (§17.1.4): the TU is told as if the request timed out. */
  transportError(): void {
    if (this.state === 'terminated') return;
    this.terminate();
  }

  /** Hand the response to the TU (handlers must not break the state machine). */
  protected deliver(res: SipResponse, inbound: InboundMessage): void {
    if (res.status >= 200) this.settle(res);
    for (const h of this.handlers) {
      try {
        h(res, inbound);
      } catch {
        // A TU handler's bug is the TU's; the transaction keeps its RFC behaviour.
      }
    }
  }

  protected settle(res: SipResponse | null): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveFinal(res);
  }

  protected async transmit(msg: SipRequest): Promise<void> {
    const ok = await this.ctx.send(this.transport, msg, this.destination);
    if (!ok) this.transportError();
  }

  /** Enter Terminated: every timer cleared, the endpoint forgets us, a pending final resolves null. */
  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timerSet.clearAll();
    this.settle(null);
    this.ctx.terminated(this);
  }
}
