/**
 * SIP/IP Core emulator (docs/architecture.md, core-emulation topology). Plays the S-CSCF of one network:
 * registrar for its own devices, and an RFC 3261 §16.11 stateless, record-routing proxy that
 * triggers the SUT's Participating Function with `Route: <pf;lr;orig>` (originating) or
 * `Route: <pf;lr>` (terminating) followed by its own route (TS 24.229 §5.4.3.1), takes back what
 * the PF emits, routes between the two cores, and delivers to its devices.
 *
 * Each pass through the core is named by a `hop` URI parameter on its own Route/Record-Route
 * entries: o1 (from device, before PF orig), o2 (back from PF orig), t1 (from the peer core,
 * before PF term), t2 (back from PF term). Record-Routing every pass puts the core on both sides
 * of each PF in the dialog's route set, so every one of the 14 steps of C.2.3.1 crosses a socket.
 *
 * Behind NAT (target config local.advertisedHost) its Via, Record-Route and Path name the
 * advertised host, which it also recognises as its own; harness-internal hops (to its devices and
 * the peer core) go to the bound host, where those sockets really listen.
 */
import { createHash } from 'node:crypto';
import type { SipMessage, SipRequest, SipResponse } from '../sip/message';
import { addHeader, cloneMessage, header, headerFields, removeHeader, setHeader, splitCommaList } from '../sip/message';
import { serializeMessage } from '../sip/codec/serialize';
import type { Address, TransportProtocol } from '../sip/transport/address';
import { formatHostPort, sameAddress } from '../sip/transport/address';
import { sentBy, type Transport, type InboundMessage } from '../sip/transport/transport';
import { parseVia, formatVia } from '../sip/headers/via';
import { parseNameAddr } from '../sip/headers/name-addr';
import { parseUri } from '../sip/uri';
import { aorKey, hostPortUri, uriAddress, withoutDns } from './addressing';

export type CoreHop = 'o1' | 'o2' | 't1' | 't2';

export interface CoreEmulatorOptions {
  name: string;
  transport: Transport;
  /** PF that originating requests of this core's users are triggered to (SUT's PF A). */
  pfOrig: Address;
  /** PF that terminating requests for this core's users are triggered to (SUT's PF B). */
  pfTerm: Address;
}

interface Binding {
  contact: string;
  address: Address;
}

function sameAddressOf(a: string, b: string): boolean {
  const x = uriAddress(a);
  const y = uriAddress(b);
  return x !== null && y !== null && sameAddress(x, y) && parseUri(a)?.user === parseUri(b)?.user;
}

export class CoreEmulator {
  readonly name: string;
  readonly transport: Transport;
  /** AoR → registered contacts of this core's own devices (the core is their registrar). */
  private readonly locations = new Map<string, Binding[]>();
  /** Other cores by domain-independent AoR ownership: which core serves which AoR. */
  private peers: CoreEmulator[] = [];
  /** Anomalies the core saw (responses not addressed to it, unroutable requests) for findings. */
  readonly anomalies: Array<{ reason: string; inbound: InboundMessage }> = [];

  constructor(private readonly opts: CoreEmulatorOptions) {
    this.name = opts.name;
    this.transport = opts.transport;
    this.transport.onMessage((m) => this.onInbound(m));
    this.transport.onError(() => { /* recorded by the transport; the case judges timeouts */ });
  }

  get address(): Address {
    return this.transport.local;
  }

  /** Where the SUT reaches this core: the advertised host behind NAT, else its socket. */
  get advertised(): Address {
    return sentBy(this.transport);
  }

  get protocol(): TransportProtocol {
    return this.transport.protocol;
  }

  connect(peers: CoreEmulator[]): void {
    this.peers = peers.filter((p) => p !== this);
  }

  /** This core's own route URI for one pass (RFC 3261 §16.6 step 4, RFC 3327 Path): where the SUT reaches it. */
  routeUri(hop: CoreHop): string {
    return `${hostPortUri(this.advertised, this.protocol)};lr;hop=${hop}`;
  }

  serves(aor: string): boolean {
    return this.locations.has(aorKey(aor));
  }

  bindings(aor: string): Binding[] {
    return this.locations.get(aorKey(aor)) ?? [];
  }

  /** Whether one of this core's devices registered this contact. */
  hasContact(uri: string): boolean {
    return this.allBindings().some((b) => b.contact === uri || sameAddressOf(b.contact, uri));
  }

  private allBindings(): Binding[] {
    return [...this.locations.values()].flat();
  }

  /** Whether an address names this core: its socket, or the advertised address its URIs carry. */
  private isOwn(a: Address): boolean {
    return sameAddress(a, this.address) || sameAddress(a, this.advertised);
  }

  private isOwnUri(uri: string): boolean {
    const a = uriAddress(uri);
    return a !== null && this.isOwn(a);
  }

  /**
   * A destination as the harness reaches it: the advertised host is the harness's own (behind NAT
   * it may not even be reachable from inside), so a hop to it goes to the bound host instead.
   */
  /** The hop if it needs no DNS query: an IP literal, this core's advertised host, or a PF host of the target config (addressing.ts withoutDns). */
  private withoutDns(a: Address | null): Address | null {
    return withoutDns(a, [this.advertised.host, this.opts.pfOrig.host, this.opts.pfTerm.host]);
  }

  private reachable(dest: Address): Address {
    const adv = this.advertised.host;
    return adv !== this.address.host && dest.host.toLowerCase() === adv.toLowerCase() ? { host: this.address.host, port: dest.port } : dest;
  }

  private onInbound(m: InboundMessage): void {
    const msg = m.message;
    if (!msg) return; // garbage is on the trace; the case judges it
    try {
      if (msg.kind === 'request') this.onRequest(msg, m);
      else this.onResponse(msg, m);
    } catch (err) {
      this.anomalies.push({ reason: `core could not process message: ${(err as Error).message}`, inbound: m });
    }
  }

  // ---- registration (RFC 3261 §10, RFC 3327 Path): this core's devices register with the SUT ----
  /**
   * A device's REGISTER is proxied to the SUT's registrar (PF A's address) with this core in Path,
   * so the SUT knows every device of the user (it forks to them, CPM-MLD-007) and reaches them
   * through this core (pass t2). The core also keeps the bindings to deliver requests to contacts.
   */
  private register(fwd: SipRequest, m: InboundMessage): void {
    const to = header(fwd, 'To');
    const aor = to ? parseNameAddr(to)?.uri : undefined;
    if (aor) {
      const list: Binding[] = [];
      for (const c of headerFields(fwd, 'Contact').flatMap((f) => splitCommaList(f.value))) {
        const na = parseNameAddr(c);
        const expires = na?.params['expires'] ?? header(fwd, 'Expires') ?? '3600';
        if (!na || na.uri === '*') continue;
        if (Number(expires) > 0) list.push({ contact: na.uri, address: uriAddress(na.uri) ?? m.flow.remote });
      }
      if (list.length > 0) this.locations.set(aorKey(aor), [...this.bindings(aor).filter((b) => !list.some((x) => x.contact === b.contact)), ...list]);
    }
    addHeader(fwd, 'Path', `<${this.routeUri('t2')}>`, 'top');
    if (!headerFields(fwd, 'Supported').some((f) => /\bpath\b/i.test(f.value))) addHeader(fwd, 'Supported', 'path');
    this.forward(fwd, this.opts.pfOrig, 'reg');
  }

  private response(req: SipRequest, status: number, reason: string): SipResponse {
    const res: SipResponse = { kind: 'response', version: 'SIP/2.0', status, reason, headers: [], body: Buffer.alloc(0) };
    for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
      for (const f of headerFields(req, name)) res.headers.push({ name: f.name, value: f.value });
    }
    const to = header(res, 'To');
    if (to && !/;\s*tag=/i.test(to)) setHeader(res, 'To', `${to};tag=${this.name.replace(/\W/g, '').toLowerCase()}`);
    return res;
  }

  // ---- proxying (RFC 3261 §16, stateless per §16.11) ----
  private onRequest(req: SipRequest, m: InboundMessage): void {
    const fwd = cloneMessage(req);
    this.stampReceived(fwd, m);
    if (req.method === 'REGISTER' && !this.hasRoute(req) && !this.fromPeerCore(req)) {
      const mf = Number(header(fwd, 'Max-Forwards') ?? '70');
      setHeader(fwd, 'Max-Forwards', String(mf - 1));
      this.register(fwd, m);
      return;
    }
    // §16.4: pop every Route entry that names this core, remembering the last pass it names.
    let hop: CoreHop | undefined;
    for (;;) {
      const first = headerFields(fwd, 'Route').flatMap((f) => splitCommaList(f.value))[0];
      if (!first) break;
      const na = parseNameAddr(first);
      if (!na || !this.isOwnUri(na.uri)) break;
      const h = parseUri(na.uri)?.params['hop'];
      if (h) hop = h as CoreHop;
      this.popRoute(fwd);
    }
    const inDialog = /;\s*tag=/i.test(header(fwd, 'To') ?? '');
    const maxForwards = Number(header(fwd, 'Max-Forwards') ?? '70');
    if (maxForwards <= 0) {
      void this.transport.send(this.response(req, 483, 'Too Many Hops'), m.flow.remote);
      return;
    }
    setHeader(fwd, 'Max-Forwards', String(maxForwards - 1));

    const nextRoute = headerFields(fwd, 'Route').flatMap((f) => splitCommaList(f.value))[0];
    if (nextRoute) {
      const dest = this.withoutDns(uriAddress(parseNameAddr(nextRoute)?.uri ?? ''));
      if (!dest) return this.unroutable(req, m, 'Route names no host the harness reaches without DNS');
      if (!inDialog && req.method !== 'ACK' && req.method !== 'CANCEL' && hop) this.recordRoute(fwd, hop);
      return this.forward(fwd, dest, hop ?? 'in-dialog');
    }
    if (inDialog || req.method === 'ACK' || req.method === 'CANCEL') {
      // CANCEL/ACK of an initial transaction follow the INVITE's path; stateless: re-derive it.
      if (!inDialog && (req.method === 'CANCEL' || req.method === 'ACK')) return this.routeInitial(fwd, req, m, hop, true);
      const dest = this.withoutDns(uriAddress(fwd.uri));
      if (!dest) return this.unroutable(req, m, 'Request-URI names no host the harness reaches without DNS');
      return this.forward(fwd, dest, hop ?? 'in-dialog');
    }
    this.routeInitial(fwd, req, m, hop, false);
  }

  /** Initial-request routing by pass (TS 24.229 §5.4.3: originating then terminating iFC). */
  private routeInitial(fwd: SipRequest, req: SipRequest, m: InboundMessage, hop: CoreHop | undefined, followOnly: boolean): void {
    const rr = !followOnly;
    const target = parseUri(fwd.uri);
    const targetAor = target ? `sip:${target.user ?? ''}@${target.host}` : fwd.uri;
    if (hop === undefined && !this.fromPeerCore(fwd)) {
      // Pass o1: from our own device → PF orig.
      if (rr) this.recordRoute(fwd, 'o1');
      this.pushRoute(fwd, [`<${hostPortUri(this.opts.pfOrig, this.protocol)};lr;orig>`, `<${this.routeUri('o2')}>`]);
      return this.forward(fwd, this.opts.pfOrig, 'o1');
    }
    if (hop === 'o2') {
      if (rr) this.recordRoute(fwd, 'o2');
      // The target's home core: by AoR, or by a registered contact (a transfer names the device itself).
      const home = [...this.peers, this].find((p) => p.serves(targetAor) || p.hasContact(fwd.uri));
      if (!home) return this.unroutable(req, m, `no core serves ${targetAor}`);
      return this.forward(fwd, home.address, 'o2');
    }
    if (hop === undefined) {
      // Pass t1: from the peer core → PF term.
      if (rr) this.recordRoute(fwd, 't1');
      this.pushRoute(fwd, [`<${hostPortUri(this.opts.pfTerm, this.protocol)};lr>`, `<${this.routeUri('t2')}>`]);
      return this.forward(fwd, this.opts.pfTerm, 't1');
    }
    // Pass t2: back from PF term → the device. A PF that forked names the contact in the
    // Request-URI; one that left the AoR gets the first binding (this core does not fork).
    if (rr) this.recordRoute(fwd, 't2');
    const byContact = this.allBindings().find((b) => b.contact === fwd.uri || sameAddressOf(b.contact, fwd.uri));
    if (byContact) return this.forward(fwd, byContact.address, 't2');
    const b = this.bindings(targetAor)[0];
    if (!b) return this.unroutable(req, m, `no registered device for ${fwd.uri}`);
    fwd.uri = b.contact;
    this.forward(fwd, b.address, 't2');
  }

  private fromPeerCore(req: SipRequest): boolean {
    const vias = headerFields(req, 'Via').flatMap((f) => splitCommaList(f.value));
    return vias.some((v) => {
      const pv = parseVia(v);
      return pv !== null && this.peers.some((p) => p.isOwn({ host: pv.host, port: pv.port ?? 5060 }));
    });
  }

  private hasRoute(req: SipRequest): boolean {
    return headerFields(req, 'Route').length > 0;
  }

  private popRoute(msg: SipRequest): void {
    const all = headerFields(msg, 'Route').flatMap((f) => splitCommaList(f.value));
    removeHeader(msg, 'Route');
    for (const r of all.slice(1)) addHeader(msg, 'Route', r);
  }

  private pushRoute(msg: SipRequest, entries: string[]): void {
    const all = headerFields(msg, 'Route').flatMap((f) => splitCommaList(f.value));
    removeHeader(msg, 'Route');
    for (const r of [...entries, ...all]) addHeader(msg, 'Route', r);
  }

  private recordRoute(msg: SipRequest, hop: CoreHop): void {
    addHeader(msg, 'Record-Route', `<${this.routeUri(hop)}>`, 'top');
  }

  /** RFC 3581 / §18.2.1: note where the request really came from so the response finds its way back. */
  private stampReceived(msg: SipRequest, m: InboundMessage): void {
    const fields = headerFields(msg, 'Via');
    const first = fields[0];
    if (!first) return;
    const values = splitCommaList(first.value);
    const v = parseVia(values[0] ?? '');
    if (!v) return;
    if (v.host !== m.flow.remote.host) v.params['received'] = m.flow.remote.host;
    if ('rport' in v.params || v.port !== m.flow.remote.port) v.params['rport'] = String(m.flow.remote.port);
    values[0] = formatVia(v);
    first.value = values.join(', ');
  }

  private forward(fwd: SipRequest, dest: Address, pass: string): void {
    const top = parseVia(splitCommaList(headerFields(fwd, 'Via')[0]?.value ?? '')[0] ?? '');
    // §16.11: a stateless proxy derives its branch from the request so retransmissions, ACK for
    // non-2xx and CANCEL map onto the same branch as the INVITE.
    // The ACK of a non-2xx and a CANCEL carry their INVITE's branch, so they map onto the same one here.
    const seed = `${top?.branch ?? ''}|${this.name}|${pass}`;
    const branch = 'z9hG4bK' + createHash('sha1').update(seed).digest('hex').slice(0, 20);
    // RFC 3261 §16.6 step 8 / §18.2.1: sent-by is where the next hop sends responses, the advertised address.
    const via = `SIP/2.0/${this.protocol.toUpperCase()} ${formatHostPort(this.advertised)};branch=${branch};rport`;
    addHeader(fwd, 'Via', via, 'top');
    void this.transport.send(fwd, this.reachable(dest));
  }

  private onResponse(res: SipResponse, m: InboundMessage): void {
    const vias = headerFields(res, 'Via').flatMap((f) => splitCommaList(f.value));
    const top = parseVia(vias[0] ?? '');
    if (!top || !this.isOwn({ host: top.host, port: top.port ?? 5060 })) {
      // §16.7 step 3 / §18.1.2: a response whose top Via is not ours is discarded (recorded).
      this.anomalies.push({ reason: 'response whose top Via does not name this core', inbound: m });
      return;
    }
    const next = parseVia(vias[1] ?? '');
    if (!next) return;
    const fwd = cloneMessage(res);
    removeHeader(fwd, 'Via');
    for (const v of vias.slice(1)) addHeader(fwd, 'Via', v);
    const host = next.params['received'] ?? next.host;
    const rport = next.params['rport'];
    const port = rport ? Number(rport) : next.port ?? 5060;
    const dest = this.withoutDns({ host, port });
    if (!dest) {
      this.anomalies.push({ reason: `response whose next Via names ${host}, a host the harness does not resolve (no DNS for names the SUT writes)`, inbound: m });
      return;
    }
    void this.transport.send(fwd, this.reachable(dest));
  }

  private unroutable(req: SipRequest, m: InboundMessage, reason: string): void {
    this.anomalies.push({ reason, inbound: m });
    if (req.method !== 'ACK') void this.transport.send(this.response(req, 404, 'Not Found'), m.flow.remote);
  }

  /** For raw sends in tests. */
  sendRaw(data: SipMessage | Buffer, dest: Address): Promise<void> {
    return this.transport.send(Buffer.isBuffer(data) ? data : serializeMessage(data), dest);
  }
}
