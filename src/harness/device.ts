/**
 * A CPM Client device played by the harness (design §1): one user may have several. It registers
 * with `+sip.instance` (RFC 5626 §4.1) and digest auth, sends and answers CPM Session Invitations
 * with an MSRP SDP, and collects every request it receives so a case can expect it — or fail on it
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
import { authorize } from '../sip/digest';
import { createResponse } from '../sip/request-builder';
import { newBranch, newCallId, newTag } from '../sip/ids';
import { routes } from '../sip/headers/route';
import { contactInstance, contacts } from '../sip/headers/contact';
import { unquote } from '../sip/headers/lex';
import { hostPortUri, uriAddress } from './addressing';
import { msrpOffer } from './sdp';
import { matchMessage, type MessageTemplate } from './template';

/** A transaction's final response, or null when none arrives within timeoutMs (never waits for Timer B/F). */
export async function finalWithin(tx: ClientTransaction, timeoutMs: number): Promise<SipResponse | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  try {
    return await Promise.race([tx.final, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * RFC 5627 §5.2: the registrar returns each GRUU as the `pub-gruu` parameter of the Contact that
 * carries the instance's `+sip.instance` in the REGISTER's 200 (OK).
 */
function pubGruu(res: SipResponse, instanceId: string): string | undefined {
  for (const c of contacts(res)) {
    if (contactInstance(c) !== instanceId) continue;
    const g = c.params['pub-gruu'];
    if (typeof g === 'string' && g.length > 0) return unquote(g);
  }
  return undefined;
}

/** The CPM session ICSI (design §2), as a feature tag value (RFC 3840) and as a service URN. */
export const CPM_ICSI_URN = 'urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session';
export const CPM_ICSI_TAG = `+g.3gpp.icsi-ref="${encodeURIComponent(CPM_ICSI_URN)}"`;
/** The OMA SIMPLE IM feature tag (OMA-TS-SIMPLE_IM §5.2), for a SUT that still identifies the service the legacy way. */
export const OMA_SIP_IM_TAG = '+g.oma.sip-im';

/** How a device identifies the CPM service (binding knob serviceIdentification, design §2). */
export type ServiceIdentification = 'cpm-icsi' | 'oma-sip-im';

export interface DeviceOptions {
  name: string;
  aor: string;
  username: string;
  password?: string;
  transport: Transport;
  /** Where the device sends out-of-dialog requests (PF A in direct topology, its core otherwise). */
  outbound: Address;
  /** The MSRP port its SDP names (a port of local.ports, src/harness/port-range.ts); default: the SIP port + 1. */
  msrpPort?: number;
  timers: TimerSettings;
  /** IXIT response timeout: the longest a device waits for a final response (a dead SUT ends a case in time). */
  responseTimeoutMs: number;
  /** Feature tags in Contact / Accept-Contact (default the CPM ICSI). */
  service?: ServiceIdentification;
  /** User-Agent of the device's requests (IXIT userAgent), none when absent. */
  userAgent?: string;
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
  /** ACKs sent for 2xx, by Call-ID and CSeq number, to re-send on each 2xx retransmission (RFC 3261 §13.2.2.4). */
  private readonly sentAcks = new Map<string, { ack: SipRequest; dest: Address }>();
  private cseq = 1;
  private readonly username: string;
  private readonly password?: string;
  readonly outbound: Address;
  private readonly responseTimeoutMs: number;
  private readonly service: ServiceIdentification;
  private readonly userAgent?: string;
  /** The public GRUU the registrar assigned to this instance (RFC 5627 §5.2 `pub-gruu`), once registered. */
  gruu?: string;

  constructor(opts: DeviceOptions) {
    this.responseTimeoutMs = opts.responseTimeoutMs;
    this.service = opts.service ?? 'cpm-icsi';
    this.userAgent = opts.userAgent;
    this.name = opts.name;
    this.aor = opts.aor;
    this.username = opts.username;
    this.password = opts.password;
    this.transport = opts.transport;
    this.outbound = opts.outbound;
    this.msrpPortOption = opts.msrpPort;
    // No automatic 100 Trying: a case decides when (and whether) a device sends a provisional (RFC 3261 §9.1 cases).
    this.endpoint = new SipEndpoint({ transports: [opts.transport], timers: opts.timers, name: opts.name, autoTrying: false });
    this.endpoint.onRequest((tx) => this.onRequest(tx));
    this.endpoint.onAck((ack) => this.acks.push(ack));
    this.endpoint.onInbound((m) => this.reAck(m.message));
  }

  /** A 2xx to an INVITE we already ACKed is a retransmission: our ACK was lost, send it again. */
  private reAck(msg: SipMessage | null): void {
    if (!msg || msg.kind !== 'response' || msg.status < 200 || msg.status >= 300) return;
    const cs = header(msg, 'CSeq')?.split(/\s+/);
    if (!cs || cs[1] !== 'INVITE') return;
    const sent = this.sentAcks.get(`${header(msg, 'Call-ID')} ${cs[0]}`);
    if (sent) void this.endpoint.send(sent.ack, sent.dest);
  }

  get address(): Address {
    return this.transport.local;
  }

  private readonly msrpPortOption: number | undefined;

  /**
   * Where the SUT reaches this device: its socket, or behind NAT the advertised host (target config
   * local.advertisedHost) on the same port. Contact, Via sent-by and SDP carry it; `address` stays
   * the socket the harness itself sends to.
   */
  get advertised(): Address {
    return sentBy(this.transport);
  }

  /** The MSRP port of this device's SDP (m= line, a=path; RFC 4566 §5.14, RFC 4975 §8.2). */
  get msrpPort(): number {
    return this.msrpPortOption ?? this.address.port + 1;
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

  /** How a transfer names this device (design §2 knob): its contact, or its GRUU (undefined when the SUT gave none). */
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

  /** Send a request to the outbound (or the dialog's next hop) and retry once with credentials on 401/407 (RFC 3261 §22.2). */
  async send(req: SipRequest, dest: Address = this.nextHop(req)): Promise<{ tx: ClientTransaction; response: SipResponse | null }> {
    let tx = this.endpoint.request(req, dest);
    let response = await finalWithin(tx, this.responseTimeoutMs);
    if (response && (response.status === 401 || response.status === 407) && this.password !== undefined) {
      const challenge = header(response, response.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
      if (challenge) {
        const retry: SipRequest = { ...req, headers: req.headers.filter((h) => !/^via$/i.test(h.name)).map((h) => ({ ...h })) };
        const seq = this.cseq++;
        setHeader(retry, 'CSeq', `${seq} ${req.method}`);
        let value: string | undefined;
        try {
          value = authorize(challenge, { username: this.username, password: this.password, method: req.method, uri: req.uri, body: req.body }, 1);
        } catch {
          // A challenge we cannot answer (malformed by the SUT): the 401/407 stays the final answer and the case shows it.
        }
        if (value !== undefined) {
          setHeader(retry, response.status === 401 ? 'Authorization' : 'Proxy-Authorization', value);
          tx = this.endpoint.request(retry, dest);
          response = await finalWithin(tx, this.responseTimeoutMs);
        }
      }
    }
    return { tx, response };
  }

  /** Where a request goes next: its first Route (loose routing, §16.12), else the outbound. */
  nextHop(req: SipRequest): Address {
    const r = routes(req, 'Route')[0];
    const a = r ? uriAddress(r.uri) : null;
    if (a) return a;
    if (headerFields(req, 'To').some((f) => /;\s*tag=/i.test(f.value))) return uriAddress(req.uri) ?? this.outbound;
    return this.outbound;
  }

  /** REGISTER this device (RFC 3261 §10.2) with its instance id. */
  async register(registrarDomain: string, expires: number): Promise<SipResponse | null> {
    const req = this.newRequest('REGISTER', `sip:${registrarDomain}`, this.aor, [
      { name: 'Expires', value: String(expires) },
      { name: 'Supported', value: 'path, gruu, outbound' },
    ]);
    setHeader(req, 'To', `<${this.aor}>`);
    const { response } = await this.send(req, this.outbound);
    if (response && response.status >= 200 && response.status < 300) this.gruu = pubGruu(response, this.instanceId) ?? this.gruu;
    return response;
  }

  /** A CPM Session Invitation (design §2): MSRP SDP, ICSI, Conversation-ID and Contribution-ID. */
  inviteRequest(to: string, opts: { conversationId?: string; contributionId?: string; extra?: HeaderField[] } = {}): SipRequest {
    // RFC 4566 §5.2/§5.7 o=/c= and RFC 4975 §9 a=path: where the SUT reaches this device's MSRP.
    const body = msrpOffer(this.advertised.host, this.msrpPort, randomUUID().slice(0, 8), 'actpass');
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
      res.body = msrpOffer(this.advertised.host, this.msrpPort, randomUUID().slice(0, 8), 'passive');
      addHeader(res, 'Content-Type', 'application/sdp');
    }
    await tx.respond(res);
    return status >= 200 && status < 300 ? Dialog.fromUas(tx.request, tag, this.contactUri) : null;
  }

  /** Accept a re-INVITE (RFC 3261 §14.2): 200 in the existing dialog (its To tag kept) with our MSRP answer. */
  answerReinvite(tx: ServerTransaction): Promise<void> {
    const res = createResponse(tx.request, 200);
    addHeader(res, 'Contact', this.contact);
    res.body = msrpOffer(this.advertised.host, this.msrpPort, randomUUID().slice(0, 8), 'passive');
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
    this.sentAcks.set(`${header(ack, 'Call-ID')} ${inviteSeq}`, { ack, dest });
    await this.endpoint.send(ack, dest);
    return ack;
  }

  /** Send an in-dialog request (BYE, REFER, NOTIFY, ...) along the dialog's route set. */
  inDialog(dialog: Dialog, method: string, extra: HeaderField[] = [], body?: Buffer, contentType?: string): Promise<{ tx: ClientTransaction; response: SipResponse | null }> {
    const req = dialog.createRequest(method);
    for (const h of extra) addHeader(req, h.name, h.value);
    if (body) {
      req.body = body;
      if (contentType) setHeader(req, 'Content-Type', contentType);
    }
    return this.send(req, this.nextHop(req));
  }

  /** Raw octets to any address: to send odd messages on purpose. */
  sendRaw(data: Buffer, dest: Address): Promise<void> {
    return this.endpoint.send(data, dest);
  }

  close(): Promise<void> {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(null);
    }
    this.waiters = [];
    return this.endpoint.close();
  }
}
