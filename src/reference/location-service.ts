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

/** An AoR's bindings by contact comparison key (contactKey), in the order they were last updated. */
type Bindings = Map<string, Binding>;

/** What snapshot() returns and restore() puts back. */
export interface LocationSnapshot {
  key: string;
  bindings: Bindings | undefined;
  known: boolean;
}

export class LocationService {
  /**
   * AoR key → its bindings by contact key. An update finds the binding it replaces by one map
   * lookup (§10.3 step 7) instead of comparing its contact with every binding's (K devices cost K²
   * URI comparisons); a refresh is deleted and set again, so it moves last, as a fresh binding.
   */
  private readonly table = new Map<string, Bindings>();
  /** AoRs that registered at least once: lets terminating control tell 404 (unknown) from 480 (no device now). */
  private readonly known = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Live bindings of an AoR (expired ones are purged first). */
  lookup(aor: string): Binding[] {
    return this.live(aorKey(aor));
  }

  /** Live bindings under an AoR key, purging the expired ones. */
  private live(key: string): Binding[] {
    const bindings = this.table.get(key);
    if (!bindings) return [];
    const now = this.now();
    const out: Binding[] = [];
    // forEach, not for…of over entries: no [key, value] array per binding, a thousand times per REGISTER.
    bindings.forEach((b, contact) => {
      if (b.expiresAt > now) out.push(b);
      else bindings.delete(contact);
    });
    if (bindings.size === 0) this.table.delete(key);
    return out;
  }

  isKnown(aor: string): boolean {
    return this.known.has(aorKey(aor));
  }

  /** Add or refresh one binding (matched by contact URI, §10.3 step 7); expires 0 removes it. */
  update(b: Omit<Binding, 'aor' | 'expiresAt' | 'path'> & { aor: string; expires: number; path?: string[] }): void {
    const key = aorKey(b.aor);
    this.known.add(key);
    // No purge of the expired here: every reader purges first (live()), and a purge per update was
    // a pass over all K bindings per REGISTER, a second one beside the 200's lookup (issue 14).
    const bindings = this.table.get(key) ?? new Map<string, Binding>();
    const contact = contactKey(b.contact);
    bindings.delete(contact);
    if (b.expires > 0) {
      const { expires, path, ...rest } = b;
      bindings.set(contact, { ...rest, path: path ?? [], aor: key, expiresAt: this.now() + expires * 1000 });
    }
    if (bindings.size > 0) this.table.set(key, bindings);
    else this.table.delete(key);
  }

  /**
   * The live binding whose contact is this URI (§19.1.4 comparison on scheme, user, host, port,
   * transport), whatever its AoR: a session transfer names the target device by its contact.
   */
  findByContact(uri: string): Binding | undefined {
    const want = contactKey(uri.trim().replace(/^<|>$/g, ''));
    for (const key of [...this.table.keys()]) {
      this.live(key);
      const b = this.table.get(key)?.get(want);
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
  snapshot(aor: string): LocationSnapshot {
    const key = aorKey(aor);
    const bindings = this.table.get(key);
    return { key, bindings: bindings ? new Map(bindings) : undefined, known: this.known.has(key) };
  }

  restore(s: LocationSnapshot): void {
    if (s.bindings) this.table.set(s.key, new Map(s.bindings));
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
  return contactKey(a) === contactKey(b);
}

/**
 * What sameContact compares, as one string: scheme, user, host, port and transport of a parseable
 * URI (§19.1.4), else the text itself (an unparseable contact equals only the same text).
 */
export function contactKey(uri: string): string {
  const u = parseUri(uri);
  if (!u) return JSON.stringify(['text', uri]);
  return JSON.stringify([u.scheme.toLowerCase(), u.user ?? '', u.host.toLowerCase(), u.port ?? 5060, (u.params['transport'] ?? 'udp').toLowerCase()]);
}
