/**
 * Starting and stopping the reference CPM Conversation Server (docs/architecture.md, The reference server): PF A (registrar and
 * originating PF) on `port`, PF B (terminating PF) on `port + 1` (or ephemeral), each on the
 * same port number for every transport, all sockets on one Tap.
 */
import type { Address, TransportProtocol } from '../sip/transport/address';
import type { Transport } from '../sip/transport/transport';
import { Tap } from '../sip/transport/tap';
import { createTransport } from '../sip/transport/factory';
import { SipEndpoint } from '../sip/endpoint';
import { FaultSet } from './faults';
import { LocationService } from './location-service';
import { Registrar } from './registrar';
import { ParticipatingFunction } from './participating-function';
import type { PfContext, PfRole } from './pf-context';
import type { ReferenceServer, ReferenceServerOptions } from './options';
import { MsrpRelay } from './msrp-relay';
import { MsrpPathRelay } from './msrp-path-relay';

/** Attempts at finding an ephemeral port free on every transport at once. */
const PORT_ATTEMPTS = 20;

/** Open one transport per protocol on the same port; with port 0 the first protocol picks it and the others follow (retrying on a clash). */
async function openTransports(host: string, port: number, protocols: TransportProtocol[], tap: Tap, owner: string, tls: ReferenceServerOptions['tls']): Promise<Transport[]> {
  let lastErr: unknown;
  for (let attempt = 0; attempt < (port === 0 ? PORT_ATTEMPTS : 1); attempt++) {
    const opened: Transport[] = [];
    try {
      let p = port;
      for (const protocol of protocols) {
        const t = await createTransport({ protocol, host, port: p, tap, owner, tls: protocol === 'tls' ? tls : undefined });
        opened.push(t);
        p = t.local.port;
      }
      return opened;
    } catch (err) {
      lastErr = err;
      await Promise.all(opened.map((t) => t.close()));
    }
  }
  throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
}

export async function startReferenceServer(opts: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 0;
  const protocols = opts.transports ?? ['udp', 'tcp'];
  if (protocols.length === 0) throw new Error('the reference server needs at least one transport');
  const mode = opts.mode ?? 'proxy';
  const msrpRole = opts.msrpRole ?? 'b2bua';
  const faults = new FaultSet(opts.faults ?? []);
  const domain = opts.domain ?? 'cpm.example.com';
  const log = opts.log ?? (() => undefined);
  const tap = new Tap();
  tap.setFaults({ ...opts.network, lossRate: opts.lossRate ?? opts.network?.lossRate ?? 0 });
  tap.retain = opts.traceRetain ?? 20_000;
  tap.retainBytes = opts.traceRetainBytes ?? 64 * 2 ** 20;

  const aTransports = await openTransports(host, port, protocols, tap, 'PF A', opts.tls);
  let bTransports: Transport[];
  try {
    bTransports = await openTransports(host, port === 0 ? 0 : port + 1, protocols, tap, 'PF B', opts.tls);
  } catch (err) {
    await Promise.all(aTransports.map((t) => t.close()));
    throw err;
  }
  // B2BUA mode: the CS terminates MSRP on each leg (5.2.5.1.1 ¶5, RFC 4975 §8.2), at PF A, where the transfer logic keeps it in the path.
  let msrp: MsrpRelay | undefined;
  let pathRelay: MsrpPathRelay | undefined;
  try {
    if (mode === 'b2bua') msrp = await MsrpRelay.open({ host, timeoutMs: 10_000, faults, role: msrpRole });
    if (mode === 'proxy' && faults.has('trf-nmp-msrp-relay-inserted')) pathRelay = await MsrpPathRelay.open(host);
  } catch (err) {
    await Promise.all([...aTransports, ...bTransports].map((t) => t.close()));
    throw err;
  }
  const pfA: Address = { host, port: aTransports[0].local.port };
  const pfB: Address = { host, port: bTransports[0].local.port };
  const location = new LocationService();

  const pfs: ParticipatingFunction[] = [];
  const make = (role: PfRole, transports: Transport[], address: Address, peer: Address): SipEndpoint => {
    const name = `PF ${role}`;
    const endpoint = new SipEndpoint({ transports, timers: opts.timers, name });
    const ctx: PfContext = {
      role, name, address, peer, mode, endpoint, location, faults, domain, log, ...(role === 'A' && msrp ? { msrp } : {}), ...(role === 'A' && pathRelay ? { msrpPathRelay: pathRelay } : {}),
      transports: new Map(transports.map((t) => [t.protocol, t])),
    };
    pfs.push(new ParticipatingFunction(ctx, role === 'A' ? new Registrar(location, opts.auth, faults) : null));
    return endpoint;
  };
  const endpoints = [make('A', aTransports, pfA, pfB), make('B', bTransports, pfB, pfA)];
  log(`reference CPM Conversation Server (${mode}${mode === 'b2bua' ? `, MSRP ${msrpRole}` : ''}) PF A ${pfA.host}:${pfA.port}, PF B ${pfB.host}:${pfB.port}; faults: ${faults.names.join(', ') || 'none'}`);

  let stopped: Promise<void> | undefined;
  return {
    pfA,
    pfB,
    mode,
    msrpRole,
    faults: faults.names,
    transports: [...protocols],
    tap,
    stop: () => (stopped ??= Promise.all([...pfs.map((pf) => pf.close()), ...endpoints.map((e) => e.close()), msrp?.close(), pathRelay?.close()]).then(() => undefined)),
  };
}
