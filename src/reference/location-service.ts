/**
 * The location service behind the registrar (RFC 3261 §10.3): AoR → contact bindings. Every
 * binding of every device is kept (a user may have several devices, each with its own
 * `+sip.instance`, RFC 5626 §4.1), so terminating service control forks to all of them, and
 * each binding's Path (RFC 3327), so the fork reaches a device behind a SIP/IP Core through it.
 */
import type { Address, TransportProtocol } from '../sip/transport/address';
import { parseUri } from '../sip/uri';

export interface Binding {
  /** The AoR key (see aorKey). */
  aor: string;
  /** Contact URI as registered. */
  contact: string;
  /** RFC 5626 instance id (`urn:uuid:...`), when the device sent one. */
  instanceId?: string;
  /** Where requests for this contact are sent: the contact's host:port (no DNS on loopback). */
  address: Address;
  /** Transport to reach it: the contact's `transport` parameter, else the one the REGISTER came on. */
  protocol: TransportProtocol;
  /** Absolute expiry, ms since the epoch. */
  expiresAt: number;
  /**
   * RFC 3327 §5.3: the Path header field values of the REGISTER (name-addr text, in order), the
   * proxies between the registrar and the device; requests for this contact are routed through
   * them (as Route, §6). Empty when the device registered directly.
   */
  path: string[];
  /** Call-ID and CSeq of the REGISTER that last refreshed it (§10.3 step 7 ordering). */
  callId: string;
  cseq: number;
}

/** Canonical AoR key: scheme (sips folded to sip), user and lower-cased host (§10.3 step 5, §19.1.4). */
export function aorKey(uri: string): string {
  const u = parseUri(uri.trim().replace(/^<|>$/g, ''));
  if (!u) return uri.trim().toLowerCase();
  const scheme = u.scheme.toLowerCase() === 'sips' ? 'sip' : u.scheme.toLowerCase();
  return `${scheme}:${u.user ?? ''}@${u.host.toLowerCase()}`;
}

export class LocationService {
  private readonly table = new Map<string, Binding[]>();
  /** AoRs that registered at least once: lets terminating control tell 404 (unknown) from 480 (no device now). */
  private readonly known = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Live bindings of an AoR (expired ones are purged first). */
  lookup(aor: string): Binding[] {
    const key = aorKey(aor);
    const live = (this.table.get(key) ?? []).filter((b) => b.expiresAt > this.now());
    if (live.length > 0) this.table.set(key, live);
    else this.table.delete(key);
    return live;
  }

  isKnown(aor: string): boolean {
    return this.known.has(aorKey(aor));
  }

  /** Add or refresh one binding (matched by contact URI, §10.3 step 7); expires 0 removes it. */
  update(b: Omit<Binding, 'aor' | 'expiresAt' | 'path'> & { aor: string; expires: number; path?: string[] }): void {
    const key = aorKey(b.aor);
    this.known.add(key);
    const list = this.lookup(key).filter((x) => !sameContact(x.contact, b.contact));
    if (b.expires > 0) {
      const { expires, path, ...rest } = b;
      list.push({ ...rest, path: path ?? [], aor: key, expiresAt: this.now() + expires * 1000 });
    }
    if (list.length > 0) this.table.set(key, list);
    else this.table.delete(key);
  }

  /**
   * The live binding whose contact is this URI (§19.1.4 comparison on scheme, user, host, port,
   * transport), whatever its AoR: a session transfer names the target device by its contact.
   */
  findByContact(uri: string): Binding | undefined {
    const want = uri.trim().replace(/^<|>$/g, '');
    for (const key of [...this.table.keys()]) {
      const b = this.lookup(key).find((x) => sameContact(x.contact, want));
      if (b) return b;
    }
    return undefined;
  }

  /**
   * RFC 5627 §6 (dereferencing): a URI with a `gr` parameter is a GRUU; it names the live binding
   * of that AoR whose instance id the parameter carries. Undefined for a plain URI or an unknown one.
   */
  resolveGruu(uri: string): Binding | undefined {
    const u = parseUri(uri.trim().replace(/^<|>$/g, ''));
    const gr = u?.params['gr'];
    if (!u || typeof gr !== 'string' || gr === '') return undefined;
    return this.lookup(uri).find((b) => b.instanceId === gr);
  }

  /**
   * The AoR's bindings as they stand, to undo a REGISTER whose processing then fails: §10.3 step 7,
   * "all tentative binding updates MUST be removed". Pass the result to restore().
   */
  snapshot(aor: string): { key: string; list: Binding[] | undefined; known: boolean } {
    const key = aorKey(aor);
    const list = this.table.get(key);
    return { key, list: list ? [...list] : undefined, known: this.known.has(key) };
  }

  restore(s: { key: string; list: Binding[] | undefined; known: boolean }): void {
    if (s.list) this.table.set(s.key, s.list);
    else this.table.delete(s.key);
    if (!s.known) this.known.delete(s.key);
  }

  /** `Contact: *` with Expires 0 (§10.3 step 6). */
  removeAll(aor: string): void {
    this.table.delete(aorKey(aor));
  }

  /** Seconds a binding has left (for the 200 OK's Contact expires parameters). */
  remaining(b: Binding): number {
    return Math.max(0, Math.round((b.expiresAt - this.now()) / 1000));
  }
}

/** Contact URI equality for binding updates (§10.3 step 7 uses §19.1.4 URI comparison; host case-insensitive). */
export function sameContact(a: string, b: string): boolean {
  const ua = parseUri(a);
  const ub = parseUri(b);
  if (!ua || !ub) return a === b;
  return ua.scheme.toLowerCase() === ub.scheme.toLowerCase() && (ua.user ?? '') === (ub.user ?? '') &&
    ua.host.toLowerCase() === ub.host.toLowerCase() && (ua.port ?? 5060) === (ub.port ?? 5060) &&
    (ua.params['transport'] ?? 'udp').toLowerCase() === (ub.params['transport'] ?? 'udp').toLowerCase();
}
