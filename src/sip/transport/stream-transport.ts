/**
 * What TCP and TLS share (RFC 3261 §18): one object both listens and dials. A message to a remote
 * address goes over an open connection with that peer when there is one — in particular a
 * response goes back over the connection its request came on (§18.2.2) — otherwise over a new
 * connection (§18.1.1), which also covers reconnecting after the previous one closed.
 *
 * Failures (refused, reset, handshake rejected, timeout) are reported through onError and send()
 * still resolves: callers fire-and-forget, and the transaction layer learns of transport errors
 * from the report (§18.4), never from an exception.
 */
import type * as net from 'node:net';
import type { SipMessage } from '../message';
import { serializeMessage } from '../codec/serialize';
import type { Address, TransportProtocol } from './address';
import { formatHostPort } from './address';
import { resolveStreamLimits, type StreamLimits } from './limits';
import type { ParseLimits } from '../codec/limits';
import { Receivers, normalizeHost } from './receivers';
import { StreamConnection } from './stream-connection';
import { awaitDialReady } from './dial-wait';
import { isPortClash, type LocalPortSource, type PortLease } from './local-ports';
import type { Tap } from './tap';
import { TraceRecorder } from './trace-recorder';
import type { InboundMessage, Transport } from './transport';

export interface StreamTransportOptions {
  /** IP literal to bind (and to report as `local`). */
  host: string;
  /** 0 = ephemeral. */
  port?: number;
  tap: Tap;
  /** Device / core / reference name recorded on every trace entry. */
  owner?: string;
  /** Stream framing bounds. */
  limits?: Partial<StreamLimits>;
  /** Parser work bounds per received message (header lines, header octets, body octets). */
  parseLimits?: Partial<ParseLimits>;
  /** Bound on dialling a new connection, TLS handshake included. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** How long close() waits for peers to finish an orderly close before destroying. Default 500 ms. */
  closeGraceMs?: number;
  /** Host peers reach this transport at, written into Via / Contact / SDP (NAT; see Transport.advertised); default: `host`. */
  advertisedHost?: string;
  /** Source ports of dialled connections (target config local.ports); default: kernel-chosen ephemeral. */
  localPorts?: LocalPortSource;
}

/** Ports tried for one dial when the chosen source port clashes (held elsewhere, or lingering in TIME_WAIT). */
const DIAL_PORT_TRIES = 4;

/** How one concrete stream transport listens and dials. */
export interface StreamDialer {
  /** Create the listening server (not yet listening); call `accept` for each ready connection. */
  createServer(accept: (socket: net.Socket) => void, report: (err: Error) => void): net.Server | null;
  /**
   * Start a connection, from `local` when given (source address and port); `ready` is the event
   * that means it can carry SIP ('connect' or 'secureConnect').
   */
  connect(remote: Address, local?: Address): { socket: net.Socket; ready: 'connect' | 'secureConnect' };
}

function remoteKey(a: Address): string {
  return `${a.port}|${normalizeHost(a.host)}`;
}

export class StreamTransport implements Transport {
  private readonly receivers = new Receivers();
  private readonly recorder: TraceRecorder;
  private readonly limits: StreamLimits;
  private readonly connections = new Set<StreamConnection>();
  /**
   * The same connections by peer (remoteKey), oldest first: a send finds its connection without
   * scanning all of them (a registrar with a thousand devices on TCP holds a thousand).
   */
  private readonly byPeer = new Map<string, StreamConnection[]>();
  /** Sockets still dialling, so close() can abort them. */
  private readonly dialling = new Set<net.Socket>();
  private readonly pendingDials = new Map<string, Promise<StreamConnection | null>>();
  private server: net.Server | null = null;
  private boundAddress: Address;
  private closing: Promise<void> | undefined;
  private readonly connectTimeoutMs: number;
  private readonly closeGraceMs: number;
  private readonly advertisedHost?: string;
  private readonly localPorts?: LocalPortSource;

  protected constructor(
    readonly protocol: TransportProtocol,
    private readonly dialer: StreamDialer,
    opts: StreamTransportOptions,
  ) {
    this.recorder = new TraceRecorder(opts.tap, opts.owner, opts.parseLimits);
    this.limits = resolveStreamLimits(opts.limits);
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.closeGraceMs = opts.closeGraceMs ?? 500;
    this.advertisedHost = opts.advertisedHost;
    this.localPorts = opts.localPorts;
    this.boundAddress = { host: normalizeHost(opts.host), port: opts.port ?? 0 };
  }

  /** Start listening (when the dialer can serve). Resolves once bound; `local` then has the real port. */
  protected async listen(): Promise<void> {
    const server = this.dialer.createServer(
      (socket) => this.adopt(socket, 'inbound'),
      (err) => this.receivers.error(err),
    );
    if (!server) {
      // Nothing listens (a client-only TLS transport): no port to tell peers, whatever was asked.
      this.boundAddress = { host: this.boundAddress.host, port: 0 };
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen({ host: this.boundAddress.host, port: this.boundAddress.port, ipv6Only: this.boundAddress.host.includes(':') }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => this.receivers.error(err));
    this.server = server;
    const a = server.address() as net.AddressInfo;
    this.boundAddress = { host: normalizeHost(a.address), port: a.port };
  }

  get local(): Address {
    return this.boundAddress;
  }

  get advertised(): Address {
    return { host: this.advertisedHost ?? this.boundAddress.host, port: this.boundAddress.port };
  }

  /** Open connections, for tests and diagnostics. */
  get connectionCount(): number {
    return this.connections.size;
  }

  onMessage(handler: (m: InboundMessage) => void): void {
    this.receivers.setMessageHandler(handler);
  }

  onError(handler: (err: Error, remote?: Address) => void): void {
    this.receivers.setErrorHandler(handler);
  }

  async send(data: SipMessage | Buffer, remote: Address): Promise<void> {
    const raw = Buffer.isBuffer(data) ? data : serializeMessage(data);
    if (this.closing) {
      this.receivers.error(new Error(`send on a closed ${this.protocol.toUpperCase()} transport`), remote);
      return;
    }
    const conn = this.findConnection(remote) ?? (await this.dial(remote));
    if (!conn) return; // the failure was reported by dial()
    if (!conn.usable) {
      this.receivers.error(new Error(`connection to ${formatHostPort(remote)} closed before the message could be sent`), remote);
      return;
    }
    await conn.write(raw);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const serverClosed = this.server
      ? new Promise<void>((resolve) => this.server?.close(() => resolve()))
      : Promise.resolve();
    for (const s of this.dialling) s.destroy();
    await Promise.allSettled([...this.pendingDials.values()]);
    await Promise.all([...this.connections].map((c) => c.shutdown(this.closeGraceMs)));
    await serverClosed;
  }

  /** The newest usable connection with this peer, whoever opened it. */
  private findConnection(remote: Address): StreamConnection | undefined {
    const list = this.byPeer.get(remoteKey(remote)) ?? [];
    for (let i = list.length - 1; i >= 0; i--) if (list[i].usable) return list[i];
    return undefined;
  }

  /** One dial per peer at a time: concurrent sends to a new peer share the connection. */
  private dial(remote: Address): Promise<StreamConnection | null> {
    const key = remoteKey(remote);
    let pending = this.pendingDials.get(key);
    if (!pending) {
      pending = this.connect(remote).finally(() => this.pendingDials.delete(key));
      this.pendingDials.set(key, pending);
    }
    return pending;
  }

  /**
   * Dial `remote`, from a port of the configured range when there is one: a source port that
   * clashes (another socket holds it, or the same 4-tuple lingers in TIME_WAIT) is given back and
   * the next one tried, a bounded number of times. Every other failure is reported at once.
   */
  private async connect(remote: Address): Promise<StreamConnection | null> {
    const clashed = new Set<number>();
    for (let attempt = 1; ; attempt++) {
      let lease: PortLease | undefined;
      try {
        lease = this.localPorts?.lease(clashed);
      } catch (err) {
        this.receivers.error(err as Error, remote);
        return null;
      }
      const local = lease ? { host: this.boundAddress.host, port: lease.port } : undefined;
      const { conn, err } = await this.connectOnce(remote, local);
      if (conn) {
        // The port goes back to the range when the connection is over, whoever closes it.
        if (lease) void conn.closed.then(() => lease.release());
        return conn;
      }
      lease?.release();
      if (lease && err && isPortClash(err, true) && attempt < DIAL_PORT_TRIES && !this.closing) {
        clashed.add(lease.port);
        continue;
      }
      if (err) this.receivers.error(err, remote);
      return null;
    }
  }

  /** One dial; the error is the caller's to report. */
  private connectOnce(remote: Address, local: Address | undefined): Promise<{ conn: StreamConnection | null; err?: Error }> {
    return new Promise((resolve) => {
      let socket: net.Socket;
      let ready: 'connect' | 'secureConnect';
      try {
        ({ socket, ready } = this.dialer.connect(remote, local));
      } catch (err) {
        resolve({ conn: null, err: err as Error });
        return;
      }
      this.dialling.add(socket);
      const errors = {
        closed: `connection to ${formatHostPort(remote)} closed while connecting`,
        timedOut: `connecting to ${formatHostPort(remote)} timed out after ${this.connectTimeoutMs} ms`,
      };
      // The error is reported by connect(), not here.
      awaitDialReady(socket, ready, this.connectTimeoutMs, errors, (err) => {
        this.dialling.delete(socket);
        if (err) resolve({ conn: null, err });
        else if (this.closing) {
          socket.destroy();
          resolve({ conn: null });
        } else resolve({ conn: this.adopt(socket, 'outbound') });
      });
    });
  }

  private adopt(socket: net.Socket, origin: 'inbound' | 'outbound'): StreamConnection {
    const conn = new StreamConnection(socket, this.protocol, origin, this.limits, this.recorder, this.receivers);
    if (this.closing) {
      void conn.shutdown(0);
      return conn;
    }
    this.connections.add(conn);
    const key = remoteKey(conn.remote);
    const peers = this.byPeer.get(key);
    if (peers) peers.push(conn);
    else this.byPeer.set(key, [conn]);
    void conn.closed.then(() => {
      this.connections.delete(conn);
      const left = (this.byPeer.get(key) ?? []).filter((c) => c !== conn);
      if (left.length > 0) this.byPeer.set(key, left);
      else this.byPeer.delete(key);
    });
    return conn;
  }
}
