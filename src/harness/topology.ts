/**
 * Builds what a case variant needs (docs/architecture.md): users with their devices and, in core-emulation,
 * SIP/IP Core A and B. Every case gets its own sockets, users and Call-IDs so cases can run in
 * parallel against one SUT. Every socket binds on the target's local host, on a port of its local
 * port range (a PortRange claim the topology gives back when it closes), and tells peers the
 * advertised host.
 */
import { randomBytes } from 'node:crypto';
import { createTransport } from '../sip/transport/factory';
import type { Tap } from '../sip/transport/tap';
import type { Transport } from '../sip/transport/transport';
import type { Address } from '../sip/transport/address';
import { CoreEmulator } from './core-emulator';
import { Device } from './device';
import { DeviceMsrp } from './msrp-endpoint';
import { sentBy } from '../sip/transport/transport';
import { PortRange, type PortClaim, type PortDemand } from './port-range';
import { variantLabel, type CaseVariant, type HarnessLimits } from './types';
import { harnessTimers, type HarnessTarget, type TargetUser } from './target';

export interface UserHandle {
  /** 'A', 'B', 'C', ... as in the spec flows. */
  label: string;
  aor: string;
  devices: Device[];
  /** The user's home core (core-emulation only). */
  core?: CoreEmulator;
}

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];

/**
 * The most local ports one variant holds at once, for the "local.ports too small" error: a SIP
 * socket per device and core, an MSRP port per device (when ports come from a range), and over
 * TCP/TLS the connections the harness dials (each device to its outbound and at most one peer,
 * each core to PF A, PF B and the peer core), and the MSRP connections a device dials (one per
 * session it is the active side of; a device of the suites dials at most one: RFC 6135 a=setup).
 */
export function portDemand(target: HarnessTarget, variant: CaseVariant): PortDemand {
  const devices = variant.devices.reduce((a, b) => a + b, 0);
  const cores = variant.topology === 'core-emulation' ? 2 : 0;
  const msrp = target.localPorts ? devices : 0;
  const dials = variant.transport === 'udp' ? 0 : 2 * devices + 3 * cores;
  const parts = [`${devices + cores} SIP sockets`, ...(msrp ? [`${msrp} MSRP ports`, `up to ${msrp} dialled MSRP connections`] : []), ...(dials ? [`up to ${dials} dialled ${variant.transport.toUpperCase()} connections`] : [])];
  return { label: variantLabel(variant), ports: devices + cores + 2 * msrp + dials, detail: parts.join(', ') };
}

export class Topology {
  private constructor(
    readonly users: UserHandle[],
    readonly cores: CoreEmulator[],
    private readonly transports: Transport[],
    private readonly ports: PortClaim,
  ) {}

  /** Every socket address the harness bound for this case. */
  get localAddresses(): Address[] {
    return this.transports.map((t) => t.local);
  }

  get devices(): Device[] {
    return this.users.flatMap((u) => u.devices);
  }

  /** Users for a variant: generated per case on the reference server, drawn from the config's pool otherwise. */
  static pickUsers(target: HarnessTarget, variant: CaseVariant, pool: TargetUser[] | undefined): TargetUser[] {
    if (target.isReference || !pool) {
      const tag = randomBytes(3).toString('hex');
      return variant.devices.map((n, i) => ({
        aor: `sip:${NAMES[i] ?? `user${i}`}-${tag}@${target.domain}`,
        username: `${NAMES[i] ?? `user${i}`}-${tag}`,
        devices: n,
      }));
    }
    return variant.devices.map((n, i) => {
      const u = pool.filter((p) => p.devices >= n)[i] ?? pool[i];
      if (!u) throw new Error(`the target config provides ${pool.length} user(s); this case needs ${variant.devices.length}`);
      return u;
    });
  }

  /** `holdBinding`: every device registers once and keeps that binding (a load slot, device-registration.ts). */
  static async build(target: HarnessTarget, variant: CaseVariant, tap: Tap, users: TargetUser[], limits: HarnessLimits = {}, opts: { holdBinding?: boolean } = {}): Promise<Topology> {
    const transports: Transport[] = [];
    const media: DeviceMsrp[] = [];
    // Throws at once, naming local.ports, when this variant alone needs more ports than the range holds.
    const ports = new PortRange(target.localHost, target.localPorts).claim(portDemand(target, variant));
    const open = async (owner: string): Promise<Transport> => {
      // TLS: verification stays on unless the target says insecure (docs/target-config.md); cert/key let devices listen too.
      const t = await ports.bind((port) => createTransport({
        protocol: variant.transport, host: target.localHost, port, tap, owner,
        advertisedHost: target.advertisedHost, localPorts: ports.dialPorts,
        tls: variant.transport === 'tls' ? target.tls : undefined,
        parseLimits: limits.parse, limits: limits.stream,
      }));
      transports.push(t);
      return t;
    };
    try {
      const cores: CoreEmulator[] = [];
      if (variant.topology === 'core-emulation') {
        for (const label of ['A', 'B']) {
          cores.push(new CoreEmulator({ name: `Core ${label}`, transport: await open(`Core ${label}`), pfOrig: target.pfA, pfTerm: target.pfB }));
        }
        for (const c of cores) c.connect(cores);
      }
      const handles: UserHandle[] = [];
      for (let i = 0; i < users.length; i++) {
        const u = users[i];
        const label = String.fromCharCode(65 + i);
        const core = cores.length > 0 ? cores[Math.min(i, cores.length - 1)] : undefined;
        const devices: Device[] = [];
        for (let d = 1; d <= variant.devices[i]; d++) {
          const name = `${label}${d}`;
          const transport = await open(name);
          // Its MSRP listener (RFC 4975 §8.2: the a=path its SDP names), on a port of local.ports too.
          const msrp = await DeviceMsrp.open({ owner: name, host: target.localHost, advertisedHost: sentBy(transport).host, tap, timeoutMs: target.ixit.responseTimeoutMs, localPorts: ports.dialPorts }, (o) => ports.bind(o));
          media.push(msrp);
          devices.push(new Device({
            name, aor: u.aor, username: u.username, password: u.password, realm: u.realm,
            transport, msrp,
            outbound: core ? core.address : target.pfA,
            timers: harnessTimers(target),
            responseTimeoutMs: target.ixit.responseTimeoutMs,
            // `either`: the SUT takes both, so the devices use the CPM ICSI (docs/cpm-sip-binding.md).
            service: target.binding.serviceIdentification === 'oma-sip-im' ? 'oma-sip-im' : 'cpm-icsi',
            userAgent: target.ixit.userAgent,
            holdBinding: opts.holdBinding,
          }));
        }
        handles.push({ label, aor: u.aor, devices, core });
      }
      return new Topology(handles, cores, transports, ports);
    } catch (err) {
      await Promise.allSettled([...transports.map((t) => t.close()), ...media.map((m) => m.close())]);
      ports.release();
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.devices.map((d) => d.close()));
    await Promise.allSettled(this.transports.map((t) => t.close()));
    // Only once every socket is closed: a port back in the range may be bound by the next case at once.
    this.ports.release();
  }
}
