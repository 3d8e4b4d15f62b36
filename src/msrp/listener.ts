/**
 * The passive side (RFC 4975 §5.4, RFC 6135 a=setup:passive): a TCP or TLS server whose port goes
 * into our a=path URIs. A session is registered (`expect`) before its SDP is sent; a connection
 * that arrives is held until its first request, and bound to the session whose URI ends that
 * request's To-Path (begins it, for an RFC 4976 relay) — and whose expected peer, when known, ends its From-Path (§5.4). A request
 * for no session gets 481 (§10.8), one for a session already bound elsewhere 506 (§10.10).
 * Bounded: a connection that sends no request within bindTimeoutMs is closed, and close() closes
 * the server and every connection still unbound (bound ones belong to their MsrpConnection).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Address } from '../sip/transport/address';
import { normalizeHost } from '../sip/transport/receivers';
import { loadTlsMaterial, type TlsSettings } from '../sip/transport/tls-settings';
import { H, header, type MsrpRequest } from './message';
import { buildResponse, responseWanted } from './build';
import { MsrpConnection, type MsrpEndpointOptions } from './connection';
import { newSessionId } from './ids';
import { resolveMsrpLimits, type MsrpLimits } from './limits';
import { MsrpSocket, type MsrpInbound } from './socket';
import { MsrpTraceRecorder, type MsrpTraceListener } from './trace';
import { parsePath, sameMsrpUri, type MsrpUri } from './uri';

export interface MsrpListenerOptions {
  /** IP literal to bind. */
  host: string;
  /** 0 = ephemeral (default). */
  port?: number;
  /** Certificate and key make it an msrps (TLS) listener. */
  tls?: TlsSettings;
  onTrace?: MsrpTraceListener;
  owner?: string;
  limits?: Partial<MsrpLimits>;
  /** How long an accepted connection may stay silent before its first request. Default 10000 ms. */
  bindTimeoutMs?: number;
  /** Grace for orderly closes. Default 500 ms. */
  closeGraceMs?: number;
  /**
   * An RFC 4976 relay's listener: a connection binds to the session whose URI begins the first
   * request's To-Path (the relay's own hop, RFC 4976 §7.1), not the one that ends it (§5.4).
   */
  relay?: boolean;
}

export class MsrpListener {
  private readonly sessions = new Set<MsrpConnection>();
  private readonly unbound = new Set<MsrpSocket>();
  private readonly recorder: MsrpTraceRecorder;
  private readonly limits: MsrpLimits;
  private address: Address;
  private closing: Promise<void> | undefined;

  private constructor(private readonly server: net.Server, private readonly o: MsrpListenerOptions, readonly secure: boolean) {
    this.recorder = new MsrpTraceRecorder(o.onTrace, o.owner);
    this.limits = resolveMsrpLimits(o.limits);
    this.address = { host: normalizeHost(o.host), port: o.port ?? 0 };
  }

  static async open(o: MsrpListenerOptions): Promise<MsrpListener> {
    const material = o.tls ? loadTlsMaterial(o.tls) : undefined;
    const secure = material?.cert !== undefined;
    let accept: (s: net.Socket) => void = () => undefined;
    const onSocket = (s: net.Socket): void => accept(s);
    const server = secure
      ? tls.createServer({ cert: material!.cert, key: material!.key, passphrase: o.tls?.passphrase, ca: material!.ca, requestCert: o.tls?.requestCert === true, rejectUnauthorized: o.tls?.requestCert === true && o.tls.insecure !== true }, onSocket)
      : net.createServer({ noDelay: true }, onSocket);
    const l = new MsrpListener(server, o, secure);
    accept = (s) => l.adopt(s);
    // A failed TLS handshake concerns one peer only: keep serving.
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: o.host, port: o.port ?? 0, ipv6Only: o.host.includes(':') }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    const a = server.address() as net.AddressInfo;
    l.address = { host: normalizeHost(a.address), port: a.port };
    return l;
  }

  get local(): Address {
    return this.address;
  }

  /** A fresh URI on this listener for our a=path (§6, §8.2): msrp(s)://host:port/session-id;tcp. */
  uri(sessionId: string = newSessionId()): MsrpUri {
    return { secure: this.secure, host: this.address.host, port: this.address.port, sessionId, transport: 'tcp', params: [] };
  }

  /** Register a session, before its SDP goes out; the connection binds when the peer's first request names it. */
  expect(options: Omit<MsrpEndpointOptions, 'localUri'> & { localUri?: MsrpUri }): MsrpConnection {
    if (this.closing) throw new Error('the MSRP listener is closed');
    const conn: MsrpConnection = new MsrpConnection({ ...options, localUri: options.localUri ?? this.uri() }, () => this.sessions.delete(conn));
    this.sessions.add(conn);
    return conn;
  }

  /** Stop listening and close every connection not (yet) bound to a session. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      await Promise.all([...this.unbound].map((s) => s.shutdown(0)));
      await serverClosed;
    })();
    return this.closing;
  }

  private adopt(raw: net.Socket): void {
    const socket = new MsrpSocket(raw, this.secure ? 'tls' : 'tcp', this.limits, this.recorder);
    if (this.closing) {
      void socket.shutdown(0);
      return;
    }
    this.unbound.add(socket);
    const timer = setTimeout(() => void socket.shutdown(0), this.o.bindTimeoutMs ?? 10_000);
    void socket.closed.then(() => {
      clearTimeout(timer);
      this.unbound.delete(socket);
    });
    socket.onInbound((inbound) => {
      // Only the first request decides; an unbound socket is closed after anything else.
      clearTimeout(timer);
      this.unbound.delete(socket);
      socket.onInbound(() => undefined);
      this.bindFirst(socket, inbound);
    });
  }

  private bindFirst(socket: MsrpSocket, inbound: MsrpInbound): void {
    if (inbound.kind !== 'frame' || inbound.frame.kind !== 'request') {
      void socket.shutdown(this.o.closeGraceMs ?? 500);
      return;
    }
    const req = inbound.frame;
    const to = parsePath(header(req, H.toPath) ?? '').uris;
    const target = this.o.relay ? to[0] : to[to.length - 1];
    const session = target ? [...this.sessions].find((s) => sameMsrpUri(s.localUri, target)) : undefined;
    if (!session || !this.fromExpectedPeer(session, req)) return this.refuse(socket, req, 481);
    if (session.isBound) return this.refuse(socket, req, 506);
    session.attach(socket, req);
  }

  /** §5.4: the first request must also come from the peer the session expects (the last URI of its a=path), when known. */
  private fromExpectedPeer(session: MsrpConnection, req: MsrpRequest): boolean {
    const peer = session.remotePath[session.remotePath.length - 1];
    if (!peer) return true;
    const from = parsePath(header(req, H.fromPath) ?? '').uris;
    const origin = from[from.length - 1];
    return origin !== undefined && sameMsrpUri(origin, peer);
  }

  /** Answer (if the request wants answers, §7.2) and close: this connection carries no session of ours. */
  private refuse(socket: MsrpSocket, req: MsrpRequest, status: number): void {
    const answer = responseWanted(req, status) ? socket.write(buildResponse(req, status)).catch(() => undefined) : Promise.resolve();
    void answer.then(() => socket.shutdown(this.o.closeGraceMs ?? 500));
  }
}
