/**
 * What the runner reads of every message the SUT sent once a case is over — whether it parsed
 * (a SUT must only send SIP, RFC 3261 §7) and the Server / User-Agent it named — taken as each is
 * recorded, while its parsed form is at hand. A large message is held weakly on the trace
 * (src/sip/transport/trace-recorder.ts) and reading all of them after the case parsed each again:
 * a thousand devices' 200s to REGISTER, every binding listed (§10.3 step 8), parsed twice.
 */
import type { Tap, TraceEntry } from '../sip/transport/tap';

export interface ReceivedFacts {
  /** Received entries that are not a SIP message (MSRP frames aside). */
  unparsed: Set<TraceEntry>;
  /** Server and User-Agent values (§20.35, §20.41) of each received SIP message that has any. */
  agents: Map<TraceEntry, string[]>;
  stop: () => void;
}

const AGENT = /^(server|user-agent)$/i;

export function watchReceived(tap: Tap): ReceivedFacts {
  const unparsed = new Set<TraceEntry>();
  const agents = new Map<TraceEntry, string[]>();
  const stop = tap.subscribe((e) => {
    if (e.direction !== 'received' || e.protocol === 'msrp') return;
    const m = e.message;
    if (m === null) {
      unparsed.add(e);
      return;
    }
    const values = m.headers.filter((h) => AGENT.test(h.name)).map((h) => h.value);
    if (values.length > 0) agents.set(e, values);
  });
  return { unparsed, agents, stop };
}

/**
 * The Server / User-Agent values the SUT named in `trace`, each once. Left out: the harness's own
 * User-Agent (`ownAgent`, IXIT userAgent), which a proxy forwards with the devices' requests, and
 * every value on a hop between two of the harness's own sockets (a core emulation receiving from a
 * device, such as TC-MLD-007-10's 100 with its "Server: cpm-conformance B1 trying-probe …"): the
 * harness, not the SUT, seen on the wire.
 */
export function sutAgentsOf(trace: readonly TraceEntry[], facts: Pick<ReceivedFacts, 'agents'>, ownAgent: string | undefined): string[] {
  const at = (protocol: string, a: { host: string; port: number }) => `${protocol} ${a.host.toLowerCase()} ${a.port}`;
  const harness = new Set(trace.filter((e) => e.direction === 'sent').map((e) => at(e.flow.protocol, e.flow.local)));
  return [...new Set(trace.flatMap((e) => (harness.has(at(e.flow.protocol, e.flow.remote)) ? [] : (facts.agents.get(e) ?? []).filter((v) => v !== ownAgent))))];
}
