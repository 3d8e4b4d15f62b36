/**
 * A dialog (RFC 3261 §12): the state two UAs share after a dialog-creating request — Call-ID,
 * tags, sequence numbers, remote target and route set — and the in-dialog requests built from it.
 */
import type { HeaderField, SipMessage, SipRequest, SipResponse } from './message';
import { header } from './message';
import { callId, formatNameAddr, fromTag, parseNameAddr, toTag, type NameAddr } from './headers/name-addr';
import { cseq } from './headers/cseq';
import { contacts } from './headers/contact';
import { routes } from './headers/route';
import { parseUri, formatUri } from './uri';

/** Requests that may change the remote target (§12.2, RFC 3311, RFC 6665, RFC 3515). */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

export type DialogState = 'early' | 'confirmed';

export interface DialogInit {
  callId: string;
  localTag: string;
  remoteTag: string;
  local: NameAddr;
  remote: NameAddr;
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  remoteTarget: string;
  routeSet: string[];
  secure: boolean;
  state: DialogState;
  localTarget?: string;
}

function identity(value: string | undefined): NameAddr {
  const na = value !== undefined ? parseNameAddr(value) : null;
  if (!na) return { uri: value ?? '', params: {}, raw: value ?? '' };
  const params = { ...na.params };
  delete params['tag'];
  return { ...na, params };
}

function firstContact(msg: SipMessage): string | undefined {
  return contacts(msg)[0]?.uri;
}

function isLooseRoute(uri: string): boolean {
  return parseUri(uri)?.params['lr'] !== undefined;
}

export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  remoteTag: string;
  /** From/To identities without tags (§12.1.1: local URI and remote URI). */
  readonly local: NameAddr;
  readonly remote: NameAddr;
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  remoteTarget: string;
  /** Route set URIs in the order to put them in Route (§12.1.1, §12.1.2). */
  routeSet: string[];
  readonly secure: boolean;
  state: DialogState;
  /** Our Contact URI, put on in-dialog target-refresh requests (§12.2.1.1). */
  localTarget?: string;

  constructor(init: DialogInit) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.local = init.local;
    this.remote = init.remote;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.secure = init.secure;
    this.state = init.state;
    this.localTarget = init.localTarget;
  }

  get localUri(): string {
    return this.local.uri;
  }

  get remoteUri(): string {
    return this.remote.uri;
  }

  /** Dialog ID (§12): Call-ID, local tag, remote tag. */
  get id(): string {
    return `${this.callId};local=${this.localTag};remote=${this.remoteTag}`;
  }

  /**
   * UAC side (§12.1.2), from the request we sent and a 1xx (early) or 2xx response with a To tag:
   * route set = Record-Route of the response reversed, remote target = its Contact.
   */
  static fromUac(request: SipRequest, response: SipResponse): Dialog {
    const remoteTag = toTag(response);
    const cs = cseq(request);
    if (!remoteTag) throw new Error('a dialog needs a To tag in the response (§12.1.2)');
    return new Dialog({
      callId: callId(request) ?? '',
      localTag: fromTag(request) ?? '',
      remoteTag,
      local: identity(header(request, 'From')),
      remote: identity(header(request, 'To')),
      localSeq: cs?.seq,
      remoteSeq: undefined,
      remoteTarget: firstContact(response) ?? request.uri,
      routeSet: routes(response, 'Record-Route').map((r) => r.uri).reverse(),
      secure: /^sips:/i.test(request.uri),
      state: response.status >= 200 ? 'confirmed' : 'early',
      localTarget: firstContact(request),
    });
  }

  /**
   * UAS side (§12.1.1), from the request received and the To tag we answer with: route set =
   * Record-Route of the request in order, remote target = its Contact, remote seq = its CSeq.
   */
  static fromUas(request: SipRequest, localTag: string, localTarget?: string): Dialog {
    return new Dialog({
      callId: callId(request) ?? '',
      localTag,
      remoteTag: fromTag(request) ?? '',
      local: identity(header(request, 'To')),
      remote: identity(header(request, 'From')),
      localSeq: undefined,
      remoteSeq: cseq(request)?.seq,
      remoteTarget: firstContact(request) ?? identity(header(request, 'From')).uri,
      routeSet: routes(request, 'Record-Route').map((r) => r.uri),
      secure: /^sips:/i.test(request.uri),
      state: 'confirmed',
      localTarget,
    });
  }

  /**
   * An in-dialog request (§12.2.1.1), without a Via (the endpoint pushes one). ACK reuses the
   * current local CSeq number (§13.2.2.4: that of the INVITE); every other method increments it.
   */
  createRequest(method: string, extra: HeaderField[] = []): SipRequest {
    let seq: number;
    if (method === 'ACK') seq = this.localSeq ?? 1;
    else {
      seq = this.localSeq === undefined ? 1 : this.localSeq + 1;
      this.localSeq = seq;
    }
    let uri = this.remoteTarget;
    const routeValues: string[] = [];
    const first = this.routeSet[0];
    if (first !== undefined && !isLooseRoute(first)) {
      // §12.2.1.1 strict router: it goes into the R-URI (without parameters a R-URI may not
      // carry, §19.1.1 table), the remote target becomes the last Route.
      const u = parseUri(first);
      if (u) {
        const params = { ...u.params };
        delete params['method'];
        delete params['ttl'];
        uri = formatUri({ ...u, params, headers: {} });
      } else uri = first;
      routeValues.push(...this.routeSet.slice(1).map((r) => `<${r}>`), `<${this.remoteTarget}>`);
    } else routeValues.push(...this.routeSet.map((r) => `<${r}>`));
    const headers: HeaderField[] = [{ name: 'Max-Forwards', value: '70' }];
    for (const r of routeValues) headers.push({ name: 'Route', value: r });
    headers.push(
      { name: 'From', value: formatNameAddr({ ...this.local, params: { ...this.local.params, tag: this.localTag } }) },
      { name: 'To', value: formatNameAddr({ ...this.remote, params: { ...this.remote.params, tag: this.remoteTag } }) },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: `${seq} ${method}` },
    );
    if (this.localTarget !== undefined && TARGET_REFRESH.has(method)) headers.push({ name: 'Contact', value: `<${this.localTarget}>` });
    for (const h of extra) headers.push({ ...h });
    return { kind: 'request', version: 'SIP/2.0', method, uri, headers, body: Buffer.alloc(0) };
  }

  /**
   * An in-dialog request received (§12.2.2). Returns false when its CSeq is lower than the remote
   * sequence number: out of order, the caller answers 500. Otherwise records the number and, for
   * a target refresh request, the new remote target. ACK and CANCEL do not move the sequence.
   */
  receive(req: SipRequest): boolean {
    const seq = cseq(req)?.seq;
    if (seq === undefined) return false;
    if (req.method === 'ACK' || req.method === 'CANCEL') return true;
    if (this.remoteSeq !== undefined && seq < this.remoteSeq) return false;
    this.remoteSeq = seq;
    if (TARGET_REFRESH.has(req.method)) {
      const c = firstContact(req);
      if (c) this.remoteTarget = c;
    }
    return true;
  }

  /**
   * A response to a request we sent in this dialog (or to the dialog-creating one): a 2xx
   * confirms an early dialog (route set recomputed from it, §13.2.2.4) and a 2xx to a target
   * refresh request replaces the remote target (§12.2.1.2).
   */
  update(response: SipResponse): void {
    const cs = cseq(response);
    const ok = response.status >= 200 && response.status < 300;
    if (!ok) return;
    if (this.state === 'early' && cs?.method === 'INVITE') {
      this.state = 'confirmed';
      this.routeSet = routes(response, 'Record-Route').map((r) => r.uri).reverse();
      const tag = toTag(response);
      if (tag) this.remoteTag = tag;
    }
    if (cs && TARGET_REFRESH.has(cs.method)) {
      const c = firstContact(response);
      if (c) this.remoteTarget = c;
    }
  }

  /** Whether a message belongs to this dialog: same Call-ID and the same two tags, in either direction. */
  matches(msg: SipMessage): boolean {
    if (callId(msg) !== this.callId) return false;
    const f = fromTag(msg);
    const t = toTag(msg);
    return (f === this.localTag && t === this.remoteTag) || (f === this.remoteTag && t === this.localTag);
  }
}
