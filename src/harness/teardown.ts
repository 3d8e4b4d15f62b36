/**
 * Leaving the SUT as the case found it. Whatever the verdict — pass, fail, inconclusive, error,
 * an interrupted run — every device completes the transactions it holds, cancels the invitations
 * it left pending, closes every session it is still in, and removes its own binding. A vendor's
 * location service caps bindings per AoR (Kamailio forks to 12 branches at most): stale contacts
 * of earlier cases would otherwise take new devices' places and turn later verdicts into noise.
 *
 * The sessions to close are read from the evidence, the device's own messages on the merged trace
 * (a confirmed dialog is an INVITE and its 2xx, RFC 3261 §12.1; it ends with a BYE answered, §15),
 * so no case has to register what it opened. Every phase is bounded: a dead SUT costs at most the
 * bound, never the run. Cleanup traffic is on the trace (and in the pcap) but is never judged.
 */
import type { SipRequest, SipResponse } from '../sip/message';
import { Dialog } from '../sip/dialog';
import { callId, fromTag, toTag } from '../sip/headers/name-addr';
import { cseq } from '../sip/headers/cseq';
import { createResponse } from '../sip/request-builder';
import type { TraceEntry } from '../sip/transport/tap';
import { finalWithin, type Device } from './device';
import { labelOf } from './template';

export interface TeardownReport {
  /** Sessions the devices still held and closed with a BYE (answered, or 481: already gone at the SUT). */
  sessionsClosed: number;
  /** Invitations still pending that the devices cancelled (§9.1). */
  invitesCancelled: number;
  /** Requests the devices had left unanswered and now answered, so no SUT transaction hangs (§17.2). */
  transactionsCompleted: number;
  /** Bindings the devices removed (REGISTER with Expires: 0, §10.2.2). */
  bindingsRemoved: number;
  /** What could not be cleaned, with the SUT's answer: the report shows it beside the verdict. */
  problems: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bindings removed at once at most; every case of the suites has fewer devices, so all of theirs go at once. */
const REMOVALS_IN_FLIGHT = 32;

/** `fn` over `items`, at most `limit` running at once, in order. */
async function pooled<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Settle `p` or give up after `ms` (the phase goes on without it). */
function bounded<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), ms); })]).finally(() => clearTimeout(timer));
}

/** What a device answers at teardown: nothing more is expected, every transaction gets its final. */
function teardownAnswer(req: SipRequest): SipResponse {
  if (req.method === 'INVITE') return createResponse(req, 480, 'Temporarily Unavailable');
  if (req.method === 'REFER') return createResponse(req, 603, 'Decline');
  return createResponse(req, 200, 'OK');
}

interface DialogEvidence {
  dialog: Dialog;
  /** A 2xx the device received for its INVITE and never ACKed: ACK first (§13.2.2.4). */
  unackedInvite?: SipRequest;
}

const dialogKey = (cid: string, a: string, b: string) => `${cid}|${[a, b].sort().join('|')}`;

/**
 * The device's confirmed dialogs that no BYE has ended yet, rebuilt from its own messages on the
 * trace: as UAC (its INVITE and the 2xx it received) or as UAS (an INVITE it received and its 2xx).
 */
export function openDialogs(device: Device, entries: TraceEntry[], role: 'uac' | 'uas'): DialogEvidence[] {
  const mine = entries.filter((e) => e.owner === device.name && e.message !== null && !e.dropped);
  const closed = new Set<string>();
  const maxSeq = new Map<string, number>();
  const acked = new Set<string>();
  for (const e of mine) {
    const m = e.message!;
    const cid = callId(m) ?? '';
    const key = dialogKey(cid, fromTag(m) ?? '', toTag(m) ?? '');
    const cs = cseq(m);
    if (m.kind === 'request' && e.direction === 'sent' && m.method !== 'ACK' && m.method !== 'CANCEL' && cs) maxSeq.set(`${cid}|${fromTag(m)}`, Math.max(maxSeq.get(`${cid}|${fromTag(m)}`) ?? 0, cs.seq));
    if (m.kind === 'request' && e.direction === 'sent' && m.method === 'ACK') acked.add(key);
    // A BYE the device received ends the dialog for it (it is answered below if still pending); one it
    // sent ends it once answered with anything but a challenge (§15.1.1; 401/407 is retried by the endpoint).
    if (m.kind === 'request' && m.method === 'BYE' && e.direction === 'received') closed.add(key);
    if (m.kind === 'response' && cs?.method === 'BYE' && e.direction === 'received' && m.status >= 200 && m.status !== 401 && m.status !== 407) closed.add(key);
  }
  const out: DialogEvidence[] = [];
  const seen = new Set<string>();
  for (const e of mine) {
    const m = e.message!;
    if (m.kind !== 'response' || m.status < 200 || m.status >= 300 || cseq(m)?.method !== 'INVITE') continue;
    const asUac = e.direction === 'received';
    if ((role === 'uac') !== asUac) continue;
    const cid = callId(m) ?? '';
    const key = dialogKey(cid, fromTag(m) ?? '', toTag(m) ?? '');
    if (closed.has(key) || seen.has(key)) continue;
    // The dialog-creating INVITE (no To tag) with the 2xx's Call-ID and CSeq (§12.1).
    const invite = mine.find((x) => x.message!.kind === 'request' && x.message!.method === 'INVITE' && x.direction === (asUac ? 'sent' : 'received') &&
      callId(x.message!) === cid && cseq(x.message!)?.seq === cseq(m)?.seq && !toTag(x.message!))?.message as SipRequest | undefined;
    if (!invite) continue; // a re-INVITE's 2xx, or a 2xx to a request the trace does not hold
    seen.add(key);
    const dialog = asUac ? Dialog.fromUac(invite, m) : Dialog.fromUas(invite, toTag(m) ?? '', device.contactUri);
    const used = maxSeq.get(`${cid}|${dialog.localTag}`);
    if (used !== undefined) dialog.localSeq = Math.max(dialog.localSeq ?? 0, used);
    out.push({ dialog, unackedInvite: asUac && !acked.has(key) ? invite : undefined });
  }
  return out;
}

/** The entries of each owner, in trace order: what openDialogs reads of one device. */
export function entriesByOwner(entries: TraceEntry[]): Map<string, TraceEntry[]> {
  const out = new Map<string, TraceEntry[]>();
  for (const e of entries) {
    if (e.owner === undefined) continue;
    const list = out.get(e.owner);
    if (list) list.push(e);
    else out.set(e.owner, [e]);
  }
  return out;
}

/** Close what the devices left open and remove their bindings; `boundMs` bounds each phase. */
export async function teardownDevices(devices: Device[], entries: () => TraceEntry[], boundMs: number): Promise<TeardownReport> {
  const report: TeardownReport = { sessionsClosed: 0, invitesCancelled: 0, transactionsCompleted: 0, bindingsRemoved: 0, problems: [] };
  // From now on nothing is expected: every new request gets a final answer at once.
  for (const d of devices) {
    d.handle((tx) => {
      if (tx.request.method !== 'ACK') void tx.respond(teardownAnswer(tx.request));
      return true;
    });
    for (const tx of d.received) {
      const done = tx.responses.some((r) => r.status >= 200) || tx.state === 'terminated' || (tx.request.method === 'INVITE' && tx.cancelled);
      if (done) continue;
      report.transactionsCompleted++;
      void tx.respond(teardownAnswer(tx.request));
    }
  }
  // No new registration from here (a case body still running after an interrupt made one after this
  // wait, and its binding stayed); one still in flight (a challenge and its retry) settles first, so
  // the binding it makes is removed below.
  for (const d of devices) d.closing = true;
  await bounded(Promise.all(devices.map((d) => d.registering)), 2 * boundMs);
  // §9.1: an invitation still pending is cancelled (once it has a provisional); a 2xx that crosses the CANCEL is closed below.
  await bounded(Promise.all(devices.flatMap((d) => d.endpoint.liveClientTransactions()
    .filter((tx) => tx.request.method === 'INVITE' && !tx.responses.some((r) => r.status >= 200))
    .map(async (tx) => {
      try {
        await tx.cancel();
        report.invitesCancelled++;
        await finalWithin(tx, boundMs);
      } catch {
        // A final came first, or no provisional ever did (then Timer B ends it): nothing to cancel.
      }
    }))), boundMs);
  // The caller's side first, so a session between two harness devices is closed once, not twice.
  for (const role of ['uac', 'uas'] as const) {
    // One pass over the trace per role, not one per device: with a thousand devices the trace holds
    // thousands of entries, and reading all of it for each device made teardown quadratic.
    const byOwner = entriesByOwner(entries());
    await bounded(Promise.all(devices.flatMap((d) => openDialogs(d, byOwner.get(d.name) ?? [], role).map(async ({ dialog, unackedInvite }) => {
      if (unackedInvite) await d.ack(dialog, unackedInvite);
      const { response } = await d.inDialog(dialog, 'BYE');
      if (response && ((response.status >= 200 && response.status < 300) || response.status === 481)) report.sessionsClosed++;
      else report.problems.push(`${d.name}'s session ${dialog.callId} could not be closed: its BYE was answered ${response ? labelOf(response) : 'with nothing'}`);
    }))), boundMs);
    // Let a BYE relayed to the other harness device arrive before its side is read from the trace.
    if (role === 'uac') await sleep(20);
  }
  // The sessions are over, so is their media (RFC 4975 §5.4: a connection lives with its sessions).
  await bounded(Promise.all(devices.map((d) => d.msrp?.closeSessions())), boundMs);
  // A bounded number of removals in flight: each 200 lists every binding left (RFC 3261 §10.3
  // step 8), and a thousand at once piled up a thousand of those at the SUT's sockets and ours.
  await bounded(pooled(devices.filter((d) => d.registered), REMOVALS_IN_FLIGHT, async (d) => {
    const res = await d.unregister();
    if (res && res.status >= 200 && res.status < 300) report.bindingsRemoved++;
    else report.problems.push(`${d.name}'s binding (${d.contactUri}) could not be removed: its REGISTER with Expires: 0 was answered ${res ? labelOf(res) : 'with nothing'}${res ? '' : ` within ${boundMs} ms`}`);
  }), boundMs + 500);
  for (const d of devices.filter((x) => x.registered)) {
    if (!report.problems.some((p) => p.startsWith(`${d.name}'s binding`))) report.problems.push(`${d.name}'s binding (${d.contactUri}) was not removed within ${boundMs} ms`);
  }
  return report;
}

export function teardownSummary(r: TeardownReport): string {
  const parts = [`${r.bindingsRemoved} binding(s) removed`, `${r.sessionsClosed} session(s) closed`];
  if (r.invitesCancelled) parts.push(`${r.invitesCancelled} invitation(s) cancelled`);
  if (r.transactionsCompleted) parts.push(`${r.transactionsCompleted} request(s) answered`);
  return `${parts.join(', ')}${r.problems.length ? `; not cleaned: ${r.problems.join('; ')}` : ''}`;
}

