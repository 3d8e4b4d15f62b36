/** What a transaction needs from the endpoint that owns it (the transport layer and the TU core). */
import type { SipMessage, SipRequest } from '../message';
import type { Address } from '../transport/address';
import type { Transport } from '../transport/transport';
import type { TimerSettings } from './timers';
import type { ClientTransaction } from './types';

export interface TransactionContext {
  readonly timers: TimerSettings;
  /** Hand a message to a transport; resolves false on a transport error (§17.1.4, §17.2.4). */
  send(transport: Transport, msg: SipMessage, dest: Address): Promise<boolean>;
  /** The transaction reached Terminated: forget it. */
  terminated(tx: object): void;
  /** Start a client transaction for a request that already carries its Via (CANCEL, §9.1). */
  startClient(req: SipRequest, dest: Address, transport: Transport): ClientTransaction;
}

/** UDP is the only unreliable transport we speak: it alone gets retransmissions (§17.1.1.2, §17.1.2.2). */
export function isReliable(transport: Transport): boolean {
  return transport.protocol !== 'udp';
}
