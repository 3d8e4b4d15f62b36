/**
 * A device's MSRP side (RFC 4975): one listener on a port of the case's port range, a fresh MSRP
 * URI for every SDP the device writes (offer or answer, §8.1: the URI names the session, so each
 * SDP exchange is a session of its own), and, once the SIP session is established, the MSRP
 * session its SDP exchange describes: the device sends messages and collects what arrives.
 *
 * Who opens the TCP connection follows a=setup (RFC 6135 §4.2, RFC 4145 §4.1): the device offers
 * actpass and answers passive (unless the offer says passive), so without a B2BUA in between the
 * offerer dials, as RFC 4975 §5.4 has it. The active side connects when the session is first used
 * (`open`, `sendMessage`), not when the SIP session is set up: a case that never sends a message
 * puts no MSRP frame on its trace. Every frame either way is on the case's merged trace.
 * Everything is bounded and closed: each session at teardown, the listener with the device.
 */
import type { SipRequest, SipResponse } from '../sip/message';
import type { Tap } from '../sip/transport/tap';
import type { Flow } from '../sip/transport/address';
import type { LocalPortSource } from '../sip/transport/local-ports';
import { MsrpConnection, type ReceivedReport, type SendOptions, type SendResult } from '../msrp/connection';
import { MsrpListener } from '../msrp/listener';
import type { ReassembledMessage } from '../msrp/reassembly';
import { answerSetup, connectionRole, messageMedia, type ConnectionRole, type MessageMedia, type SetupValue } from '../msrp/sdp';
import { onTap } from '../msrp/trace';
import { formatMsrpUri, sameMsrpUri, type MsrpUri } from '../msrp/uri';
import { msrpDescription } from './sdp';

export interface DeviceMsrpOptions {
  /** The device's name: the owner of its frames on the trace. */
  owner: string;
  /** IP literal the listener binds (the target's local host) and the dials start from. */
  host: string;
  /** Where peers reach us (o=, c=, a=path; RFC 4566 §5.7, RFC 4975 §8.2), the advertised host behind NAT. */
  advertisedHost: string;
  tap: Tap;
  /** Bound on connecting and on each transaction (IXIT response timeout). */
  timeoutMs: number;
  /** Source ports of the connections the device dials (the target's local.ports); ephemeral when absent. */
  localPorts?: LocalPortSource;
}

/** What the SDP of an MSRP media line says (src/msrp/sdp.ts). */
export type MediaDescription = MessageMedia;

/** The a=path and a=setup of the first `m=message` section of an SDP body, or null when there is none. */
export const mediaDescription = messageMedia;

/** What one SIP session needs to be an MSRP session too: the two SDP bodies and who offered. */
export interface SessionSdp {
  /** The SDP this device sent (its offer, or its answer). */
  own: Buffer;
  /** The SDP the peer sent, as it reached this device (a B2BUA's own, or the far device's). */
  peer: Buffer;
  weOffered: boolean;
}

/** One MSRP session of the device (RFC 4975 §5.4: bound to one connection). */
export class MsrpMediaSession {
  private opening: Promise<MsrpConnection> | undefined;
  /** The open connection, once it is. */
  private conn: MsrpConnection | undefined;
  private readonly kept: ReassembledMessage[] = [];

  constructor(
    readonly localUri: MsrpUri,
    readonly peerPath: readonly MsrpUri[],
    readonly role: ConnectionRole,
    /** The listener's expectation of this session, which the passive side binds (listener.ts). */
    private readonly expected: MsrpConnection,
    private readonly o: DeviceMsrpOptions,
  ) {}

  /**
   * The connection, opened once: the active side dials the first URI of the peer's path and binds
   * it with a bodiless SEND (§5.4, §7.1); the passive side waits (bounded) for the peer to do so.
   */
  open(): Promise<MsrpConnection> {
    this.opening ??= (async () => {
      if (this.role === 'passive') {
        await this.expected.waitBound(this.o.timeoutMs);
        return (this.conn = this.expected);
      }
      // The listener's expectation is not the connection of an active side: give its URI back.
      await this.expected.close();
      return (this.conn = await MsrpConnection.connect({
        localUri: this.localUri, remotePath: this.peerPath, onTrace: onTap(this.o.tap), owner: this.o.owner,
        localHost: this.o.host, localPorts: this.o.localPorts, connectTimeoutMs: this.o.timeoutMs, transactionTimeoutMs: this.o.timeoutMs,
      }));
    })();
    return this.opening;
  }

  /** Send a chat message (chunked as the options say, §5.1) once the connection is open. */
  async sendMessage(text: string | Buffer, options: SendOptions = {}): Promise<SendResult> {
    const conn = await this.open();
    return conn.send(text, options);
  }

  /** The next complete message received, within timeoutMs (rejects on timeout). */
  async nextMessage(timeoutMs = this.o.timeoutMs): Promise<ReassembledMessage> {
    const conn = await this.open();
    const m = await conn.nextMessage(timeoutMs);
    this.kept.push(m);
    return m;
  }

  /** The REPORT (§7.1.2) for a message this session sent, within timeoutMs (rejects on timeout). */
  async waitReport(messageId: string, timeoutMs = this.o.timeoutMs): Promise<ReceivedReport> {
    const conn = await this.open();
    return conn.waitReport(messageId, timeoutMs);
  }

  /** The TCP/TLS flow the session is bound to, once open: who the device really talks MSRP to. */
  get flow(): Flow | undefined {
    return this.conn?.flow;
  }

  /** Every complete message received so far, in order of completion. */
  get receivedMessages(): readonly ReassembledMessage[] {
    if (this.conn) this.kept.push(...this.conn.messages.drain());
    return this.kept;
  }

  /** Close the connection (bounded by its close grace); the session's waits settle. */
  async close(): Promise<void> {
    await this.expected.close();
    // A dial still in flight settles (bounded by its connect timeout) and is closed too.
    const conn = await this.opening?.catch(() => undefined);
    if (conn) {
      this.kept.push(...conn.messages.drain());
      await conn.close();
    }
  }
}

/** The MSRP side of one device: its listener and the sessions of its SDP exchanges. */
export class DeviceMsrp {
  /** Our URIs, by session-id, with the expectation registered for each. */
  private readonly locals = new Map<string, { uri: MsrpUri; expected: MsrpConnection; setup: SetupValue }>();
  /** The SDP answer the device sent to each offer (the offer as it reached the device). */
  private readonly answers = new WeakMap<SipRequest, Buffer>();
  private readonly sessions = new Map<string, MsrpMediaSession>();

  private constructor(private readonly listener: MsrpListener, private readonly o: DeviceMsrpOptions) {}

  /** Open the listener; `bind` puts it on a port of the case's port range (port-range.ts). */
  static async open(o: DeviceMsrpOptions, bind: <T extends { readonly local: { port: number } }>(open: (port: number) => Promise<T>) => Promise<T>): Promise<DeviceMsrp> {
    const listener = await bind((port) => MsrpListener.open({ host: o.host, port, onTrace: onTap(o.tap), owner: o.owner, bindTimeoutMs: o.timeoutMs }));
    return new DeviceMsrp(listener, o);
  }

  /** The listener's port: the m= line's and the a=path's (RFC 4975 §8.1). */
  get port(): number {
    return this.listener.local.port;
  }

  /** An SDP offer naming a fresh URI of ours, a=setup:actpass (RFC 6135 §4.2). */
  offer(): Buffer {
    return this.describe(this.fresh('actpass'), 'actpass');
  }

  /** The SDP answer to `offer` (the request as it reached us), remembered for `of`. */
  answer(offer: SipRequest): Buffer {
    const peer = mediaDescription(offer.body);
    // §8.2 / RFC 6135: passive unless the offer leaves us no choice; the offerer then dials.
    const setup = answerSetup(peer?.setup, 'passive');
    const uri = this.fresh(setup, peer?.path);
    const body = this.describe(uri, setup);
    this.answers.set(offer, body);
    return body;
  }

  /** The SDP answer the device sent to this offer, if it answered it. */
  answerTo(offer: SipRequest): Buffer | undefined {
    return this.answers.get(offer);
  }

  /**
   * The MSRP session of an SDP exchange (one object per exchange, however often asked). Throws
   * when either SDP names no MSRP path or the two a=setup values leave no side to dial (RFC 6135
   * §4.2: holdconn, or both sides active or both passive): a case must not wait on that.
   */
  session(sdp: SessionSdp): MsrpMediaSession {
    const own = mediaDescription(sdp.own);
    const peer = mediaDescription(sdp.peer);
    if (!own || !peer) throw new Error(`${this.o.owner}: the ${own ? 'peer\'s' : 'own'} SDP of this session names no MSRP a=path (RFC 4975 §8.2)`);
    const mine = own.path[own.path.length - 1]!;
    const local = mine.sessionId !== undefined ? this.locals.get(mine.sessionId) : undefined;
    if (!local || !sameMsrpUri(local.uri, mine)) throw new Error(`${this.o.owner}: ${formatMsrpUri(mine)} is not one of its own MSRP URIs`);
    const existing = this.sessions.get(mine.sessionId!);
    if (existing) return existing;
    const role = connectionRole(sdp.weOffered, sdp.weOffered ? own.setup : peer.setup, sdp.weOffered ? peer.setup : own.setup);
    if (!role) throw new Error(`${this.o.owner}: a=setup ${own.setup ?? '(none)'} against the peer's ${peer.setup ?? '(none)'} leaves no side to open the MSRP connection (RFC 6135 §4.2)`);
    local.expected.setRemotePath(peer.path);
    const s = new MsrpMediaSession(local.uri, peer.path, role, local.expected, this.o);
    this.sessions.set(mine.sessionId!, s);
    return s;
  }

  /** The MSRP session of a 1-1 session set up by session.ts establishSession, as its caller or its callee. */
  of(s: { invite: SipRequest; inviteAtCallee: SipRequest; answer: SipResponse }, side: 'caller' | 'callee'): MsrpMediaSession {
    if (side === 'caller') return this.session({ own: s.invite.body, peer: s.answer.body, weOffered: true });
    const own = this.answerTo(s.inviteAtCallee);
    if (!own) throw new Error(`${this.o.owner} did not answer this session's INVITE`);
    return this.session({ own, peer: s.inviteAtCallee.body, weOffered: false });
  }

  /** Close every MSRP session (teardown: the SIP sessions are gone); the listener stays for the device. */
  async closeSessions(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    const expectations = [...this.locals.values()].map((l) => l.expected);
    this.locals.clear();
    await Promise.allSettled([...all.map((s) => s.close()), ...expectations.map((c) => c.close())]);
  }

  /** Close the sessions and the listener (the device closes). */
  async close(): Promise<void> {
    await this.closeSessions();
    await this.listener.close();
  }

  private fresh(setup: SetupValue, peerPath?: readonly MsrpUri[]): MsrpUri {
    // The URI carries the advertised host: what the peer dials and names in its To-Path (§6, §7.1.1).
    const uri: MsrpUri = { ...this.listener.uri(), host: this.o.advertisedHost };
    const expected = this.listener.expect({ localUri: uri, ...(peerPath ? { remotePath: peerPath } : {}), transactionTimeoutMs: this.o.timeoutMs });
    this.locals.set(uri.sessionId!, { uri, expected, setup });
    return uri;
  }

  private describe(uri: MsrpUri, setup: SetupValue): Buffer {
    return msrpDescription(this.o.advertisedHost, this.port, formatMsrpUri(uri), setup === 'holdconn' ? 'actpass' : setup);
  }
}
