/**
 * Building blocks of the CPM-MLD-007 cases: invite every device of a user through the SUT, and
 * judge each CANCEL against the INVITE that device received (RFC 3261 §9.1), the 487's ACK
 * (§17.1.1.3) and the Reason (RFC 3326), always on the merged trace.
 */
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message';
import { header, headerValues } from '../../src/sip/message';
import { vias, type Via } from '../../src/sip/headers/via';
import { callId, fromTag, toTag } from '../../src/sip/headers/name-addr';
import { cseq } from '../../src/sip/headers/cseq';
import { parseReason } from '../../src/sip/headers/reason';
import type { ClientTransaction, ServerTransaction } from '../../src/sip/endpoint';
import type { TraceEntry } from '../../src/sip/transport/tap';
import type { SipEntry } from '../../src/harness/trace';
import type { TestContext } from '../../src/harness/context';
import type { Device } from '../../src/harness/device';
import { labelOf, type MessageTemplate } from '../../src/harness/template';
import { deliveredUnlessRefused } from '../../src/harness/session';

export interface Branch {
  device: Device;
  tx: ServerTransaction;
  /** The INVITE as the SUT emitted it on this branch (trace entry: exact octets and flow). */
  invite: SipEntry;
}

/**
 * The entry of this message on the SUT's own hop. Direct: what the device received. Core-emulation:
 * what the device's core received from the SUT — the stateless core adds its own Via on top (§16.11),
 * so §9.1 / §17.1.1.3 are judged where the SUT put the message on the wire, matched by branch.
 */
export function sutHop(t: TestContext, d: Device, atDevice: SipEntry): SipEntry {
  const core = t.topology.users.find((u) => u.devices.includes(d))?.core;
  if (!core) return atDevice;
  const below = vias(atDevice.message)[1]?.branch;
  const method = atDevice.message.kind === 'request' ? atDevice.message.method : undefined;
  const e = t.trace.find({ owner: core.name, direction: 'received', template: method ? { method } : {} })
    .find((x) => vias(x.message)[0]?.branch === below);
  return e ?? atDevice;
}

export interface ForkedCall {
  caller: Device;
  tx: ClientTransaction;
  branches: Branch[];
}

/** The received-trace entry that carried a server transaction's request. */
export function inboundEntry(t: TestContext, d: Device, req: SipRequest): SipEntry {
  const e = t.trace.find({ owner: d.name, direction: 'received', template: { method: req.method } })
    .find((x) => header(x.message, 'Call-ID') === header(req, 'Call-ID') && vias(x.message)[0]?.branch === vias(req)[0]?.branch);
  if (!e) throw new Error(`no trace entry for the ${req.method} at ${d.name}`);
  return e;
}

/** Caller invites the callee's AoR; precondition: the SUT forks it to every registered device. */
export async function inviteEveryDevice(t: TestContext, caller: Device, calleeAor: string, devices: Device[]): Promise<ForkedCall> {
  return t.step('fork', `The CPM Session Invitation from ${caller.name} reaches all ${devices.length} devices of ${calleeAor}`, async () => {
    const req = caller.inviteRequest(calleeAor);
    const tx = caller.endpoint.request(req, caller.nextHop(req));
    // A final non-2xx first (a challenge not answered, 403, 404) is the SUT's answer, named as such.
    const got = await deliveredUnlessRefused(t, tx, caller, devices.map((d) => d.waitForRequest({ method: 'INVITE' }, t.timeoutMs)));
    const missing = devices.filter((_, i) => got[i] === null).map((d) => d.name);
    t.precondition(missing.length === 0, {
      message: `the CPM Session Invitation did not reach ${missing.join(', ')} within ${t.timeoutMs} ms, so the user has no outstanding invitation there to cancel`,
    });
    // Every device got its INVITE (the precondition above): one branch each, in device order.
    const branches = devices.flatMap((device, i) => {
      const tx = got[i];
      return tx ? [{ device, tx, invite: sutHop(t, device, inboundEntry(t, device, tx.request)) }] : [];
    });
    return { caller, tx, branches };
  });
}

/** Wait for a CANCEL at a device (the endpoint answers it 200; the device answers the INVITE 487). */
export async function cancelAt(t: TestContext, b: Branch, timeoutMs: number): Promise<SipEntry | null> {
  const e = await t.trace.waitFor({
    owner: b.device.name, direction: 'received', template: { method: 'CANCEL' },
    test: (x) => x.message !== null && header(x.message, 'Call-ID') === header(b.invite.message, 'Call-ID'),
  }, timeoutMs);
  return e && sutHop(t, b.device, e);
}

/** The INVITE's fields a request of the same transaction repeats (RFC 3261 §9.1, §17.1.1.3). */
function inviteFields(invite: TraceEntry): { uri: string; callId: string; from: string; cseqNumber: string; topVia: string; routes: string[] } {
  const inv = invite.message as SipRequest;
  return {
    uri: inv.uri, callId: header(inv, 'Call-ID') ?? '(absent)', from: header(inv, 'From') ?? '(absent)',
    cseqNumber: header(inv, 'CSeq')?.split(/\s+/)[0] ?? '(absent)', topVia: headerValues(inv, 'Via')[0] ?? '(absent)', routes: headerValues(inv, 'Route'),
  };
}

/** Where a message came from, as `protocol host:port` (its trace entry's flow). */
function source(_msg: SipMessage, entry: TraceEntry | undefined): string | undefined {
  return entry && `${entry.flow.protocol} ${entry.flow.remote.host.toLowerCase()}:${entry.flow.remote.port}`;
}

/**
 * RFC 3261 §9.1: the CANCEL mirrors the INVITE it cancels on this hop: its Request-URI, Call-ID,
 * To, From, the CSeq number with method CANCEL, exactly one Via equal to the INVITE's top Via, its
 * Route set; no Require or Proxy-Require ("MUST NOT"). Over UDP it comes from where the INVITE came
 * from (over TCP the peer may open another connection, §18.1.1).
 */
export function cancelTemplate(invite: TraceEntry): MessageTemplate {
  const f = inviteFields(invite);
  const from = `${invite.flow.protocol} ${invite.flow.remote.host.toLowerCase()}:${invite.flow.remote.port}`;
  return {
    method: 'CANCEL',
    uri: f.uri,
    headers: {
      Via: { values: [f.topVia], why: 'exactly one Via, equal to the INVITE\'s top Via: RFC 3261 §9.1' }, 'Call-ID': f.callId, From: f.from, To: header(invite.message as SipRequest, 'To') ?? '(absent)',
      CSeq: `${f.cseqNumber} CANCEL`, Route: { values: f.routes }, Require: { absent: true }, 'Proxy-Require': { absent: true },
    },
    derived: [{
      field: 'source', of: source,
      is: { rule: `${from} (where the INVITE came from; over a stream any connection)`, test: (v: string | undefined) => v === undefined || !v.startsWith('udp ') || v === from },
    }],
  };
}

/** RFC 3326: `Reason: SIP;cause=200;text="Call completed elsewhere"` (CPM-MLD-007). */
export const REASON_COMPLETED_ELSEWHERE: MessageTemplate = {
  method: 'CANCEL',
  headers: {
    Reason: {
      rule: 'SIP;cause=200;text="Call completed elsewhere" (RFC 3326: protocol SIP, cause 200)',
      test: (_v, msg) => headerValues(msg, 'Reason').some((v) => {
        const r = parseReason(v);
        return r !== null && r.protocol.toUpperCase() === 'SIP' && r.cause === 200;
      }),
    },
  },
};

/** RFC 3261 §17.1.1.3: the ACK of a 487 mirrors the INVITE, with the 487's To (its tag). */
export function ackTemplate(invite: TraceEntry, final: SipResponse | SipMessage): MessageTemplate {
  const f = inviteFields(invite);
  return {
    method: 'ACK',
    uri: f.uri,
    headers: { Via: { values: [f.topVia], why: 'a single Via, equal to the INVITE\'s top Via: RFC 3261 §17.1.1.3' }, 'Call-ID': f.callId, From: f.from, To: header(final, 'To') ?? '(absent)', CSeq: `${f.cseqNumber} ACK`, Route: { values: f.routes } },
  };
}

/** Distinct 2xx answers (by To tag) the caller received for its INVITE. */
export function callerAnswers(t: TestContext, caller: Device, tx: ClientTransaction): TraceEntry[] {
  const callId = header(tx.request, 'Call-ID');
  const seen = new Map<string, TraceEntry>();
  for (const e of t.trace.find({ owner: caller.name, direction: 'received' })) {
    const m = e.message;
    if (!m || m.kind !== 'response' || m.status < 200 || m.status >= 300 || header(m, 'Call-ID') !== callId) continue;
    const tag = /;\s*tag=([^;\s]+)/i.exec(header(m, 'To') ?? '')?.[1] ?? '';
    if (!seen.has(tag)) seen.set(tag, e);
  }
  return [...seen.values()];
}

export function describeFinal(res: SipResponse | null): string {
  return res ? labelOf(res) : 'no final response';
}

/** The 2xx answers to INVITE a harness element received, in trace order. */
function inviteOks(t: TestContext, owner?: string): SipEntry[] {
  return t.trace.find({ owner, direction: 'received' }).filter((e): e is SipEntry => {
    const m = e.message;
    return m !== null && m.kind === 'response' && m.status >= 200 && m.status < 300 && cseq(m)?.method === 'INVITE';
  });
}

/** Every 2xx to this INVITE the caller received, retransmissions included, in trace order. */
export function callerOks(t: TestContext, caller: Device, invite: SipRequest): TraceEntry[] {
  return inviteOks(t, caller.name).filter((e) => callId(e.message) === callId(invite) && cseq(e.message)?.seq === cseq(invite)?.seq);
}

/**
 * The first INVITE a harness element sent that came back answered by more than one 2xx (distinct
 * To tags, §12.1), on any hop the harness sees: the caller's, and in core-emulation each core's
 * hop to a PF. Null when every INVITE got at most one. Only a forking proxy makes several (§16.7
 * step 5); a UAS, and so a B2BUA on the leg it answers, sends one (§13.3.1.4).
 */
export function answeredMoreThanOnce(t: TestContext): TraceEntry[] | null {
  const groups = new Map<string, Map<string, TraceEntry>>();
  for (const e of inviteOks(t)) {
    const m = e.message;
    const key = [e.owner, callId(m), fromTag(m), cseq(m)?.seq].join('\u0000');
    const g = groups.get(key) ?? new Map<string, TraceEntry>();
    groups.set(key, g);
    const tag = toTag(m) ?? '';
    if (!g.has(tag)) g.set(tag, e);
  }
  for (const g of groups.values()) if (g.size > 1) return [...g.values()];
  return null;
}

/**
 * The first Via of a received message that no harness element put there, i.e. one the SUT pushed
 * when it relayed or sent the message (§16.6 step 8, §16.11, §8.1.1.7): evidence the message
 * crossed the SUT. Every Via the harness adds (devices and cores) is the top Via of a request it
 * sent, so it is known by its branch; null when the message never crossed the SUT.
 */
export function sutVia(t: TestContext, e: TraceEntry): Via | null {
  const ours = new Set<string>();
  for (const x of t.trace.entries) {
    if (x.direction !== 'sent' || x.message?.kind !== 'request') continue;
    const b = vias(x.message)[0]?.branch;
    if (b) ours.add(b);
  }
  return (e.message ? vias(e.message) : []).find((v) => v.branch === undefined || !ours.has(v.branch)) ?? null;
}
