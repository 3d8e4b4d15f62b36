/**
 * The judgements of C.2.3.1 both topologies share: finding a hop of the leaving request on the
 * merged trace, Client B's dialog (step 7) and the OK at Client A (step 14).
 */
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message';
import { header } from '../../src/sip/message';
import { cseq } from '../../src/sip/headers/cseq';
import { callId, fromTag, toTag } from '../../src/sip/headers/name-addr';
import type { TraceEntry } from '../../src/sip/transport/tap';
import type { TestContext } from '../../src/harness/context';
import { hasSipMessage, type SipEntry } from '../../src/harness/trace';
import type { Device } from '../../src/harness/device';
import { finalWithin } from '../../src/harness/session';
import { labelOf } from '../../src/harness/template';
import { relayedResponseTemplate, viaList } from './hop-checks';
import type { LeavingSides } from './leaving-sides';

const isBye = (m: SipMessage | null) => m !== null && cseq(m)?.method === 'BYE';
export const isByeRequest = (m: SipMessage | null): m is SipRequest => m !== null && m.kind === 'request' && m.method === 'BYE';
export const isByeResponse = (m: SipMessage | null): m is SipResponse => m !== null && m.kind === 'response' && isBye(m);

/** Entry the owner sent to / received from, with an extra test (one that wants a message), after a trace position. */
export async function hopEntry(t: TestContext, owner: string, direction: 'sent' | 'received', after: number, test: (e: TraceEntry) => boolean, timeoutMs: number): Promise<SipEntry | null> {
  const e = await t.trace.waitFor({ owner, direction, after, test }, timeoutMs);
  return e !== null && hasSipMessage(e) ? e : null;
}

export function routeSetText(d: LeavingSides['leaverDialog']): string {
  return d.routeSet.length === 0 ? '(empty)' : d.routeSet.join(', ');
}

/** Step 7: the leaving request Client B receives belongs to Client B's dialog (RFC 3261 §12.2.2). */
export function checkPeerDialog(t: TestContext, x: LeavingSides, bye: SipMessage): void {
  const d = x.peerDialog;
  t.check('LEAVE-TERM', [
    ...(callId(bye) !== d.callId ? [{ field: 'Call-ID', expected: d.callId, actual: callId(bye) ?? '(absent)' }] : []),
    ...(toTag(bye) !== d.localTag ? [{ field: 'To tag', expected: d.localTag, actual: toTag(bye) ?? '(absent)' }] : []),
    ...(fromTag(bye) !== d.remoteTag ? [{ field: 'From tag', expected: d.remoteTag, actual: fromTag(bye) ?? '(absent)' }] : []),
  ], { message: `the leaving request delivered to ${x.peer.name} does not belong to its dialog`, actual: bye });
}

/** Step 14: the OK reaches Client A, on its BYE's transaction, with exactly its Via and CSeq (the reverse route's end). */
export async function step14ClientAReceivesOk(t: TestContext, x: LeavingSides, tx: ReturnType<Device['endpoint']['request']>, bye: SipMessage): Promise<SipResponse> {
  const ok = await finalWithin(tx, t.timeoutMs);
  if (ok === null) {
    const last = t.trace.find({ owner: x.leaver.name, direction: 'received' }).filter((e): e is SipEntry => isByeResponse(e.message)).pop();
    t.check('LEAVE-OK', false, {
      message: `step 14: no final response matching the leaving request reached ${x.leaver.name} within ${t.timeoutMs} ms` +
        (last ? ` (a response arrived but did not match its transaction: Via ${viaList(last.message).join(' | ')})` : ''),
      expected: `200 OK with exactly ${x.leaver.name}'s Via and CSeq ${header(bye, 'CSeq')}`,
      actual: last ?? 'nothing',
    });
  }
  t.check('LEAVE-OK', ok.status === 200, { message: `step 14: the leaving request was answered ${labelOf(ok)}, not OK`, actual: ok });
  t.expect('LEAVE-OK', ok, relayedResponseTemplate(bye, 200), `step 14: the OK at ${x.leaver.name} does not match its leaving request`);
  return ok;
}
