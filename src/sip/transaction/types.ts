/**
 * The transaction user's view of client and server transactions (RFC 3261 §17), as the endpoint
 * hands them out. States follow §17.1/§17.2 plus RFC 6026's Accepted state for INVITE 2xx.
 */
import type { HeaderField, SipRequest, SipResponse } from '../message';
import type { Address } from '../transport/address';
import type { InboundMessage, Transport } from '../transport/transport';

export type ClientTransactionState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';
export type ServerTransactionState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export interface ClientTransaction {
  /** The branch of the request's top Via (§17.1.3). */
  readonly id: string;
  readonly request: SipRequest;
  readonly destination: Address;
  readonly transport: Transport;
  readonly state: ClientTransactionState;
  /** Every response that matched this transaction, in order, retransmissions included. */
  readonly responses: SipResponse[];
  /** Provisional, final, and (INVITE, RFC 6026 Accepted state) 2xx retransmissions and forked 2xx. */
  onResponse(handler: (res: SipResponse, inbound: InboundMessage) => void): void;
  /** The first final response, or null on Timer B/F timeout, transport error or endpoint close (never rejects). */
  readonly final: Promise<SipResponse | null>;
  /**
   * CANCEL this INVITE (§9.1) once a provisional has arrived; returns the CANCEL's client
   * transaction. Rejects when a final response arrived first or the transaction ended without
   * one (the UA MUST NOT cancel then), or when called on a non-INVITE transaction.
   */
  cancel(extraHeaders?: HeaderField[]): Promise<ClientTransaction>;
}

export interface ServerTransaction {
  /** Matching key (§17.2.3): branch, sent-by and method, or the RFC 2543 fields. */
  readonly id: string;
  /** The request as received, with received/rport added to its top Via (§18.2.1, RFC 3581). */
  readonly request: SipRequest;
  readonly inbound: InboundMessage;
  readonly state: ServerTransactionState;
  /** Every response sent through this transaction, in order (retransmissions not repeated). */
  readonly responses: SipResponse[];
  /** Send a response (Via-based addressing, §18.2.2). Resolves once handed to the transport; never rejects. */
  respond(res: SipResponse): Promise<void>;
  readonly cancelled: boolean;
  /**
   * A matching CANCEL arrived (§9.2; the endpoint already answered it 200). Handlers run
   * synchronously; if the INVITE still has no final response when they return, the endpoint
   * answers it 487. To answer otherwise, call respond() inside the handler.
   */
  onCancel(handler: (cancel: SipRequest) => void): void;
  /** INVITE only: the ACK for a non-2xx final (§17.2.1) or for the 2xx (§13.3.1.4). */
  onAck(handler: (ack: SipRequest) => void): void;
}
