/**
 * A CPM Client device played by the harness (docs/architecture.md, Topologies): one user may have
 * several. It registers with `+sip.instance` (RFC 5626 §4.1) and digest auth, sends and answers CPM
 * Session Invitations with an MSRP SDP naming its MSRP listener (msrp-endpoint.ts), and collects every request it receives so a case can expect it — or fail on it
 * as unexpected.
 */
import { randomUUID } from 'node:crypto';
import type { HeaderField, SipMessage, SipRequest, SipResponse } from '../sip/message';
import { addHeader, header, headerFields, setHeader } from '../sip/message';
import { formatHostPort, type Address } from '../sip/transport/address';
import { sentBy, type Transport } from '../sip/transport/transport';
import type { TimerSettings } from '../sip/transaction/timers';
import { SipEndpoint, type ClientTransaction, type ServerTransaction } from '../sip/endpoint';
import { Dialog } from '../sip/dialog';
import { createResponse } from '../sip/request-builder';
import { newBranch, newCallId, newTag } from '../sip/ids';
import { routes } from '../sip/headers/route';
import { toTag } from '../sip/headers/name-addr';
import { hostPortUri, uriAddress, withoutDns } from './addressing';
import { msrpOffer } from './sdp';
import type { DeviceMsrp } from './msrp-endpoint';
import { matchMessage, type MessageTemplate } from './template';
import { CPM_ICSI_TAG, CPM_ICSI_URN, OMA_SIP_IM_TAG, type ServiceIdentification } from './cpm-service';

import { finalWithin } from './final-within';
import { DeviceRegistration } from './device-registration';

export { finalWithin };

export interface DeviceOptions {
  name: string;
  aor: string;
  username: string;
  password?: string;
  transport: Transport;
  /** Where the device sends out-of-dialog requests (PF A in direct topology, its core otherwise). */
  outbound: Address;
  /** Its MSRP side (msrp-endpoint.ts): a real listener whose URIs its SDP names; without it, the SIP port + 1 in SDP only. */
  msrp?: DeviceMsrp;
  timers: TimerSettings;
  /** IXIT response timeout: the longest a device waits for a final response (a dead SUT ends a case in time). */
  responseTimeoutMs: number;
  /** Feature tags in Contact / Accept-Contact (default the CPM ICSI). */
  service?: ServiceIdentification;
  /** User-Agent of the device's requests (IXIT userAgent), none when absent. */
  userAgent?: string;
  /** Digest realm of the user's credentials (config users[].realm); absent: whatever the challenge names. */
  realm?: string;
  /** Register once and answer later registrations from that binding while it lasts (a load slot; device-registration.ts). */
  holdBinding?: boolean;
}

interface Waiter {
  tpl: MessageTemplate;
  resolve: (tx: ServerTransaction | null) => void;
  timer: NodeJS.Timeout;
}

export class Device {
  readonly name: string;
  readonly aor: string;
  readonly instanceId = `urn:uuid:${randomUUID()}`;
  readonly endpoint: SipEndpoint;
  readonly transport: Transport;
  /** Requests received and not yet taken by an expectation (fail-on-unexpected looks here). */
  readonly inbox: ServerTransaction[] = [];
  /** Every request ever received, in order. */
  readonly received: ServerTransaction[] = [];
  readonly acks: SipRequest[] = [];
  /** CANCELs received, with the INVITE transaction each cancelled (the endpoint already answered 200, §9.2). */
  readonly cancels: Array<{ tx: ServerTransaction; cancel: SipRequest }> = [];
  /** Answer a cancelled INVITE 487 at once (RFC 3261 §9.2 UAS behaviour); a case may turn it off to race. */
  autoAnswerCancel = true;
  /** To tag this device uses on each INVITE it answers (one dialog per transaction, §12.1.1). */
  private readonly tags = new WeakMap<ServerTransaction, string>();
  private waiters: Waiter[] = [];
  /** Handlers that take a request before any expectation does (a device acting on its own); true = taken. */
  private readonly handlers: Array<(tx: ServerTransaction) => boolean> = [];
  /** ACKs sent for 2xx, by Call-ID, CSeq number and To tag, to re-send on each 2xx retransmission (RFC 3261 §13.2.2.4). */
  private readonly sentAcks = new Map<string, { ack: SipRequest; dest: Address }>();
  private cseq = 1;
  private readonly username: string;
  readonly outbound: Address;
  private readonly responseTimeoutMs: number;
  private readonly service: ServiceIdentification;
  private readonly userAgent?: string;
  /** Its REGISTERs and binding (device-registration.ts). */
  readonly registration: DeviceRegistration;

  constructor(opts: DeviceOptions) {
    this.responseTimeoutMs = opts.responseTimeoutMs;
    this.service = opts.service ?? 'cpm-icsi';
    this.userAgent = opts.userAgent;
    this.name = opts.name;
    this.aor = opts.aor;
    this.username = opts.username;
    this.transport = opts.transport;
    this.outbound = opts.outbound;
    this.msrp = opts.msrp;
    // No automatic 100 Trying: a case decides when (and whether) a device sends a provisional (RFC 3261 §9.1 cases).
    // A UA with credentials answers challenges on every request but ACK and CANCEL (RFC 3261 §22.2–22.3).
    const credentials = opts.password !== undefined ? { username: opts.username, password: opts.password, realm: opts.realm } : undefined;
    this.endpoint = new SipEndpoint({ transports: [opts.transport], timers: opts.timers, name: opts.name, autoTrying: false, credentials });
    this.endpoint.onRequest((tx) => this.onRequest(tx));
    this.endpoint.onAck((ack) => this.acks.push(ack));
    this.endpoint.onInbound((m) => this.reAck(m.message));
    this.registration = new DeviceRegistration({
      aor: this.aor, instanceId: this.instanceId, outbound: this.outbound, contact: this.contact,
      newRequest: (method, uri, to, extra) => this.newRequest(method, uri, to, extra),
      send: (req, dest) => this.send(req, dest),
      sentCseq: (n) => { if (n >= this.cseq) this.cseq = n + 1; },
    }, opts.holdBinding);
  }

  /** The public GRUU the registrar assigned to this instance (RFC 5627 §5.2 `pub-gruu`), once registered. */
  get gruu(): string | undefined {
    return this.registration.gruu;
  }

  /** Whether the SUT holds a binding of this device (a 2xx to its REGISTER, not yet removed). */
  get registered(): boolean {
    return this.registration.registered;
  }

  /** Settles when the last registration attempt has its outcome. */
  get registering(): Promise<void> {
    return this.registration.registering;
  }

  /** Set when the teardown begins: no REGISTER after that (device-registration.ts). */
  get closing(): boolean {
    return this.registration.closing;
  }

  set closing(v: boolean) {
    this.registration.closing = v;
  }

  /** A 2xx to an INVITE we already ACKed is a retransmission: our ACK was lost, send it again. */
  private reAck(msg: SipMessage | null): void {
    if (!msg || msg.kind !== 'response' || msg.status < 200 || msg.status >= 300) return;
    const cs = header(msg, 'CSeq')?.split(/\s+/);
    if (!cs || cs[1] !== 'INVITE') return;
    const sent = this.sentAcks.get(`${header(msg, 'Call-ID')} ${cs[0]} ${toTag(msg) ?? ''}`);
    if (sent) void this.endpoint.send(sent.ack, sent.dest);
  }

  get address(): Address {
    return this.transport.local;
  }

  /** Its MSRP listener and sessions (RFC 4975), when the topology gave it one. */
  readonly msrp: DeviceMsrp | undefined;

  /** The MSRP port of this device's SDP (m= line, a=path; RFC 4566 §5.14, RFC 4975 §8.2). */
  get msrpPort(): number {
    return this.msrp?.port ?? this.transport.local.port + 1;
  }

  /** An SDP offer (actpass) or the answer to `offer` (RFC 6135 §4.2), naming where its MSRP is reached. */
  private sdp(offer?: SipRequest): Buffer {
    if (this.msrp) return offer ? this.msrp.answer(offer) : this.msrp.offer();
    return msrpOffer(this.advertised.host, this.msrpPort, randomUUID().slice(0, 8), offer ? 'passive' : 'actpass');
  }

  /** Where the SUT reaches this device (Contact, Via, SDP): its socket, or the advertised host behind NAT. */
  get advertised(): Address {
    return sentBy(this.transport);
  }

  /** This device's contact URI (where it is reached; RFC 3261 §8.1.1.8). */
  get contactUri(): string {
    return hostPortUri(this.advertised, this.transport.protocol, this.username);
  }

  /** The feature tag that identifies the CPM service (RFC 3840), per the service identification knob. */
  get serviceTag(): string {
    return this.service === 'oma-sip-im' ? OMA_SIP_IM_TAG : CPM_ICSI_TAG;
  }

  /** Contact header value with the instance id and the service feature tag (RFC 5626 §4.1, RFC 3840). */
  get contact(): string {
    return `<${this.contactUri}>;+sip.instance="<${this.instanceId}>";${this.serviceTag}`;
  }

  /** How a transfer names this device (docs/cpm-sip-binding.md knob): its contact, or its GRUU (undefined when the SUT gave none). */
  addressFor(addressing: 'contact' | 'gruu' = 'contact'): string | undefined {
    return addressing === 'gruu' ? this.gruu : this.contactUri;
  }

  private onRequest(tx: ServerTransaction): void {
    this.received.push(tx);
    if (tx.request.method === 'INVITE') {
      tx.onCancel((cancel) => {
        this.cancels.push({ tx, cancel });
        if (this.autoAnswerCancel) void tx.respond(createResponse(tx.request, 487, 'Request Terminated', { toTag: this.tagFor(tx) })).catch(() => undefined);
      });
    }
    if (this.handlers.some((h) => h(tx))) return;
    const i = this.waiters.findIndex((w) => matchMessage(tx.request, w.tpl).length === 0);
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      clearTimeout(w.timer);
      w.resolve(tx);
      return;
    }
    this.inbox.push(tx);
  }

  /** Let the device act on some requests by itself (they never reach an expectation or the unexpected check). */
  handle(fn: (tx: ServerTransaction) => boolean): void {
    this.handlers.push(fn);
  }

  /** The next received request matching the template (already received or arriving within timeoutMs), or null. */
  waitForRequest(tpl: MessageTemplate, timeoutMs: number): Promise<ServerTransaction | null> {
    const i = this.inbox.findIndex((tx) => matchMessage(tx.request, tpl).length === 0);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    return new Promise((resolve) => {
      const w: Waiter = {
        tpl,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve(null);
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /** Base of an out-of-dialog request from this device (RFC 3261 §8.1.1). */
  newRequest(method: string, uri: string, to: string, extra: HeaderField[] = [], body?: Buffer, contentType?: string): SipRequest {
    const req: SipRequest = {
      kind: 'request', method, uri, version: 'SIP/2.0',
      headers: [
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `<${this.aor}>;tag=${newTag()}` },
        { name: 'To', value: `<${to}>` },
        { name: 'Call-ID', value: newCallId() },
        { name: 'CSeq', value: `${this.cseq++} ${method}` },
        { name: 'Contact', value: this.contact },
        ...(this.userAgent ? [{ name: 'User-Agent', value: this.userAgent }] : []),
        ...extra,
      ],
      body: body ?? Buffer.alloc(0),
    };
    if (body && contentType) addHeader(req, 'Content-Type', contentType);
    return req;
  }

  /**
   * Send a request to the outbound (or the dialog's next hop). A 401/407 challenge is answered by the
   * endpoint with the device's credentials (RFC 3261 §22.2, AuthenticatingTransaction).
   */
  async send(req: SipRequest, dest: Address = this.nextHop(req)): Promise<{ tx: ClientTransaction; response: SipResponse | null }> {
    const tx = this.endpoint.request(req, dest);
    return { tx, response: await finalWithin(tx, this.responseTimeoutMs) };
  }

  /**
   * Where a request goes next: its first Route (loose routing, §16.12), else the outbound. A host
   * name the SUT wrote (a Route, or a remote target — the To URI's domain when a 2xx came without
   * the Contact §12.1.2 requires) is not resolved: the harness never sends a DNS query for a
   * name the target config does not give (loopback/SUT only); the request goes to the outbound.
   */
  nextHop(req: SipRequest): Address {
    const r = routes(req, 'Route')[0];
    const a = r ? this.reachable(uriAddress(r.uri)) : null;
    if (a) return a;
    if (headerFields(req, 'To').some((f) => /;\s*tag=/i.test(f.value))) return this.reachable(uriAddress(req.uri)) ?? this.outbound;
    return this.outbound;
  }

  /** An address the harness may send to without a DNS query: an IP literal, or the outbound's own host. */
  private reachable(a: Address | null): Address | null {
    return withoutDns(a, [this.outbound.host]);
  }

  /** REGISTER this device (device-registration.ts; with holdBinding, the binding's 2xx while it lasts). None once closing. */
  register(registrarDomain: string, expires: number): Promise<SipResponse | null> {
    return this.registration.register(registrarDomain, expires);
  }

  /** Remove this device's own binding (RFC 3261 §10.2.2). Null when the SUT did not answer. */
  unregister(): Promise<SipResponse | null> {
    return this.registration.unregister();
  }

  /** A CPM Session Invitation (docs/cpm-sip-binding.md): MSRP SDP, ICSI, Conversation-ID and Contribution-ID. */
  inviteRequest(to: string, opts: { conversationId?: string; contributionId?: string; extra?: HeaderField[] } = {}): SipRequest {
    const body = this.sdp();
    return this.newRequest('INVITE', to, to, [
      { name: 'Accept-Contact', value: `*;${this.serviceTag}` },
      // RFC 6050: the ICSI as the preferred service; the legacy OMA SIMPLE IM identification has none.
      ...(this.service === 'cpm-icsi' ? [{ name: 'P-Preferred-Service', value: CPM_ICSI_URN }] : []),
      { name: 'Conversation-ID', value: opts.conversationId ?? randomUUID() },
      { name: 'Contribution-ID', value: opts.contributionId ?? randomUUID() },
      { name: 'Allow', value: 'INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, OPTIONS' },
      { name: 'Supported', value: 'replaces, tdialog' },
      ...(opts.extra ?? []),
    ], body, 'application/sdp');
  }

  /** The To tag of this device's answers to one INVITE. */
  tagFor(tx: ServerTransaction): string {
    let tag = this.tags.get(tx);
    if (!tag) {
      tag = newTag();
      this.tags.set(tx, tag);
    }
    return tag;
  }

  /** 180 Ringing on a received INVITE (an early dialog, §13.3.1.1). */
  ring(tx: ServerTransaction): Promise<void> {
    return tx.respond(createResponse(tx.request, 180, 'Ringing', { toTag: this.tagFor(tx) }));
  }

  /** Answer a received INVITE: optional provisional, then a final with our MSRP answer on 2xx. Returns the UAS dialog on 2xx. */
  async answer(tx: ServerTransaction, status = 200, opts: { ringing?: boolean } = {}): Promise<Dialog | null> {
    const tag = this.tagFor(tx);
    if (opts.ringing) await this.ring(tx);
    const res = createResponse(tx.request, status, undefined, { toTag: tag });
    if (status >= 200 && status < 300) {
      addHeader(res, 'Contact', this.contact);
      res.body = this.sdp(tx.request);
      addHeader(res, 'Content-Type', 'application/sdp');
    }
    await tx.respond(res);
    return status >= 200 && status < 300 ? Dialog.fromUas(tx.request, tag, this.contactUri) : null;
  }

  /** Accept a re-INVITE (RFC 3261 §14.2): 200 in the existing dialog (its To tag kept) with our MSRP answer. */
  answerReinvite(tx: ServerTransaction): Promise<void> {
    const res = createResponse(tx.request, 200);
    addHeader(res, 'Contact', this.contact);
    res.body = this.sdp(tx.request);
    addHeader(res, 'Content-Type', 'application/sdp');
    return tx.respond(res);
  }

  /** Answer any in-dialog request (e.g. BYE) with a final response. */
  respond(tx: ServerTransaction, status: number, reason?: string): Promise<void> {
    return tx.respond(createResponse(tx.request, status, reason));
  }

  /** ACK a 2xx to INVITE (RFC 3261 §13.2.2.4: CSeq number of the INVITE, sent end to end without a transaction). */
  async ack(dialog: Dialog, invite: SipRequest): Promise<SipRequest> {
    const ack = dialog.createRequest('ACK');
    const inviteSeq = header(invite, 'CSeq')?.split(/\s+/)[0] ?? '1';
    setHeader(ack, 'CSeq', `${inviteSeq} ACK`);
    // The ACK for a 2xx carries its own branch (§17.1.1.3 applies only to non-2xx).
    addHeader(ack, 'Via', `SIP/2.0/${this.transport.protocol.toUpperCase()} ${formatHostPort(this.advertised)};branch=${newBranch()};rport`, 'top');
    const dest = this.nextHop(ack);
    // Per dialog (To tag too): a forked INVITE's 2xx answers open one dialog each (§13.2.2.4).
    this.sentAcks.set(`${header(ack, 'Call-ID')} ${inviteSeq} ${toTag(ack) ?? ''}`, { ack, dest });
    await this.endpoint.send(ack, dest);
    return ack;
  }

  /** Forget the ACKs kept for 2xx retransmissions (§13.2.2.4): their dialogs are closed (a load slot between flows). */
  forgetSentAcks(): void {
    this.sentAcks.clear();
  }

  /** Send an in-dialog request (BYE, REFER, NOTIFY, ...) along the dialog's route set. */
  async inDialog(dialog: Dialog, method: string, extra: HeaderField[] = [], body?: Buffer, contentType?: string): Promise<{ tx: ClientTransaction; response: SipResponse | null }> {
    const req = dialog.createRequest(method);
    for (const h of extra) addHeader(req, h.name, h.value);
    if (body) {
      req.body = body;
      if (contentType) setHeader(req, 'Content-Type', contentType);
    }
    const out = await this.send(req, this.nextHop(req));
    // A challenge answered with CSeq + 1 (§22.2) moves the dialog's local sequence on with it (§12.2.1.1).
    const sent = Number(header(out.tx.request, 'CSeq')?.split(/\s+/)[0]);
    if (Number.isInteger(sent) && sent > (dialog.localSeq ?? 0)) dialog.localSeq = sent;
    return out;
  }

  /** Raw octets to any address: to send odd messages on purpose. */
  sendRaw(data: Buffer, dest: Address): Promise<void> {
    return this.endpoint.send(data, dest);
  }

  async close(): Promise<void> {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(null);
    }
    this.waiters = [];
    await this.msrp?.close();
    return this.endpoint.close();
  }
}
