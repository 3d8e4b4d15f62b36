/**
 * A minimal CPM client for the reference server's own tests, built on the SIP engine only (not
 * the harness): registers with +sip.instance, sends and answers INVITEs with an MSRP SDP, records
 * what it receives.
 */
import { randomUUID } from 'node:crypto';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message';
import { addHeader, header, setHeader } from '../../../src/sip/message';
import type { TransportProtocol, Address } from '../../../src/sip/transport/address';
import { Tap } from '../../../src/sip/transport/tap';
import { createTransport } from '../../../src/sip/transport/factory';
import { SipEndpoint, type ServerTransaction, type ClientTransaction } from '../../../src/sip/endpoint';
import { Dialog } from '../../../src/sip/dialog';
import { createRequest, createResponse } from '../../../src/sip/request-builder';
import { newTag } from '../../../src/sip/ids';
import { routes } from '../../../src/sip/headers/route';
import { parseUri } from '../../../src/sip/uri';
import { topVia } from '../../../src/sip/headers/via';

export const DOMAIN = 'cpm.example.com';
export const TIMERS = { t1: 50, t2: 400, t4: 500 };

export function sdp(host: string, port: number): Buffer {
  return Buffer.from([
    'v=0', `o=- 1 1 IN IP4 ${host}`, 's=-', `c=IN IP4 ${host}`, 't=0 0',
    `m=message ${port} TCP/MSRP *`, 'a=accept-types:message/cpim text/plain',
    `a=path:msrp://${host}:${port}/${randomUUID().slice(0, 8)};tcp`, '',
  ].join('\r\n'));
}

export class TestUa {
  readonly requests: ServerTransaction[] = [];
  readonly acks: SipRequest[] = [];
  private waiters: Array<{ method: string; resolve: (tx: ServerTransaction | null) => void; timer: NodeJS.Timeout }> = [];
  readonly instanceId = `urn:uuid:${randomUUID()}`;

  private constructor(readonly user: string, readonly endpoint: SipEndpoint, readonly protocol: TransportProtocol, readonly tap: Tap) {
    endpoint.onRequest((tx) => {
      const i = this.waiters.findIndex((w) => w.method === tx.request.method);
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        clearTimeout(w.timer);
        w.resolve(tx);
      } else this.requests.push(tx);
    });
    endpoint.onAck((ack) => this.acks.push(ack));
  }

  /** `autoTrying: false` keeps the device silent (no 100 Trying) until the test answers (RFC 3261 §9.1 waits). */
  static async open(user: string, protocol: TransportProtocol = 'udp', opts: { autoTrying?: boolean } = {}): Promise<TestUa> {
    const tap = new Tap();
    const t = await createTransport({ protocol, host: '127.0.0.1', port: 0, tap, owner: user });
    return new TestUa(user, new SipEndpoint({ transports: [t], timers: TIMERS, name: user, autoTrying: opts.autoTrying }), protocol, tap);
  }

  get aor(): string {
    return `sip:${this.user}@${DOMAIN}`;
  }

  get address(): Address {
    return this.endpoint.transports[0].local;
  }

  get contactUri(): string {
    return `sip:${this.user}@${this.address.host}:${this.address.port}${this.protocol === 'udp' ? '' : `;transport=${this.protocol}`}`;
  }

  async register(registrar: Address, expires = 600, extra: Array<{ name: string; value: string }> = []): Promise<SipResponse | null> {
    const req = createRequest({
      method: 'REGISTER', uri: `sip:${DOMAIN}`, from: `<${this.aor}>`, to: `<${this.aor}>`,
      contact: `<${this.contactUri}>;+sip.instance="<${this.instanceId}>"`, extra: [{ name: 'Expires', value: String(expires) }, ...extra],
    });
    return this.endpoint.request(req, { ...registrar, protocol: this.protocol }).final;
  }

  invite(to: string, dest: Address, extra: Array<{ name: string; value: string }> = []): ClientTransaction {
    const req = createRequest({
      method: 'INVITE', uri: to, from: `<${this.aor}>`, to: `<${to}>`, contact: `<${this.contactUri}>`,
      extra: [{ name: 'Conversation-ID', value: randomUUID() }, ...extra], body: sdp(this.address.host, this.address.port + 1), contentType: 'application/sdp',
    });
    return this.endpoint.request(req, { ...dest, protocol: this.protocol });
  }

  waitFor(method: string, timeoutMs = 2000): Promise<ServerTransaction | null> {
    const i = this.requests.findIndex((tx) => tx.request.method === method);
    if (i >= 0) return Promise.resolve(this.requests.splice(i, 1)[0]);
    return new Promise((resolve) => {
      const w = { method, resolve, timer: setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); resolve(null); }, timeoutMs) };
      this.waiters.push(w);
    });
  }

  async waitForAck(timeoutMs = 2000): Promise<SipRequest | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.acks.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.acks[0] ?? null;
  }

  /** 180 then 200 with our Contact and SDP; the UAS dialog. */
  async answer(tx: ServerTransaction): Promise<Dialog> {
    const tag = newTag();
    await tx.respond(createResponse(tx.request, 180, undefined, { toTag: tag }));
    const ok = createResponse(tx.request, 200, undefined, { toTag: tag });
    addHeader(ok, 'Contact', `<${this.contactUri}>`);
    ok.body = sdp(this.address.host, this.address.port + 1);
    setHeader(ok, 'Content-Type', 'application/sdp');
    await tx.respond(ok);
    return Dialog.fromUas(tx.request, tag, this.contactUri);
  }

  /** ACK for a 2xx along the dialog's route set (§13.2.2.4). */
  async ack(dialog: Dialog): Promise<void> {
    const ack = dialog.createRequest('ACK');
    const hop = nextHopOf(ack);
    addHeader(ack, 'Via', `SIP/2.0/${this.protocol.toUpperCase()} ${this.address.host}:${this.address.port};branch=z9hG4bK${randomUUID().slice(0, 8)};rport`, 'top');
    await this.endpoint.send(ack, { ...hop, protocol: this.protocol });
  }

  bye(dialog: Dialog): ClientTransaction {
    const bye = dialog.createRequest('BYE');
    return this.endpoint.request(bye, { ...nextHopOf(bye), protocol: this.protocol });
  }

  close(): Promise<void> {
    for (const w of this.waiters) { clearTimeout(w.timer); w.resolve(null); }
    this.waiters = [];
    return this.endpoint.close();
  }
}

/** First Route (loose routing) else the Request-URI. */
/**
 * One request per transaction (its top Via branch, RFC 3261 §17.1.3), the first seen: a UDP
 * retransmission (Timer E, §17.1.2.2) on a loaded machine is the same request, not a second one.
 */
export function perTransaction<M extends SipMessage>(reqs: M[]): M[] {
  const seen = new Set<string>();
  return reqs.filter((r, i) => {
    const b = topVia(r)?.branch ?? `#${i}`;
    if (seen.has(b)) return false;
    seen.add(b);
    return true;
  });
}

export function nextHopOf(req: SipRequest): Address {
  const r = routes(req, 'Route')[0];
  const u = parseUri(r ? r.uri : req.uri);
  if (!u) throw new Error(`no next hop for ${req.uri}`);
  return { host: u.host, port: u.port ?? 5060 };
}

export function mf(msg: SipRequest): number {
  return Number(header(msg, 'Max-Forwards'));
}
