/**
 * One MSRP session endpoint over one connection (RFC 4975 §5.4: a session is bound to the
 * connection its first request arrived on). It sends messages chunked (§5.1, §7.1.1), waits for
 * their transaction responses within a bound, answers the peer's requests (§7.2 responses,
 * §7.3 receiving rules), reassembles what it receives by Message-ID and sends the success
 * REPORTs asked for (§7.1.2). Every frame either way goes to the trace callback.
 *
 * Opening: `MsrpConnection.connect` is the active side (it dials the first URI of the peer's
 * a=path and sends the bodiless SEND that binds the connection); the passive side is created by
 * `MsrpListener.expect` and bound when the peer's first request names it (listener.ts).
 */
import type { Flow } from '../sip/transport/address';
import type { TlsSettings } from '../sip/transport/tls-settings';
import { H, STATUS_COMMENT, header, type MsrpFrame, type MsrpRequest, type MsrpResponse } from './message';
import { bindingSend, buildReport, buildResponse, responseWanted, successReportWanted } from './build';
import { chunkMessage } from './chunker';
import { dialFrom } from './dial';
import type { LocalPortSource } from '../sip/transport/local-ports';
import { parseByteRange, parseStatus, type ByteRange, type FailureReport, type MsrpStatus, type SuccessReport } from './headers';
import { Inbox } from './inbox';
import { resolveMsrpLimits, type MsrpLimits } from './limits';
import { Reassembler, type ReassembledMessage } from './reassembly';
import { MsrpSocket, type MsrpInbound } from './socket';
import { MsrpTraceRecorder, type MsrpTraceListener } from './trace';
import { Transactions, type TransactionOutcome } from './transactions';
import { formatPath, parsePath, sameMsrpUri, uriAddress, type MsrpUri } from './uri';

export interface MsrpEndpointOptions {
  /** Our URI: what our a=path says (§8.2), the From-Path of what we send. */
  localUri: MsrpUri;
  /** The peer's a=path (§8.2): the To-Path of what we send, next hop first. May be set later (setRemotePath). */
  remotePath?: readonly MsrpUri[];
  limits?: Partial<MsrpLimits>;
  /** Wait for a transaction response, after which it counts as 408. Default 30000 ms. */
  transactionTimeoutMs?: number;
  /** How long close() lets the peer finish an orderly close before destroying. Default 500 ms. */
  closeGraceMs?: number;
  /** Answer requests (200/4xx/5xx, success REPORTs) by itself. Default true; false leaves it to respond()/report(). */
  autoRespond?: boolean;
}

export interface MsrpConnectOptions extends MsrpEndpointOptions {
  remotePath: readonly MsrpUri[];
  onTrace?: MsrpTraceListener;
  owner?: string;
  /** TLS material and policy when the first hop is msrps. */
  tls?: TlsSettings;
  /** Source IP to dial from. */
  localHost?: string;
  /** Source ports to dial from (the target's local.ports); ephemeral when absent. */
  localPorts?: LocalPortSource;
  /** Bound on opening the TCP/TLS connection. Default 5000 ms. */
  connectTimeoutMs?: number;
  /**
   * From-Path of the bodiless SEND that binds the connection (default our URI alone). An RFC 4976
   * relay that dials the next hop names itself first and the hops behind it after (§7.1), so the
   * endpoint finds the peer its session expects last (RFC 4975 §5.4).
   */
  bindingFromPath?: readonly MsrpUri[];
}

export interface SendOptions {
  contentType?: string;
  /** Octets per SEND chunk. Default 2048: small chunks let other traffic interleave (§5.1). */
  chunkSize?: number;
  successReport?: SuccessReport;
  failureReport?: FailureReport;
  messageId?: string;
  /**
   * Chunks written before the oldest unanswered one must be answered. Default 16: bounded
   * transactions in flight; 1 waits for each 200 before the next chunk, so a 413 always stops the
   * rest (§10.5). RFC 4975 itself does not ask a sender to wait.
   */
  window?: number;
}

export interface SendResult {
  messageId: string;
  /** SENDs written. */
  chunks: number;
  /** One per SEND that wanted a response (Failure-Report yes), in order; 408 when none came in time. */
  outcomes: TransactionOutcome[];
  /** A chunk was refused with 413, so the rest was not sent (§10.5). */
  stoppedEarly: boolean;
}

export interface ReceivedReport {
  messageId: string | undefined;
  status: MsrpStatus | null;
  byteRange: ByteRange | null;
  frame: MsrpRequest;
}

export const DEFAULT_CHUNK_SIZE = 2048;

export class MsrpConnection {
  readonly localUri: MsrpUri;
  /** Completed messages received, in order of completion. */
  readonly messages = new Inbox<ReassembledMessage>('MSRP message');
  /** REPORTs received (§7.1.2). */
  readonly reports = new Inbox<ReceivedReport>('MSRP REPORT');
  /** Things that went wrong outside any caller's await (a write that failed while answering). */
  readonly errors: Error[] = [];
  private remote: MsrpUri[];
  private sock: MsrpSocket | null = null;
  private readonly limits: MsrpLimits;
  private readonly transactions: Transactions;
  private readonly reassembler: Reassembler;
  private readonly requestListeners = new Set<(request: MsrpRequest) => void>();
  private readonly bound = new Inbox<true>('binding of the MSRP connection');
  private readonly closeGraceMs: number;
  private readonly autoRespond: boolean;
  private closing: Promise<void> | undefined;

  constructor(options: MsrpEndpointOptions, private readonly onRelease: () => void = () => undefined) {
    this.localUri = options.localUri;
    this.remote = [...(options.remotePath ?? [])];
    this.limits = resolveMsrpLimits(options.limits);
    this.transactions = new Transactions(options.transactionTimeoutMs ?? 30_000);
    this.reassembler = new Reassembler(this.limits);
    this.closeGraceMs = options.closeGraceMs ?? 500;
    this.autoRespond = options.autoRespond ?? true;
  }

  /**
   * The active side (RFC 4975 §5.4, RFC 6135 a=setup:active): dial the first hop of the peer's
   * path, send the bodiless SEND that binds the connection (§7.1) and wait for its 200. Rejects
   * (with every socket closed) when the dial or the binding fails or times out.
   */
  static async connect(o: MsrpConnectOptions): Promise<MsrpConnection> {
    const first = o.remotePath[0];
    if (!first) throw new Error('the peer\'s MSRP path is empty: nothing to connect to');
    const conn = new MsrpConnection(o);
    const socket = await dialFrom({ remote: uriAddress(first), secure: first.secure, tls: o.tls, localHost: o.localHost, timeoutMs: o.connectTimeoutMs ?? 5000 }, o.localPorts);
    conn.attach(new MsrpSocket(socket, first.secure ? 'tls' : 'tcp', conn.limits, new MsrpTraceRecorder(o.onTrace, o.owner)));
    try {
      const outcome = await conn.request(bindingSend(conn.remote, o.bindingFromPath ?? [conn.localUri]));
      if (outcome.status !== 200) throw new Error(`the peer answered the binding SEND with ${outcome.status}${outcome.response ? '' : ' (no response in time)'}`);
    } catch (err) {
      await conn.close();
      throw err;
    }
    return conn;
  }

  /** The peer's path (To-Path of what we send). */
  get remotePath(): readonly MsrpUri[] {
    return this.remote;
  }

  /** Learned from the SDP answer after the passive side was set up (§8.2). */
  setRemotePath(path: readonly MsrpUri[]): void {
    this.remote = [...path];
  }

  get isBound(): boolean {
    return this.sock !== null;
  }

  /** The TCP/TLS flow once bound (for the trace and the pcap). */
  get flow(): Flow | undefined {
    return this.sock?.flow;
  }

  /** Resolves once a connection is bound to this session; rejects after timeoutMs or on close. */
  async waitBound(timeoutMs: number): Promise<void> {
    if (this.sock) return;
    await this.bound.next(timeoutMs);
  }

  /** Bind a socket to this session; `first` is the request that named the session (passive side, §5.4). */
  attach(socket: MsrpSocket, first?: MsrpFrame): void {
    if (this.closing) {
      void socket.shutdown(0);
      return;
    }
    this.sock = socket;
    socket.onInbound((inbound) => this.onInbound(inbound));
    void socket.closed.then(() => this.onSocketClosed());
    this.bound.push(true);
    if (first) this.onInbound({ kind: 'frame', frame: first, raw: Buffer.alloc(0), diagnostics: [] });
  }

  /** Every request that arrives, before it is answered (for judging what the peer sent). */
  onRequest(listener: (request: MsrpRequest) => void): () => void {
    this.requestListeners.add(listener);
    return () => this.requestListeners.delete(listener);
  }

  /** Next completed message within timeoutMs (rejects on timeout or once the connection is closed and nothing is kept). */
  nextMessage(timeoutMs: number, match?: (m: ReassembledMessage) => boolean): Promise<ReassembledMessage> {
    return this.messages.next(timeoutMs, match);
  }

  /** The REPORT for a message we sent, within timeoutMs. */
  waitReport(messageId: string, timeoutMs: number): Promise<ReceivedReport> {
    return this.reports.next(timeoutMs, (r) => r.messageId === messageId);
  }

  /**
   * Send a message as SEND chunks (§5.1, §7.1.1), written in order with flow control, and wait
   * (bounded) for the 200 of each chunk that asks for one (Failure-Report yes, §7.2).
   */
  async send(body: Buffer | string, o: SendOptions = {}): Promise<SendResult> {
    const chunks = chunkMessage({
      toPath: this.remote, fromPath: [this.localUri], body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
      chunkSize: o.chunkSize ?? DEFAULT_CHUNK_SIZE, contentType: o.contentType ?? 'text/plain',
      ...(o.messageId ? { messageId: o.messageId } : {}), ...(o.successReport ? { successReport: o.successReport } : {}), ...(o.failureReport ? { failureReport: o.failureReport } : {}),
    });
    const window = o.window ?? 16;
    if (!(Number.isSafeInteger(window) && window > 0)) throw new RangeError(`window must be a positive integer, got ${String(window)}`);
    const waits: Promise<TransactionOutcome>[] = [];
    let refused = false;
    let written = 0;
    for (const chunk of chunks) {
      if (waits.length >= window) await waits[waits.length - window];
      // §10.5: after a 413 the sender stops sending the rest of that message.
      if (refused) break;
      const { written: w, outcome } = this.start(chunk);
      if (outcome) waits.push(outcome.then((r) => ((refused ||= r.status === 413), r)));
      await w;
      written++;
    }
    const outcomes = await Promise.all(waits);
    return { messageId: header(chunks[0]!, H.messageId)!, chunks: written, outcomes, stoppedEarly: written < chunks.length };
  }

  /** Write one request and wait (bounded) for its response; 408 when none came in time or the request could not be sent. */
  async request(frame: MsrpRequest): Promise<TransactionOutcome> {
    const { written, outcome } = this.start(frame, true);
    await written;
    return outcome!;
  }

  /** Write a response to `request` (§7.2). */
  respond(request: MsrpRequest, status: number, comment: string | undefined = STATUS_COMMENT[status]): Promise<void> {
    return this.write(buildResponse(request, status, comment, this.localUri));
  }

  /** Write a REPORT about a message we received (§7.1.2). */
  report(send: MsrpRequest, byteRange: ByteRange, status = 200): Promise<void> {
    return this.write(buildReport({ send, reporter: this.localUri, byteRange, status }));
  }

  /** Write a frame, or octets as they are (a malformed frame on purpose). */
  write(data: MsrpFrame | Buffer): Promise<void> {
    if (!this.sock) return Promise.reject(new Error('the MSRP session is not bound to a connection yet'));
    return this.sock.write(data);
  }

  /** Close the connection; every wait settles, every timer stops, the socket is closed (bounded by closeGraceMs). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.settleAll(new Error('the MSRP connection was closed'));
      this.onRelease();
      if (this.sock) await this.sock.shutdown(this.closeGraceMs);
    })();
    return this.closing;
  }

  private start(frame: MsrpRequest, alwaysWait = false): { written: Promise<void>; outcome: Promise<TransactionOutcome> | null } {
    const waits = alwaysWait || responseWanted(frame, 200);
    const outcome = waits ? this.transactions.expect(frame.transactionId) : null;
    const written = this.write(frame).catch((err: Error) => {
      this.transactions.forget(frame.transactionId);
      throw err;
    });
    return { written, outcome };
  }

  private settleAll(err: Error): void {
    this.transactions.clear();
    this.messages.close(err);
    this.reports.close(err);
    this.bound.close(err);
    this.reassembler.clear();
  }

  private onSocketClosed(): void {
    this.settleAll(new Error('the MSRP connection closed'));
  }

  /** Answer without letting a failed write escape: the failure is kept in `errors`. */
  private reply(request: MsrpRequest, status: number): void {
    if (!this.autoRespond || !responseWanted(request, status)) return;
    this.respond(request, status).catch((err: Error) => this.errors.push(err));
  }

  private onInbound(inbound: MsrpInbound): void {
    try {
      if (inbound.kind === 'unreadable') this.onUnreadable(inbound);
      else if (inbound.frame.kind === 'response') this.transactions.answer(inbound.frame as MsrpResponse);
      else this.onRequestFrame(inbound.frame);
    } catch (err) {
      // Our handler's fault must not take the socket (or the process) down.
      this.errors.push(err as Error);
    }
  }

  private onRequestFrame(req: MsrpRequest): void {
    for (const l of this.requestListeners) l(req);
    // §7.3: a request whose To-Path does not end in our URI is not for this session.
    const to = parsePath(header(req, H.toPath) ?? '');
    const last = to.uris[to.uris.length - 1];
    if (to.errors.length > 0 || !last) return this.reply(req, 400);
    if (!sameMsrpUri(last, this.localUri)) return this.reply(req, 481);
    if (req.method === 'SEND') this.onSend(req);
    else if (req.method === 'REPORT') this.onReport(req);
    else this.reply(req, 501); // §7.3, §10.9: a method we do not understand
  }

  private onSend(req: MsrpRequest): void {
    const outcome = this.reassembler.push(req);
    if (outcome.kind === 'rejected') return this.reply(req, outcome.status);
    this.reply(req, 200);
    if (outcome.kind !== 'complete') return;
    const m = outcome.message;
    this.messages.push(m);
    // §7.1.2: one success REPORT for the whole message once every octet has arrived.
    if (this.autoRespond && successReportWanted(m.last)) {
      this.report(m.last, { start: 1, end: m.body.length, total: m.body.length }).catch((err: Error) => this.errors.push(err));
    }
  }

  /** §7.1.2: REPORTs are never answered. */
  private onReport(req: MsrpRequest): void {
    const status = header(req, H.status);
    const range = header(req, H.byteRange);
    this.reports.push({
      messageId: header(req, H.messageId), frame: req,
      status: status === undefined ? null : parseStatus(status), byteRange: range === undefined ? null : parseByteRange(range),
    });
  }

  /**
   * Octets that made no frame but whose transaction id is known: a request too large to hold is
   * refused with 413 (§10.5), an unparseable request with 400 (§10.2). Responses and unreadable
   * starts get nothing: there is no request to answer.
   */
  private onUnreadable(inbound: Extract<MsrpInbound, { kind: 'unreadable' }>): void {
    if (!this.autoRespond || inbound.transactionId === undefined) return;
    const text = inbound.raw.toString('latin1', 0, Math.min(inbound.raw.length, 8192));
    const startParts = (text.split('\n', 1)[0] ?? '').trim().split(' ');
    if (/^\d{3}$/.test(startParts[2] ?? '')) return;
    const fromPath = /^From-Path:[ \t]*(.*?)\r?$/im.exec(text)?.[1];
    const failure = /^Failure-Report:[ \t]*(\S+)/im.exec(text)?.[1];
    const stub: MsrpRequest = {
      kind: 'request', method: startParts[2] ?? 'SEND', transactionId: inbound.transactionId, body: null, flag: '$',
      headers: [
        { name: H.toPath, value: formatPath([this.localUri]) },
        { name: H.fromPath, value: fromPath ?? formatPath(this.remote.slice(0, 1)) },
        ...(failure ? [{ name: H.failureReport, value: failure }] : []),
      ],
    };
    this.reply(stub, inbound.oversize ? 413 : 400);
  }
}
