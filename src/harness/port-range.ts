/**
 * Local ports for every harness socket, inside the target config's `local.ports` (docs/target-config.md): the
 * SIP socket of each device and core emulator, the MSRP port each device names in its SDP, and
 * the source port of each TCP/TLS connection the harness dials — so a lab firewall opened for that
 * range lets the whole run through.
 *
 * One registry per bind host for the whole process: cases that run at once each hold a claim, no
 * two live sockets get the same port, a port some other program holds (EADDRINUSE) is skipped, and
 * a claim gives its ports back when its topology closes. Ports are handed out round-robin, so a
 * port just given back (its TCP connections possibly still in TIME_WAIT) is the last to be reused.
 * Without a range (the built-in reference server) the same code binds port 0: ephemeral ports.
 */
import { randomInt } from 'node:crypto';
import { isPortClash, type LocalPortSource, type PortLease } from '../sip/transport/local-ports';

export type { PortLease } from '../sip/transport/local-ports';

export interface PortRangeSpec {
  from: number;
  to: number;
}

/** What one claimant (a case variant's topology) expects to hold at most, for the errors. */
export interface PortDemand {
  /** Who claims, e.g. `udp, core-emulation, devices 1+3`. */
  label: string;
  ports: number;
  /** How `ports` is made up, e.g. `4 SIP sockets, 3 MSRP ports`. */
  detail: string;
}

/** The range cannot serve the run: the message names the `local.ports` field and the fix. */
export class PortRangeError extends Error {
  override name = 'PortRangeError';
}

interface HostState {
  inUse: Set<number>;
  /** Next port to try (round-robin over whichever range asks). */
  cursor: number;
  claims: Set<PortClaim>;
}

const hosts = new Map<string, HostState>();

/**
 * Where this process starts handing out a range: random, not its bottom. Two harness processes on
 * one host with the same local.ports (two CI jobs, parallel test files) would otherwise take the
 * same ports in the same order, and a port the other holds fails a connection from it.
 */
const START_OFFSET = randomInt(0, 65536);

function hostState(host: string): HostState {
  const key = host.toLowerCase();
  let s = hosts.get(key);
  if (!s) {
    s = { inUse: new Set(), cursor: 0, claims: new Set() };
    hosts.set(key, s);
  }
  return s;
}

/** The local ports of one bind host: a configured range, or ephemeral ports when `range` is absent. */
export class PortRange {
  private readonly state: HostState;

  constructor(readonly host: string, readonly range?: PortRangeSpec) {
    if (range && !(Number.isInteger(range.from) && Number.isInteger(range.to) && range.from >= 1 && range.to <= 65535 && range.from <= range.to)) {
      throw new PortRangeError(`local.ports ${range.from}-${range.to} is not a range of ports 1-65535 with from ≤ to`);
    }
    this.state = hostState(host);
  }

  /** Ports in the range (Infinity for ephemeral ports). */
  get size(): number {
    return this.range ? this.range.to - this.range.from + 1 : Infinity;
  }

  /** `local.ports 31000-31999`, as the user wrote it. */
  get name(): string {
    return this.range ? `local.ports ${this.range.from}-${this.range.to}` : 'ephemeral ports';
  }

  /** Ports of this range live claims hold right now (for tests and diagnostics). */
  get inUse(): number {
    return this.range ? [...this.state.inUse].filter((p) => this.contains(p)).length : 0;
  }

  contains(port: number): boolean {
    return this.range !== undefined && port >= this.range.from && port <= this.range.to;
  }

  /**
   * Open a claim for one claimant. A demand larger than the whole range fails here, before any
   * socket is bound, with what the claimant needs.
   */
  claim(demand: PortDemand): PortClaim {
    if (demand.ports > this.size) {
      throw new PortRangeError(`${this.name} holds ${this.size} ports; this run needs up to ${demand.ports} at once (one case, ${demand.label}, alone needs ${demand.ports}: ${demand.detail}) — widen the range`);
    }
    const c = new PortClaim(this, demand);
    if (this.range) this.state.claims.add(c);
    return c;
  }

  /** Take the next free port of the range, skipping `skip`; throws PortRangeError when none is left. */
  take(claim: PortClaim, skip: ReadonlySet<number>, lastError?: string): number {
    const r = this.range;
    if (!r) throw new Error('take() needs a configured range');
    const size = this.size;
    let p = this.state.cursor >= r.from && this.state.cursor <= r.to ? this.state.cursor : r.from + (START_OFFSET % size);
    for (let i = 0; i < size; i++, p = p === r.to ? r.from : p + 1) {
      if (this.state.inUse.has(p) || skip.has(p)) continue;
      this.state.inUse.add(p);
      this.state.cursor = p === r.to ? r.from : p + 1;
      return p;
    }
    throw this.exhausted(claim, skip.size, lastError);
  }

  free(port: number): void {
    this.state.inUse.delete(port);
  }

  forget(claim: PortClaim): void {
    this.state.claims.delete(claim);
  }

  /** "holds 4 ports; this run needs up to 9 at once (…)": what the live claims on this range expect together. */
  private exhausted(claim: PortClaim, clashes: number, lastError?: string): PortRangeError {
    const live = [...this.state.claims].filter((c) => c.range.range?.from === this.range?.from && c.range.range?.to === this.range?.to);
    if (!live.includes(claim)) live.push(claim);
    const needed = Math.max(live.reduce((n, c) => n + c.demand.ports, 0), this.inUse + clashes + 1);
    const who = live.length === 1
      ? `one case, ${claim.demand.label}: ${claim.demand.detail}`
      : `${live.length} cases at once, e.g. ${claim.demand.label} needs ${claim.demand.ports}: ${claim.demand.detail}`;
    const taken = clashes > 0 ? `; ${clashes} port(s) of the range are held by other programs${lastError ? ` (${lastError})` : ''}` : '';
    return new PortRangeError(`${this.name} holds ${this.size} ports; this run needs up to ${needed} at once (${who}${taken}) — widen the range`);
  }
}

/**
 * The ports one claimant holds. Every port it takes stays in use until its lease is released or
 * the claim is, so two live sockets never share a port.
 */
export class PortClaim {
  private readonly leases = new Set<PortLease>();
  /** Source ports for the TCP/TLS connections the claimant's transports dial (undefined: ephemeral). */
  readonly dialPorts: LocalPortSource | undefined;
  private released = false;

  constructor(readonly range: PortRange, readonly demand: PortDemand) {
    this.dialPorts = range.range ? { lease: (avoid) => this.lease(this.takeLive(avoid)) } : undefined;
  }

  /**
   * Bind a socket on a port of the range: `open(port)` is tried on free ports in turn, a port
   * another program holds (EADDRINUSE, EACCES) moves on to the next, at most once per port of the
   * range. Ephemeral: `open(0)` once. A socket that did not bind the port asked for (a client-only
   * TLS transport listens nowhere) gives it back at once.
   */
  async bind<T extends { readonly local: { port: number } }>(open: (port: number) => Promise<T>): Promise<T> {
    if (this.released) throw new Error('bind() on a released port claim');
    if (!this.range.range) return open(0);
    const clashed = new Set<number>();
    let lastError: string | undefined;
    for (;;) {
      const port = this.range.take(this, clashed, lastError);
      const lease = this.lease(port);
      let value: T;
      try {
        value = await open(port);
      } catch (err) {
        lease.release();
        if (!isPortClash(err)) throw err;
        clashed.add(port);
        lastError = (err as { code?: string }).code;
        continue; // bounded: take() throws once every port of the range is in use or clashed
      }
      if (value.local.port !== port) lease.release();
      return value;
    }
  }

  /**
   * A port of the range held without a socket yet: the MSRP port a device names in its SDP (RFC
   * 4975 §8.2) before anything listens there. Undefined for ephemeral ports.
   */
  reserve(): number | undefined {
    if (!this.range.range) return undefined;
    return this.lease(this.takeLive()).port;
  }

  /** Ports this claim holds now. */
  get held(): number[] {
    return [...this.leases].map((l) => l.port);
  }

  /** Give every port back (the topology closed). Idempotent. */
  release(): void {
    this.released = true;
    for (const l of [...this.leases]) l.release();
    this.range.forget(this);
  }

  private takeLive(avoid: ReadonlySet<number> = new Set()): number {
    if (this.released) throw new Error('a port asked of a released port claim (its topology is closed)');
    return this.range.take(this, avoid);
  }

  private lease(port: number): PortLease {
    let done = false;
    const lease: PortLease = {
      port,
      release: () => {
        if (done) return;
        done = true;
        this.leases.delete(lease);
        this.range.free(port);
      },
    };
    this.leases.add(lease);
    return lease;
  }
}
