/**
 * A SIP endpoint: the transaction layer (RFC 3261 §17) over one or more transports, plus the
 * little of the UA core every role needs — CANCEL handling (§9.2), the UAS 2xx retransmission
 * (§13.3.1.4, in the server INVITE transaction) and routing of ACKs and stray responses to the TU.
 * Devices, core emulators and the reference server all sit on it.
 */
import type { SipMessage, SipRequest, SipResponse } from './message';
import { addHeader, cloneMessage } from './message';
import type { Address, TransportProtocol } from './transport/address';
import { formatHostPort, sameAddress } from './transport/address';
import { sentBy, type InboundMessage, type Transport } from './transport/transport';
import { toTag } from './headers/name-addr';
import { newBranch } from './ids';
import { authorizedRetry, createResponse, type Credentials } from './request-builder';
import { resolveTimers, type TimerSettings } from './transaction/timers';
import type { TransactionContext } from './transaction/context';
import type { ClientTransaction, ServerTransaction } from './transaction/types';
import { ClientTransactionBase } from './transaction/client-base';
import { ClientInviteTransaction } from './transaction/client-invite';
import { ClientNonInviteTransaction } from './transaction/client-non-invite';
import { ServerTransactionBase, safe } from './transaction/server-base';
import { ServerInviteTransaction } from './transaction/server-invite';
import { ServerNonInviteTransaction } from './transaction/server-non-invite';
import { ack2xxKey, clientKey, rfc2543AckMatches, serverKey } from './transaction/matching';
import { stampReceived } from './transaction/via-address';
import { AuthenticatingTransaction } from './authenticating-transaction';

export type { ClientTransaction, ServerTransaction } from './transaction/types';
export type { ClientTransactionState, ServerTransactionState } from './transaction/types';
export type { TimerSettings } from './transaction/timers';

export interface EndpointOptions {
  transports: Transport[];
  timers?: Partial<TimerSettings>;
  name?: string;
  /** Send 100 Trying for an INVITE the TU leaves unanswered for 200 ms (§17.2.1). Default true. */
  autoTrying?: boolean;
  /**
   * Digest credentials of a UA (§22.2): every request but ACK and CANCEL answers a 401/407 challenge
   * with them, transparently to the TU (AuthenticatingTransaction). `realm` restricts them to one realm.
   */
  credentials?: Credentials & { realm?: string };
}

/** A destination; `protocol` picks the transport when the endpoint has several. */
export type Destination = Address & { protocol?: TransportProtocol };

export interface RequestOptions {
  transport?: Transport;
  /** Send the request with the Via it has (its top Via's branch names the transaction). */
  keepVia?: boolean;
  /** INVITE only, fault injection: non-2xx finals for which this returns true are not ACKed (see ClientInviteTransaction). */
  suppressNon2xxAck?: (res: SipResponse) => boolean;
  /** Do not answer challenges for this request even if the endpoint has credentials (to judge a 401/407 itself). */
  noAuth?: boolean;
}

export class SipEndpoint {
  readonly transports: Transport[];
  readonly timers: TimerSettings;
  readonly name: string;
  private readonly autoTrying: boolean;
  private readonly credentials?: Credentials & { realm?: string };
  private readonly clients = new Map<string, ClientTransactionBase>();
  private readonly servers = new Map<string, ServerTransactionBase>();
  /** Server INVITE transactions that sent a 2xx, by dialog + CSeq: where the 2xx's ACK goes (§13.3.1.4). */
  private readonly awaiting2xxAck = new Map<string, ServerInviteTransaction>();
  private readonly requestHandlers: Array<(tx: ServerTransaction) => void> = [];
  private readonly ackHandlers: Array<(ack: SipRequest, inbound: InboundMessage) => void> = [];
  private readonly strayHandlers: Array<(msg: SipMessage, inbound: InboundMessage) => void> = [];
  private readonly inboundHandlers: Array<(m: InboundMessage) => void> = [];
  private readonly errorHandlers: Array<(err: Error, remote?: Address) => void> = [];
  private closed = false;
  private readonly ctx: TransactionContext;

  constructor(opts: EndpointOptions) {
    if (opts.transports.length === 0) throw new Error('an endpoint needs at least one transport');
    this.transports = opts.transports;
    this.timers = resolveTimers(opts.timers);
    this.name = opts.name ?? 'endpoint';
    this.autoTrying = opts.autoTrying ?? true;
    this.credentials = opts.credentials;
    this.ctx = {
      timers: this.timers,
      send: (t, msg, dest) => this.sendChecked(t, msg, dest),
      terminated: (tx) => this.forget(tx),
      startClient: (req, dest, transport) => this.request(req, dest, { transport, keepVia: true }),
    };
    for (const t of this.transports) {
      t.onMessage((m) => this.receive(t, m));
      t.onError((err, remote) => this.transportError(t, err, remote));
    }
  }

  // ---- TU registration ----

  onRequest(handler: (tx: ServerTransaction) => void): void {
    this.requestHandlers.push(handler);
  }

  onAck(handler: (ack: SipRequest, inbound: InboundMessage) => void): void {
    this.ackHandlers.push(handler);
  }

  onStray(handler: (msg: SipMessage, inbound: InboundMessage) => void): void {
    this.strayHandlers.push(handler);
  }

  onInbound(handler: (m: InboundMessage) => void): void {
    this.inboundHandlers.push(handler);
  }

  /** Transport errors (connection refused/reset, ...); the affected client transactions end (§17.1.4) either way. */
  onTransportError(handler: (err: Error, remote?: Address) => void): void {
    this.errorHandlers.push(handler);
  }

  // ---- sending ----

  /** The transport for a destination: the explicit one, else by protocol, else by address family, else the first. */
  pickTransport(dest: Destination, explicit?: Transport): Transport {
    if (explicit) return explicit;
    if (dest.protocol) {
      const byProto = this.transports.find((t) => t.protocol === dest.protocol);
      if (byProto) return byProto;
    }
    const v6 = dest.host.includes(':');
    return this.transports.find((t) => t.local.host.includes(':') === v6) ?? this.transports[0];
  }

  request(req: SipRequest, dest: Destination, opts: RequestOptions = {}): ClientTransaction {
    if (req.method === 'ACK') throw new Error('ACK has no client transaction: use send() (§17.1.1.3, §13.2.2.4)');
    if (this.closed) throw new Error('endpoint closed');
    const transport = this.pickTransport(dest, opts.transport);
    const msg = cloneMessage(req);
    if (!opts.keepVia) {
      // §8.1.1.7 / §18.1.1: sent-by = where we listen, a fresh branch; rport asks for symmetric responses (RFC 3581).
      // Behind NAT that is the advertised address: §18.2.1 / §20.42 send responses to the sent-by.
      addHeader(msg, 'Via', `SIP/2.0/${transport.protocol.toUpperCase()} ${formatHostPort(sentBy(transport))};branch=${newBranch()};rport`, 'top');
    }
    const address: Address = { host: dest.host, port: dest.port };
    let tx: ClientTransactionBase;
    if (msg.method === 'INVITE') {
      const inv = new ClientInviteTransaction(this.ctx, msg, address, transport, 'calling');
      if (opts.suppressNon2xxAck) inv.suppressNon2xxAck = opts.suppressNon2xxAck;
      tx = inv;
    } else tx = new ClientNonInviteTransaction(this.ctx, msg, address, transport, 'trying');
    const key = clientKey(msg);
    if (key) this.clients.set(key, tx);
    tx.start();
    // §22.1: CANCEL and ACK cannot be challenged; a request sent with its own Via is a relay, not ours to authorise.
    if (this.credentials && !opts.noAuth && !opts.keepVia && msg.method !== 'CANCEL') {
      return new AuthenticatingTransaction(tx, (retry) => this.request(retry, dest, { ...opts, noAuth: true }), this.credentials);
    }
    return tx;
  }

  /** Client transactions still running (INVITEs waiting for a final, for a teardown that cancels them). */
  liveClientTransactions(): ClientTransaction[] {
    return [...this.clients.values()].filter((tx) => tx.state !== 'terminated');
  }

  /**
   * Send a request, and once more with credentials if it is challenged with 401/407 (§22.2): new
   * branch, CSeq + 1. Returns the last transaction and its final response.
   */
  async requestWithCredentials(req: SipRequest, dest: Destination, creds: Credentials, opts: RequestOptions = {}): Promise<{ tx: ClientTransaction; response: SipResponse | null }> {
    let tx = this.request(req, dest, opts);
    let response = await tx.final;
    if (response && (response.status === 401 || response.status === 407) && !this.closed) {
      const retry = authorizedRetry(req, response, creds);
      if (retry) {
        tx = this.request(retry, dest, { transport: opts.transport });
        response = await tx.final;
      }
    }
    return { tx, response };
  }

  send(data: SipMessage | Buffer, dest: Destination, transport?: Transport): Promise<void> {
    return this.pickTransport(dest, transport).send(data, { host: dest.host, port: dest.port });
  }

  private async sendChecked(transport: Transport, msg: SipMessage, dest: Address): Promise<boolean> {
    if (this.closed) return false;
    try {
      await transport.send(msg, dest);
      return true;
    } catch (err) {
      for (const h of this.errorHandlers) safe(() => h(err as Error, dest));
      return false;
    }
  }

  // ---- receiving ----

  private receive(transport: Transport, m: InboundMessage): void {
    if (this.closed) return;
    for (const h of this.inboundHandlers) safe(() => h(m));
    const msg = m.message;
    if (!msg) return;
    if (msg.kind === 'response') this.receiveResponse(msg, m);
    else this.receiveRequest(transport, msg, m);
  }

  private receiveResponse(res: SipResponse, m: InboundMessage): void {
    const key = clientKey(res);
    const tx = key ? this.clients.get(key) : undefined;
    if (tx) tx.receive(res, m);
    else for (const h of this.strayHandlers) safe(() => h(res, m));
  }

  private receiveRequest(transport: Transport, original: SipRequest, m: InboundMessage): void {
    // Keys come from the request as sent; the TU sees it with received/rport stamped (§18.2.1).
    const key = serverKey(original);
    const req = cloneMessage(original);
    stampReceived(req, m.flow.remote);
    if (req.method === 'ACK') {
      this.receiveAck(original, req, key, m);
      return;
    }
    if (key === null) {
      // No Via or CSeq: nothing can be matched or answered (§8.2 needs both); onInbound saw it.
      return;
    }
    const existing = this.servers.get(key);
    if (existing) {
      existing.receiveRetransmission();
      return;
    }
    if (req.method === 'CANCEL') {
      this.receiveCancel(transport, original, req, key, m);
      return;
    }
    const tx = this.createServer(transport, key, req, m);
    for (const h of this.requestHandlers) safe(() => h(tx));
  }

  private createServer(transport: Transport, key: string, req: SipRequest, m: InboundMessage): ServerTransactionBase {
    let tx: ServerTransactionBase;
    if (req.method === 'INVITE') {
      const inv = new ServerInviteTransaction(this.ctx, key, req, m, transport, 'proceeding');
      inv.on2xxSent = (res) => {
        const k = ack2xxKey(req, toTag(res));
        if (k) this.awaiting2xxAck.set(k, inv);
      };
      if (this.autoTrying) inv.startAutoTrying();
      tx = inv;
    } else {
      tx = new ServerNonInviteTransaction(this.ctx, key, req, m, transport, 'trying');
    }
    this.servers.set(key, tx);
    return tx;
  }

  private receiveAck(original: SipRequest, ack: SipRequest, key: string | null, m: InboundMessage): void {
    // Same branch as the INVITE: the ACK of a non-2xx (§17.2.3), or a 2xx ACK reusing the branch.
    let tx: ServerTransactionBase | undefined = key ? this.servers.get(key) : undefined;
    if (!tx && key?.startsWith('2543|')) {
      // RFC 2543 peers: the ACK's To tag is the one our response carried.
      for (const s of this.servers.values()) {
        if (s instanceof ServerInviteTransaction && rfc2543AckMatches(original, s.request, s.responseToTag)) { tx = s; break; }
      }
    }
    let is2xxAck = !(tx instanceof ServerInviteTransaction) || tx.state === 'accepted';
    if (!(tx instanceof ServerInviteTransaction)) {
      // The ACK for a 2xx is a transaction of its own (§17.1.1.3): match it by dialog and CSeq number.
      const k = ack2xxKey(original);
      tx = k ? this.awaiting2xxAck.get(k) : undefined;
      is2xxAck = true;
    }
    if (tx instanceof ServerInviteTransaction) tx.receiveAck(ack);
    if (is2xxAck) for (const h of this.ackHandlers) safe(() => h(ack, m));
  }

  /** §9.2: CANCEL matches the INVITE's transaction; 200 to the CANCEL, 487 to the INVITE unless the TU answers. */
  private receiveCancel(transport: Transport, original: SipRequest, cancel: SipRequest, key: string, m: InboundMessage): void {
    const inviteKey = serverKey(original, 'INVITE');
    const invite = inviteKey ? this.servers.get(inviteKey) : undefined;
    const tx = this.createServer(transport, key, cancel, m);
    if (!(invite instanceof ServerInviteTransaction)) {
      void tx.respond(createResponse(cancel, 481));
      return;
    }
    // §9.2: the To tag of the CANCEL's response SHOULD equal the one of the INVITE's responses.
    void tx.respond(createResponse(cancel, 200, undefined, { toTag: invite.responseToTag ?? undefined }));
    if (invite.hasFinal || invite.state !== 'proceeding') return; // §9.2: a CANCEL after the final has no effect
    // A TU that listens for CANCEL owns the INVITE's final answer (a proxy relays the downstream
    // 487, §16.10; a UA answers 487 itself, §9.2). Without a listener the endpoint answers 487, so no INVITE hangs.
    const heard = invite.notifyCancel(cancel);
    if (!heard && !invite.hasFinal && invite.state === 'proceeding') {
      void invite.respond(createResponse(invite.request, 487, undefined, { toTag: invite.responseToTag ?? undefined }));
    }
  }

  private transportError(transport: Transport, err: Error, remote?: Address): void {
    for (const h of this.errorHandlers) safe(() => h(err, remote));
    if (!remote) return;
    for (const tx of [...this.clients.values()]) {
      if (tx.transport === transport && sameAddress(tx.destination, remote)) tx.transportError();
    }
  }

  private forget(tx: object): void {
    if (tx instanceof ClientTransactionBase) {
      for (const [k, v] of this.clients) if (v === tx) this.clients.delete(k);
    } else if (tx instanceof ServerTransactionBase) {
      this.servers.delete(tx.id);
      for (const [k, v] of this.awaiting2xxAck) if (v === tx) this.awaiting2xxAck.delete(k);
    }
  }

  /** Live transactions (for tests and diagnostics). */
  get transactionCount(): { clients: number; servers: number } {
    return { clients: this.clients.size, servers: this.servers.size };
  }

  /** Terminate every transaction (finals resolve null), clear every timer, close the transports. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const tx of [...this.clients.values()]) tx.terminate();
    for (const tx of [...this.servers.values()]) tx.terminate();
    this.closed = true;
    this.clients.clear();
    this.servers.clear();
    this.awaiting2xxAck.clear();
    await Promise.all(this.transports.map((t) => t.close()));
  }
}

