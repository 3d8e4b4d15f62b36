/** What server INVITE and non-INVITE transactions share: identity, response addressing (§18.2.2), teardown. */
import type { SipRequest, SipResponse } from '../message';
import type { InboundMessage, Transport } from '../transport/transport';
import { toTag } from '../headers/name-addr';
import { TimerSet } from './timer-set';
import { isReliable, type TransactionContext } from './context';
import { responseDestination } from './via-address';
import type { ServerTransaction, ServerTransactionState } from './types';

export abstract class ServerTransactionBase implements ServerTransaction {
  readonly responses: SipResponse[] = [];
  state: ServerTransactionState;
  cancelled = false;
  protected readonly timerSet = new TimerSet();
  protected readonly reliable: boolean;
  protected lastResponse: SipResponse | null = null;
  private readonly cancelHandlers: Array<(cancel: SipRequest) => void> = [];
  protected readonly ackHandlers: Array<(ack: SipRequest) => void> = [];

  constructor(
    protected readonly ctx: TransactionContext,
    readonly id: string,
    readonly request: SipRequest,
    readonly inbound: InboundMessage,
    readonly transport: Transport,
    initial: ServerTransactionState,
  ) {
    this.state = initial;
    this.reliable = isReliable(transport);
  }

  /** To tag of the last response sent (RFC 2543 ACK matching, §9.2 CANCEL response tag). */
  get responseToTag(): string | null {
    return this.lastResponse ? toTag(this.lastResponse) : null;
  }

  get hasFinal(): boolean {
    return this.lastResponse !== null && this.lastResponse.status >= 200;
  }

  abstract respond(res: SipResponse): Promise<void>;
  /** A retransmission of the request that created the transaction. */
  abstract receiveRetransmission(): void;

  onCancel(handler: (cancel: SipRequest) => void): void {
    this.cancelHandlers.push(handler);
  }

  onAck(handler: (ack: SipRequest) => void): void {
    this.ackHandlers.push(handler);
  }

  /** §9.2: mark cancelled and tell the TU. */
  /** Tell the TU about a CANCEL; true when some handler heard it (it then owns the INVITE's final answer, §16.10). */
  notifyCancel(cancel: SipRequest): boolean {
    this.cancelled = true;
    for (const h of this.cancelHandlers) safe(() => h(cancel));
    return this.cancelHandlers.length > 0;
  }

  protected fireAck(ack: SipRequest): void {
    for (const h of this.ackHandlers) safe(() => h(ack));
  }

  /** §18.2.2: reliable → back over the flow the request came on; UDP → per the top Via. */
  protected async transmit(res: SipResponse): Promise<void> {
    const dest = this.reliable ? this.inbound.flow.remote : responseDestination(res, this.inbound.flow.remote);
    const ok = await this.ctx.send(this.transport, res, dest);
    if (!ok) this.terminate(); // §17.2.4: transport failure ends the transaction
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timerSet.clearAll();
    this.ctx.terminated(this);
  }
}

export function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // A TU handler's bug must not break the transaction's RFC behaviour.
  }
}
