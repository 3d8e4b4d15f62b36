/**
 * The Conversation Server in the media path of a B2BUA session (5.2.5.1.1 ¶5: "the CS stays in the
 * media path"; docs/cpm-sip-binding.md, CS stays in the media path): the CS is the MSRP endpoint
 * of each leg, with its own a=path on each (RFC 4975 §8.2), and relays what one leg sends to the
 * other — each SEND chunk with its Message-ID, Byte-Range, report headers, content type and body
 * unchanged, each REPORT with its Message-ID, Byte-Range and Status unchanged — rewriting only the
 * path headers, which name the hops of each leg (§7.1.1, §7.1.2). This is a back-to-back endpoint,
 * not an RFC 4976 relay: the devices see the CS as their peer, which is what the CS's SDP says.
 *
 * Under `role: 'relay'` (the binding's `csMsrpRole: relay`) the same bridge acts as an RFC 4976
 * relay instead: the a=path it gives a device is its URI of that leg first and the far device's
 * path after it (RFC 4976 §6); a request is for it when its To-Path begins with that URI (§7.1);
 * what it forwards has its URI put first in the From-Path, before the hops the request came through
 * (§7.1, RFC 4975 §7.1.1), and the To-Path of the device that holds the other side of the session
 * now — after a transfer or a pull, the rest of the sender's To-Path still names the device that
 * left, and the CS, which keeps the session, is the one that knows where it went (5.2.5.1.1 ¶5).
 * SEND responses stay hop by hop (RFC 4976 §7.1; RFC 4975 §7.2), REPORTs are forwarded like SENDs,
 * and the bodiless SEND that binds a device's connection is answered, not forwarded: each device's
 * connection is to the relay, which binds its own hops (RFC 4975 §5.4).
 *
 * Connections: the CS offers and answers a=setup:passive where it may (RFC 4145 §4.1, as RFC 6135
 * applies it to MSRP), so each device dials the CS when it first uses the session; a leg on which
 * the CS must be active is dialled once the other leg is bound. The CS answers each SEND itself
 * (§7.2: a transaction response is hop by hop) and leaves success REPORTs to the far device, whose
 * REPORT it relays, so the sender gets exactly one. Bounded: frames wait for the other leg at most
 * `timeoutMs`, each direction keeps its order, and every connection closes with its session.
 */
import type { MsrpHeaderField, MsrpRequest } from '../msrp/message';
import { H, header } from '../msrp/message';
import { responseWanted } from '../msrp/build';
import { MsrpConnection } from '../msrp/connection';
import { transactionIdFor } from '../msrp/ids';
import { MsrpListener } from '../msrp/listener';
import { answerSetup, connectionRole, messageMedia, type ConnectionRole, type SetupValue } from '../msrp/sdp';
import { formatMsrpUri, formatPath, parsePath, sameMsrpUri, type MsrpUri } from '../msrp/uri';
import type { FaultSet } from './faults';
import type { CsMsrpRole } from './options';
import { afterJoin, type AfterJoinFaults } from './msrp-relay-faults';

/** The a=path, a=setup and a=accept-types of the first `m=message` section (RFC 4975 §8.1, §8.6). */
function describeMedia(sdp: Buffer): { path: MsrpUri[]; setup: SetupValue | undefined; acceptTypes: string } | null {
  const media = messageMedia(sdp);
  return media && { path: media.path, setup: media.setup, acceptTypes: media.acceptTypes ?? 'message/cpim text/plain' };
}

/** One leg's MSRP endpoint of the CS: our URI on the listener, the device's path, and its connection once open. */
class RelayLeg {
  remotePath: MsrpUri[] = [];
  role: ConnectionRole = 'passive';
  /** Source address of the connection when we dial (the `trf-mp-msrp-foreign-host` fault); the OS picks it otherwise. */
  dialFrom: string | undefined;
  /** As a relay, the hops behind us when we dial (RFC 4976 §7.1): the From-Path of our binding SEND after our URI. */
  behind: (() => readonly MsrpUri[]) | undefined;
  private opening: Promise<MsrpConnection> | undefined;
  private dialled: MsrpConnection | undefined;

  constructor(readonly expected: MsrpConnection, private readonly timeoutMs: number, private readonly onRequest: (leg: RelayLeg, req: MsrpRequest) => void) {
    expected.onRequest((req) => this.onRequest(this, req));
  }

  get localUri(): MsrpUri {
    return this.expected.localUri;
  }

  /** The connection: bound by the device (passive), or dialled by us (active), once; bounded by timeoutMs. */
  ready(): Promise<MsrpConnection> {
    this.opening ??= (async () => {
      if (this.role === 'passive') {
        await this.expected.waitBound(this.timeoutMs);
        return this.expected;
      }
      await this.expected.close();
      const conn = await MsrpConnection.connect({
        localUri: this.localUri, remotePath: this.remotePath, autoRespond: false, connectTimeoutMs: this.timeoutMs, transactionTimeoutMs: this.timeoutMs,
        ...(this.dialFrom ? { localHost: this.dialFrom } : {}),
        ...(this.behind ? { bindingFromPath: [this.localUri, ...this.behind()] } : {}),
      });
      conn.onRequest((req) => this.onRequest(this, req));
      return (this.dialled = conn);
    })();
    return this.opening;
  }

  /**
   * Forget what the connection reassembled and the REPORTs it kept: the relay forwards frames as
   * they come and never reads them back, so nothing should pile up over a long session.
   */
  discardReceived(): void {
    for (const c of [this.expected, this.dialled]) {
      c?.messages.drain();
      c?.reports.drain();
    }
  }

  async close(): Promise<void> {
    await this.expected.close();
    await this.dialled?.close();
  }
}

/** The MSRP side of one B2BUA session: the caller's leg (`in`) and the callee's (`out`). */
export class MsrpBridge {
  readonly offer: Buffer;
  /** The caller's side; a transfer target or a puller that joins takes it over (`rejoin`). */
  private in: RelayLeg;
  /** Another device took the caller's side (a transfer or pull): the `trf-mp-msrp-*` faults act from then on. */
  private joined = false;
  /** The caller's leg a rejoin replaced, kept open only under `trf-mp-msrp-to-old-device`. */
  private oldIn: RelayLeg | undefined;
  private readonly out: RelayLeg;
  private readonly callerSetup: SetupValue | undefined;
  private readonly acceptTypes: string;
  /** Per direction, the frames in the order they arrived (§7.1.1: chunks in order on each hop). */
  private readonly queues = new Map<RelayLeg, Promise<void>>();
  private closed = false;

  constructor(private readonly relay: MsrpRelay, callerOffer: NonNullable<ReturnType<typeof describeMedia>>) {
    const onRequest = (leg: RelayLeg, req: MsrpRequest) => this.onRequest(leg, req);
    this.in = new RelayLeg(relay.listener.expect({ localUri: relay.uri(), remotePath: callerOffer.path, autoRespond: false, transactionTimeoutMs: relay.timeoutMs }), relay.timeoutMs, onRequest);
    this.out = new RelayLeg(relay.listener.expect({ localUri: relay.uri(), autoRespond: false, transactionTimeoutMs: relay.timeoutMs }), relay.timeoutMs, onRequest);
    this.in.remotePath = callerOffer.path;
    this.asRelay(this.in);
    this.asRelay(this.out);
    this.callerSetup = callerOffer.setup;
    this.acceptTypes = callerOffer.acceptTypes;
    // Our offer on the callee's leg: passive, so the callee dials us (RFC 4145 §4.1).
    this.offer = relay.sdp(this.ourPath(this.out), 'passive', this.acceptTypes);
    const ours = answerSetup(this.callerSetup, 'passive');
    this.in.role = connectionRole(false, this.callerSetup, ours) ?? 'passive';
  }

  /** The callee's answer arrived (on `final`, the session's 2xx): learn its path, answer the caller with ours. */
  answer(calleeAnswer: Buffer, final: boolean): Buffer {
    const callee = describeMedia(calleeAnswer);
    if (callee && final) {
      this.out.remotePath = callee.path;
      this.out.expected.setRemotePath(callee.path);
      this.out.role = connectionRole(true, 'passive', callee.setup) ?? 'passive';
    }
    return this.relay.sdp(this.ourPath(this.in, callee?.path), answerSetup(this.callerSetup, 'passive'), this.acceptTypes);
  }

  /**
   * Another device takes the caller's side of the session (a transfer target or a puller the CS
   * answers itself, 5.2.5.1.1 ¶5: the CS stays in the media path): a fresh leg of ours for it, the
   * old leg closed, and our SDP answer to its offer. Null when the offer names no MSRP path.
   */
  rejoin(offer: Buffer): Buffer | null {
    const media = describeMedia(offer);
    if (!media || this.closed) return null;
    const old = this.in;
    this.joined = true;
    this.in = new RelayLeg(this.relay.listener.expect({ localUri: this.relay.uri(), remotePath: media.path, autoRespond: false, transactionTimeoutMs: this.relay.timeoutMs }), this.relay.timeoutMs, (leg, req) => this.onRequest(leg, req));
    this.in.remotePath = media.path;
    this.asRelay(this.in);
    const ours = this.joinSetup(media.setup);
    this.in.role = connectionRole(false, media.setup, ours) ?? 'passive';
    if (this.relay.faults?.has('trf-mp-msrp-to-old-device')) this.oldIn = old;
    else void old.close();
    return this.relay.sdp(this.ourPath(this.in), ours, media.acceptTypes);
  }

  /**
   * Our a=setup towards the device that joins: passive where we may (RFC 4145 §4.1), so it dials us.
   * trf-mp-msrp-holdconn: an answer that lets no side connect (RFC 4145 §4); our leg then waits, as
   * a passive one does. trf-mp-msrp-foreign-host: active, dialled from a host that is not ours.
   */
  private joinSetup(offer: SetupValue | undefined): SetupValue {
    if (this.relay.faults?.has('trf-mp-msrp-holdconn')) return 'holdconn';
    const foreign = this.relay.faults?.has('trf-mp-msrp-foreign-host') ? this.relay.foreignHost : undefined;
    if (foreign && offer !== 'active') {
      this.in.dialFrom = foreign;
      return 'active';
    }
    return answerSetup(offer, 'passive');
  }

  /** As an RFC 4976 relay, a leg we dial names behind us the device that holds the other side now (§7.1). */
  private asRelay(leg: RelayLeg): void {
    if (this.relay.role === 'relay') leg.behind = () => (leg === this.out ? this.in : this.out).remotePath;
  }

  /** The a=path we give the device on `leg`: our URI alone (b2bua), or ours first and the far device's after it (RFC 4976 §6). */
  private ourPath(leg: RelayLeg, far: readonly MsrpUri[] = (leg === this.out ? this.in : this.out).remotePath): MsrpUri[] {
    return this.relay.role === 'b2bua' ? [leg.localUri] : [leg.localUri, ...far];
  }

  async close(): Promise<void> {
    this.closed = true;
    this.relay.forget(this);
    await Promise.allSettled([this.in.close(), this.out.close(), this.oldIn?.close()]);
  }

  private onRequest(from: RelayLeg, req: MsrpRequest): void {
    from.discardReceived();
    // A leg a rejoin replaced carries nothing more of this session.
    if (this.closed || (from !== this.in && from !== this.out)) return;
    const to = parsePath(header(req, H.toPath) ?? '').uris;
    const last = to[to.length - 1];
    const answer = (status: number) => void from.ready().then((c) => c.respond(req, status)).catch(() => undefined);
    const fault = this.joined ? afterJoin(this.relay.faults) : null;
    const other = from === this.in ? this.out : this.in;
    const farEnd = other.remotePath;
    // §7.3: a request whose To-Path does not end in our URI of this leg is not for this session; a
    // relay's is the first (RFC 4976 §7.1). Out of the MSRP path, a CS takes what is addressed to the
    // far device too; naming the wrong one of its URIs, what is addressed to its other leg.
    const ours = this.relay.role === 'relay' ? to[0] : last;
    const forUs = ours !== undefined && last !== undefined && (sameMsrpUri(ours, from.localUri)
      || (fault?.leavesPath === true && farEnd.length > 0 && sameMsrpUri(last, farEnd[farEnd.length - 1]!))
      || (fault?.fromPathOtherLeg === true && sameMsrpUri(ours, other.localUri)));
    if (!forUs) {
      if (responseWanted(req, 481)) answer(481);
      return;
    }
    if (req.method !== 'SEND' && req.method !== 'REPORT') {
      if (responseWanted(req, 501)) answer(501);
      return;
    }
    const refused = fault?.refuses(req, from === this.out) ?? null;
    if (refused !== null) {
      if (responseWanted(req, refused)) answer(refused);
      return;
    }
    // §7.2: the transaction response is this hop's; the far device's own answers stay on its leg.
    if (req.method === 'SEND' && responseWanted(req, 200)) answer(200);
    // The bodiless SEND that bound this leg (§5.4) binds nothing on the other: it is not relayed.
    if (req.method === 'SEND' && req.body === null) {
      this.openOther(from);
      return;
    }
    if (fault?.drops(req, from === this.out)) return;
    this.relayTo(from, other, req, fault);
    // The transferor's leg, kept under trf-mp-msrp-to-old-device, gets the transferee's frames too.
    if (from === this.out && fault?.toOldDevice && this.oldIn) this.relayTo(from, this.oldIn, req, fault);
  }

  /** Write the frame on the other leg, after what that leg was sent before (§7.1.1: chunks in order on each hop). */
  private relayTo(from: RelayLeg, other: RelayLeg, req: MsrpRequest, fault: AfterJoinFaults | null): void {
    const previous = this.queues.get(other) ?? Promise.resolve();
    const next = previous.then(async () => {
      const c = await other.ready();
      // trf-mp-msrp-from-path-other-leg: the URI we name as the sender's hop is the one of the leg the frame came in on.
      const frame = this.rewritten(req, other, fault?.fromPathOtherLeg ? from.localUri : other.localUri);
      await c.write(fault ? fault.alter(frame, req) : frame);
    }).catch(() => undefined);
    this.queues.set(other, next);
  }

  /** A leg just bound: the other leg, if it is ours to dial, is dialled now, so frames can flow either way. */
  private openOther(from: RelayLeg): void {
    const other = from === this.in ? this.out : this.in;
    if (other.role === 'active' && other.remotePath.length > 0) other.ready().catch(() => undefined);
  }

  /**
   * The frame for the other leg: its path headers name that leg's hops; everything else as it came
   * (§7.1.1, §7.1.2). `hop` is our URI on it: the From-Path as the endpoint of the leg (b2bua), or
   * put before the hops the request came through (relay, RFC 4976 §7.1).
   */
  private rewritten(req: MsrpRequest, leg: RelayLeg, hop: MsrpUri): MsrpRequest {
    const came = this.relay.role === 'relay' ? parsePath(header(req, H.fromPath) ?? '').uris : [];
    const headers: MsrpHeaderField[] = req.headers.map((h) => {
      const n = h.name.toLowerCase();
      if (n === H.toPath.toLowerCase()) return { name: h.name, value: formatPath(leg.remotePath) };
      if (n === H.fromPath.toLowerCase()) return { name: h.name, value: formatPath([hop, ...came]) };
      return { ...h };
    });
    return { ...req, headers, transactionId: transactionIdFor(req.body) };
  }
}

export interface MsrpRelayOptions {
  /** IP literal the listener binds and our URIs name (the CS's MSRP host). */
  host: string;
  /** The server's faults: the `trf-mp-msrp-*` ones act on the media after a transfer or pull (msrp-relay-faults.ts). */
  faults?: FaultSet;
  /** Bound on connecting, on waiting for a leg, and on transactions. */
  timeoutMs?: number;
  /** The endpoint of each leg (default), or an RFC 4976 relay between them (options.ts, CsMsrpRole). */
  role?: CsMsrpRole;
}

/** Another loopback address than `host` (127.0.0.0/8 is all loopback), for the foreign-host fault; none for other hosts. */
function otherLoopback(host: string): string | undefined {
  if (!/^127\.\d+\.\d+\.\d+$/.test(host)) return undefined;
  return host === '127.0.0.2' ? '127.0.0.3' : '127.0.0.2';
}

/** The CS's MSRP listener and the bridges of its live B2BUA sessions. */
export class MsrpRelay {
  readonly timeoutMs: number;
  private readonly bridges = new Set<MsrpBridge>();

  /** A source address that is not the CS's MSRP host: where the `trf-mp-msrp-foreign-host` fault dials from. */
  readonly foreignHost: string | undefined;

  private constructor(readonly listener: MsrpListener, private readonly host: string, timeoutMs: number, readonly faults: FaultSet | undefined, readonly role: CsMsrpRole) {
    this.timeoutMs = timeoutMs;
    this.foreignHost = otherLoopback(host);
  }

  static async open(o: MsrpRelayOptions): Promise<MsrpRelay> {
    const listener = await MsrpListener.open({ host: o.host, port: 0, bindTimeoutMs: o.timeoutMs ?? 10_000, relay: o.role === 'relay' });
    return new MsrpRelay(listener, o.host, o.timeoutMs ?? 10_000, o.faults, o.role ?? 'b2bua');
  }

  /** A bridge for a session whose offer (the caller's SDP) names an MSRP path; null when it names none. */
  bridge(callerOffer: Buffer): MsrpBridge | null {
    const media = describeMedia(callerOffer);
    if (!media) return null;
    const b = new MsrpBridge(this, media);
    this.bridges.add(b);
    return b;
  }

  /** A fresh URI of ours (§6: the session-id makes it unguessable). */
  uri(): MsrpUri {
    return this.listener.uri();
  }

  /** An SDP naming `path` (ours first) as the MSRP path to the session (RFC 4975 §8.1, §8.2; RFC 4976 §6). */
  sdp(path: readonly MsrpUri[], setup: SetupValue, acceptTypes: string): Buffer {
    const v6 = this.host.includes(':');
    return Buffer.from([
      'v=0', `o=- ${Date.now()} 1 IN ${v6 ? 'IP6' : 'IP4'} ${this.host}`, 's=-', `c=IN ${v6 ? 'IP6' : 'IP4'} ${this.host}`, 't=0 0',
      `m=message ${this.listener.local.port} TCP/MSRP *`, `a=accept-types:${acceptTypes}`, `a=path:${path.map(formatMsrpUri).join(' ')}`, `a=setup:${setup}`, '',
    ].join('\r\n'));
  }

  forget(b: MsrpBridge): void {
    this.bridges.delete(b);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.bridges].map((b) => b.close()));
    await this.listener.close();
  }
}
