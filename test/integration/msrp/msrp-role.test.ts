/**
 * The binding knob `csMsrpRole` matters both ways (issue 17, docs/cpm-sip-binding.md). The
 * reference server takes part in the MSRP of its B2BUA sessions as the endpoint of each leg
 * (`msrpRole: 'b2bua'`) or as an RFC 4976 relay (`msrpRole: 'relay'`, msrp-relay.ts). Each passes
 * the in-path transfer and pull cases when judged by its own role. Judged by the other role it is
 * non-strict on TRF-MP-MEDIA, at T5: the a=path it answers the target with has the other role's
 * form. The in-path check's own branches are shown failing for the reason they name, each against
 * a fault of the reference (`trf-mp-msrp-from-path-other-leg`, `trf-mp-msrp-foreign-host`). One
 * transport and one topology keep it to a few seconds.
 */
import { startReferenceServer, type CsMsrpRole, type ReferenceServer } from '../../../src/reference';
import { runCase, type CaseResult } from '../../../src/harness/runner';
import type { TestCase } from '../../../src/harness/test-case';
import type { TraceEntry } from '../../../src/sip/transport/tap';
import { H, header } from '../../../src/msrp/message';
import { messageMedia } from '../../../src/msrp/sdp';
import { parsePath } from '../../../src/msrp/uri';
import { REFERENCE_IXIT, referenceTarget, withBinding } from '../../../bin/targets';
import { csInMediaPathCases, transferInMediaPath } from '../../../suites/session-transfer/cs-in-media-path/cases';
import { remotePullCases } from '../../../suites/session-transfer/remote-pull/cases';

jest.setTimeout(60_000);

async function run(cases: TestCase[], msrpRole: CsMsrpRole, o: { knob?: CsMsrpRole; faults?: string[] } = {}): Promise<CaseResult[]> {
  const server: ReferenceServer = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode: 'b2bua', msrpRole, faults: o.faults, timers: REFERENCE_IXIT.timers });
  try {
    const target = withBinding(referenceTarget(server), o.knob ? { csMsrpRole: o.knob } : undefined);
    return await Promise.all(cases.map((c) => runCase(c, { ...c.variants[0]!, transport: 'tcp', topology: 'direct' }, target)));
  } finally {
    await server.stop();
  }
}

const brief = (r: CaseResult) => `${r.key}: ${r.verdict} ${r.reason?.requirement ?? ''} ${r.reason?.step ?? ''}`.trim();

/** The first SEND with a body a device received. */
function firstSendAt(r: CaseResult, owner: string): TraceEntry | undefined {
  return r.trace.find((e) => e.protocol === 'msrp' && e.owner === owner && e.direction === 'received' && e.msrp?.kind === 'request' && e.msrp.method === 'SEND' && e.msrp.body !== null);
}

/** The session ids of the a=path in the SDP answer the CS gave A2 (the last 2xx with a body A2 received). */
function pathGivenTo(r: CaseResult, owner: string): string[] {
  const e = r.trace.filter((x) => x.owner === owner && x.direction === 'received' && x.message?.kind === 'response' && (x.message.body.length ?? 0) > 0).pop();
  return (messageMedia(e?.message?.body)?.path ?? []).map((u) => u.sessionId ?? '');
}

describe.each(['b2bua', 'relay'] as const)('reference in the %s MSRP role', (role) => {
  it('passes every in-path transfer and pull case judged with csMsrpRole the same', async () => {
    // TC-TRF-PULL-04 judges a pull by REFER only (pullMode refer-to-psi): under the default binding it is n/a by its `applies`.
    const rs = await run([...csInMediaPathCases, ...remotePullCases.filter((c) => c.id !== 'TC-TRF-PULL-04')], role);
    expect(rs.map(brief)).toEqual(rs.map((r) => `${r.key}: pass`));
  });

  it(`judged with csMsrpRole ${role === 'b2bua' ? 'relay' : 'b2bua'}, TC-TRF-MP-01 is non-strict TRF-MP-MEDIA at T5 for the form of its a=path`, async () => {
    const [r] = await run([transferInMediaPath], role, { knob: role === 'b2bua' ? 'relay' : 'b2bua' });
    expect(brief(r!)).toBe(`${r!.key}: non-strict TRF-MP-MEDIA T5`);
    expect(r!.reason?.message).toMatch(role === 'b2bua' ? /an RFC 4976 relay gives its own URI first/ : /an RFC 4976 relay's path, not the CS as the endpoint/);
    // T9 judges the frames too, for the same reason, and the messages still flowed (no other requirement missed).
    const media = r!.findings.filter((f) => f.requirement === 'TRF-MP-MEDIA' && f.verdict === 'non-strict').map((f) => f.step);
    expect(media).toEqual(['T5', 'T9']);
    expect(Object.entries(r!.requirementVerdicts).filter(([, v]) => v !== 'pass')).toEqual([['TRF-MP-MEDIA', 'non-strict']]);
  });
});

describe('on the wire, the relay role', () => {
  it('gives A2 the path relay-then-B1, and B1\'s message reaches A2 From-Path the relay then B1 (RFC 4976 §6, §7.1)', async () => {
    const [r] = await run([transferInMediaPath], 'relay');
    expect(brief(r!)).toBe(`${r!.key}: pass`);
    const given = pathGivenTo(r!, 'A2');
    expect(given).toHaveLength(2);
    const atA2 = firstSendAt(r!, 'A2');
    expect(parsePath(header(atA2!.msrp!, H.fromPath) ?? '').uris.map((u) => u.sessionId)).toEqual(given);
  });
});

describe.each(['b2bua', 'relay'] as const)('the in-path branches, each against a fault (%s role)', (role) => {
  it('trf-mp-msrp-from-path-other-leg: From-Path not the a=path the CS gave the target', async () => {
    const [r] = await run([transferInMediaPath], role, { faults: ['trf-mp-msrp-from-path-other-leg'] });
    expect(brief(r!)).toBe(`${r!.key}: non-strict TRF-MP-MEDIA T9`);
    expect(r!.reason?.message).toMatch(role === 'b2bua' ? /From-Path \S+, not the CS's own a=path/ : /an RFC 4976 relay names itself first/);
  });

  it('trf-mp-msrp-foreign-host: the target\'s MSRP connection comes from a host not among ixit.csMsrpHosts (the CS dials it; as a relay, naming the transferee behind it, RFC 4976 §7.1)', async () => {
    const [r] = await run([transferInMediaPath], role, { faults: ['trf-mp-msrp-foreign-host'] });
    expect(brief(r!)).toBe(`${r!.key}: non-strict TRF-MP-MEDIA T9`);
    expect(r!.reason?.message).toMatch(/MSRP connection goes to 127\.0\.0\.2:\d+, not a CS MSRP host/);
  });
});
