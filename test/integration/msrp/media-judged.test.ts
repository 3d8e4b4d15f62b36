/**
 * Issue 17: the transfer suites judge the media on the wire. Against the reference server, the
 * cases as the suites declare them: each 1-1 session first carries a message each way (the
 * precondition), and after the transfer the message from the transferee goes where the clause says
 * — through the CS (in path, binding csMsrpRole) or directly (not in path) — and nothing reaches
 * the transferor. The knob changes the judgement: the reference (in its default MSRP role) is a
 * B2BUA endpoint, so judged as an RFC 4976 relay it is non-strict TRF-MP-MEDIA (the other way round,
 * and the reference as a relay: msrp-role.test.ts).
 */
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { runCase, type CaseResult } from '../../../src/harness/runner';
import type { TestCase } from '../../../src/harness/test-case';
import type { HarnessTarget } from '../../../src/harness/target';
import type { TraceEntry } from '../../../src/sip/transport/tap';
import { H, header } from '../../../src/msrp/message';
import { parsePath } from '../../../src/msrp/uri';
import { messageMedia } from '../../../src/msrp/sdp';
import { REFERENCE_IXIT, referenceTarget, withBinding } from '../../../bin/targets';
import { transferInMediaPath } from '../../../suites/session-transfer/cs-in-media-path/cases';
import { transferNotInMediaPath } from '../../../suites/session-transfer/cs-not-in-media-path/cases';

jest.setTimeout(60_000);

async function run(c: TestCase, mode: 'proxy' | 'b2bua', binding: Partial<HarnessTarget['binding']> = {}): Promise<CaseResult> {
  const server: ReferenceServer = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode, timers: REFERENCE_IXIT.timers });
  try {
    return await runCase(c, { transport: 'tcp', topology: 'direct', devices: [2, 1] }, withBinding(referenceTarget(server), binding));
  } finally {
    await server.stop();
  }
}

/** The SENDs with a body a device received, in trace order. */
function sendsAt(r: CaseResult, owner: string): TraceEntry[] {
  return r.trace.filter((e) => e.protocol === 'msrp' && e.owner === owner && e.direction === 'received' && e.msrp?.kind === 'request' && e.msrp.method === 'SEND' && e.msrp.body !== null);
}

function reportsAt(r: CaseResult, owner: string): TraceEntry[] {
  return r.trace.filter((e) => e.protocol === 'msrp' && e.owner === owner && e.direction === 'received' && e.msrp?.kind === 'request' && e.msrp.method === 'REPORT');
}

const fromPath = (e: TraceEntry) => header(e.msrp!, H.fromPath);

/** The a=path of the last SDP a device sent (in its INVITE or its 2xx). */
function ownPath(r: CaseResult, owner: string): string {
  const sdp = r.trace.filter((e) => e.owner === owner && e.direction === 'sent' && (e.message?.body.length ?? 0) > 0).pop();
  return messageMedia(sdp!.message!.body)!.path.map((u) => `msrp://${u.host}:${u.port}/${u.sessionId};tcp`).join(' ');
}

describe('in the media path (b2bua)', () => {
  let r: CaseResult;
  beforeAll(async () => {
    r = await run(transferInMediaPath, 'b2bua');
  });

  it('passes as the suite judges it, with a message each way before the transfer and after it', () => {
    expect({ verdict: r.verdict, reason: r.reason?.message }).toEqual({ verdict: 'pass', reason: undefined });
    expect(sendsAt(r, 'A1')).toHaveLength(1);
    expect(sendsAt(r, 'B1')).toHaveLength(2);
    expect(sendsAt(r, 'A2')).toHaveLength(1);
    // Every message asked for a success REPORT, and each sender got one with its Message-ID.
    for (const [sender, receiver] of [['A1', 'B1'], ['B1', 'A1'], ['B1', 'A2'], ['A2', 'B1']] as const) {
      const ids = r.trace.filter((e) => e.protocol === 'msrp' && e.owner === sender && e.direction === 'sent' && e.msrp?.kind === 'request' && e.msrp.method === 'SEND' && e.msrp.body !== null).map((e) => header(e.msrp!, H.messageId));
      expect(ids.some((id) => reportsAt(r, sender).some((rep) => header(rep.msrp!, H.messageId) === id))).toBe(true);
      expect(sendsAt(r, receiver).length).toBeGreaterThan(0);
    }
  });

  it('after the transfer A2 talks MSRP to the CS: From-Path is the CS\'s a=path to A2, the connection not to B1\'s listener', () => {
    const [atA2] = sendsAt(r, 'A2');
    const cs = r.trace.filter((e) => e.owner === 'A2' && e.direction === 'received' && e.message?.kind === 'response' && e.message.body.length > 0).pop()!;
    const csPath = messageMedia(cs.message!.body)!.path;
    expect(parsePath(fromPath(atA2!) ?? '').uris.map((u) => u.sessionId)).toEqual(csPath.map((u) => u.sessionId));
    expect(fromPath(atA2!)).not.toBe(ownPath(r, 'B1'));
    const b1Port = Number(/:(\d+)\//.exec(ownPath(r, 'B1'))![1]);
    expect(atA2!.flow.remote.port).not.toBe(b1Port);
  });

  it('judged as an RFC 4976 relay (csMsrpRole: relay), the same CS is non-strict TRF-MP-MEDIA from T5 (its a=path) and at T9 (its From-Path)', async () => {
    const relay = await run(transferInMediaPath, 'b2bua', { csMsrpRole: 'relay' });
    expect(relay.verdict).toBe('non-strict');
    expect(relay.reason?.requirement).toBe('TRF-MP-MEDIA');
    expect(relay.reason?.step).toBe('T5');
    expect(relay.reason?.message).toMatch(/RFC 4976/);
    expect(relay.findings.filter((f) => f.verdict === 'non-strict').map((f) => [f.step, /RFC 4976/.test(f.message)])).toEqual([['T5', true], ['T9', true]]);
  });
});

describe('not in the media path (proxy)', () => {
  it('after the transfer the message goes directly: From-Path is B1\'s own URI alone, A2 dialled B1\'s listener', async () => {
    const r = await run(transferNotInMediaPath, 'proxy');
    expect({ verdict: r.verdict, reason: r.reason?.message }).toEqual({ verdict: 'pass', reason: undefined });
    const atA2 = sendsAt(r, 'A2');
    expect(atA2).toHaveLength(1);
    expect(fromPath(atA2[0]!)).toBe(ownPath(r, 'B1'));
    expect(atA2[0]!.flow.remote.port).toBe(Number(/:(\d+)\//.exec(ownPath(r, 'B1'))![1]));
    expect(sendsAt(r, 'A1')).toHaveLength(1); // the precondition's message only
  });
});
