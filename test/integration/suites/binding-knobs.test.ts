/**
 * The suites follow the binding knobs of the target config (docs/cpm-sip-binding.md; issues 5 and 6, point 3):
 * against the reference server, switching a knob changes what the devices put on the wire and how
 * the SUT is judged. Real sockets, the reference server in the PF mode each transfer variant needs.
 */
import { header, type SipMessage } from '../../../src/sip/message';
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { runCase, type CaseResult } from '../../../src/harness/runner';
import type { HarnessTarget } from '../../../src/harness/target';
import type { TestCase, CaseVariant } from '../../../src/harness/test-case';
import { REFERENCE_IXIT, referenceTarget, withBinding } from '../../../bin/targets';
import { runSelftest, formatRow } from '../../../bin/selftest';
import { foreignTargetRefused, transferInMediaPath, unregisteredTargetRefused } from '../../../suites/session-transfer/cs-in-media-path/cases';
import { transferNotInMediaPath } from '../../../suites/session-transfer/cs-not-in-media-path/cases';
import { pullBySameUser, pullByOtherUserRefused } from '../../../suites/session-transfer/remote-pull/cases';
import { perTransaction } from '../reference/test-ua';

jest.setTimeout(5 * 60_000);

type Binding = Partial<HarnessTarget['binding']>;

async function withServer<T>(mode: 'proxy' | 'b2bua', faults: string[], fn: (s: ReferenceServer) => Promise<T>): Promise<T> {
  const server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode, faults, timers: REFERENCE_IXIT.timers });
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

async function run(c: TestCase, mode: 'proxy' | 'b2bua', binding: Binding, faults: string[] = [], variant: Partial<CaseVariant> = {}): Promise<CaseResult> {
  return withServer(mode, faults, (server) => runCase(c, { ...c.variants[0], ...variant }, withBinding(referenceTarget(server), binding)));
}

/** Requests a device sent, by method, one per transaction (a UDP retransmission on a loaded machine is the same request, RFC 3261 §17.1.1.2). */
function sent(r: CaseResult, owner: string, method: string): SipMessage[] {
  return perTransaction(r.trace.filter((e) => e.owner === owner && e.direction === 'sent' && e.message?.kind === 'request' && e.message.method === method).map((e) => e.message!));
}

const brief = (r: CaseResult) => `${r.key}: ${r.verdict} ${r.reason?.requirement ?? ''} ${r.reason?.message ?? ''}`;

describe('deviceAddressing: gruu (RFC 5627)', () => {
  test.each(['b2bua', 'proxy'] as const)('%s: the transferor names the target by the GRUU the registrar assigned, and the transfer passes', async (mode) => {
    const c = mode === 'b2bua' ? transferInMediaPath : transferNotInMediaPath;
    const r = await run(c, mode, { deviceAddressing: 'gruu' });
    expect(brief(r)).toBe(`${r.key}: pass  `);
    const refer = sent(r, 'A1', 'REFER')[0];
    expect(header(refer, 'Refer-To')).toMatch(/^<sip:[^>]+;gr=urn:uuid:[0-9a-f-]{36}>$/);
  });

  test('an unregistered GRUU of the same user is refused (480), a GRUU of another user too (403)', async () => {
    for (const c of [unregisteredTargetRefused, foreignTargetRefused]) {
      const r = await run(c, 'b2bua', { deviceAddressing: 'gruu' });
      expect(brief(r)).toBe(`${r.key}: pass  `);
      expect(header(sent(r, 'A1', 'REFER')[0], 'Refer-To')).toMatch(/;gr=urn:uuid:/);
    }
  });
});

describe('pullMode: refer-to-psi', () => {
  test.each(['b2bua', 'proxy'] as const)('%s: the puller sends REFER to the CS transfer URI with Target-Dialog and passes', async (mode) => {
    const r = await run(pullBySameUser, mode, { pullMode: 'refer-to-psi' });
    expect(brief(r)).toBe(`${r.key}: pass  `);
    const refer = sent(r, 'A2', 'REFER')[0];
    expect(refer.kind === 'request' && refer.uri).toMatch(/^sip:transfer@/);
    expect(header(refer, 'Target-Dialog')).toBeDefined();
    expect(sent(r, 'A2', 'INVITE')).toHaveLength(1); // A2 followed the CS's REFER with one invitation
  });

  test('a REFER pull by another user is refused; accepted under trf-pull-other-user-accepted it fails TRF-PULL', async () => {
    expect(brief(await run(pullByOtherUserRefused, 'b2bua', { pullMode: 'refer-to-psi' }))).toMatch(/: pass {2}$/);
    const r = await run(pullByOtherUserRefused, 'b2bua', { pullMode: 'refer-to-psi' }, ['trf-pull-other-user-accepted']);
    expect(r.verdict).toBe('fail');
    expect(r.reason?.requirement).toBe('TRF-PULL');
  });
});

describe('serviceIdentification: oma-sip-im', () => {
  test('the devices present the OMA SIMPLE IM feature tag instead of the CPM ICSI', async () => {
    const r = await run(transferInMediaPath, 'b2bua', { serviceIdentification: 'oma-sip-im' });
    expect(brief(r)).toBe(`${r.key}: pass  `);
    const invite = sent(r, 'A1', 'INVITE')[0];
    expect(header(invite, 'Accept-Contact')).toBe('*;+g.oma.sip-im');
    expect(header(invite, 'Contact')).toMatch(/;\+g\.oma\.sip-im$/);
    expect(header(invite, 'P-Preferred-Service')).toBeUndefined();
    expect(invite.headers.some((h) => /icsi/i.test(h.value))).toBe(false);
  });
});

describe('contributionIdOnTransfer', () => {
  test('keep (the reference\'s binding): the Join Notification carries the session\'s Contribution-ID and passes; new: the same server fails TRF-MP-JOIN at T3', async () => {
    expect(brief(await run(transferInMediaPath, 'b2bua', { contributionIdOnTransfer: 'keep' }))).toMatch(/: pass {2}$/);
    const r = await run(transferInMediaPath, 'b2bua', { contributionIdOnTransfer: 'new' });
    expect(r.verdict).toBe('fail');
    expect(r.reason?.requirement).toBe('TRF-MP-JOIN');
    expect(r.reason?.step).toBe('T3');
    expect(r.reason?.message).toMatch(/Contribution-ID/);
  });

  test('new, not in the media path: the target\'s INVITE carries a fresh Contribution-ID and the transferee gets it unchanged', async () => {
    const r = await run(transferNotInMediaPath, 'proxy', { contributionIdOnTransfer: 'new' });
    expect(brief(r)).toBe(`${r.key}: pass  `);
    const [session, target] = [sent(r, 'A1', 'INVITE')[0], sent(r, 'A2', 'INVITE')[0]];
    expect(header(target, 'Contribution-ID')).not.toBe(header(session, 'Contribution-ID'));
    expect(header(target, 'Conversation-ID')).toBe(header(session, 'Conversation-ID'));
  });
});

describe('allowReinviteToTransferee', () => {
  test('a CS that re-INVITEs the transferee: non-strict TRF-MP-MEDIA by default; tolerated (pass) with the knob, the re-INVITE answered 200', async () => {
    const judged = await run(transferInMediaPath, 'b2bua', {}, ['trf-mp-reinvite-transferee']);
    expect(judged.verdict).toBe('non-strict');
    expect(judged.reason?.requirement).toBe('TRF-MP-MEDIA');
    expect(judged.reason?.message).toMatch(/re-INVITEd the transferee/);
    const tolerated = await run(transferInMediaPath, 'b2bua', { allowReinviteToTransferee: true }, ['trf-mp-reinvite-transferee']);
    expect(brief(tolerated)).toBe(`${tolerated.key}: pass  `);
    const reinvite = tolerated.trace.find((e) => e.owner === 'B1' && e.direction === 'received' && e.message?.kind === 'request' && e.message.method === 'INVITE' && /;\s*tag=/.test(header(e.message, 'To') ?? ''));
    expect(reinvite).toBeDefined();
    const cseq = header(reinvite!.message!, 'CSeq');
    expect(tolerated.trace.some((e) => e.owner === 'B1' && e.direction === 'sent' && e.message?.kind === 'response' && e.message.status === 200 && header(e.message, 'CSeq') === cseq)).toBe(true);
  });
});

describe('joinCorrelation and releaseInitiator', () => {
  test('the Join Notification is judged by the knob: the reference\'s Target-Dialog passes as target-dialog and opaque-uri, fails TRF-MP-JOIN at T3 as replaces', async () => {
    expect(brief(await run(transferInMediaPath, 'b2bua', { joinCorrelation: 'opaque-uri' }))).toMatch(/: pass {2}$/);
    const r = await run(transferInMediaPath, 'b2bua', { joinCorrelation: 'replaces' });
    expect([r.verdict, r.reason?.requirement, r.reason?.step]).toEqual(['fail', 'TRF-MP-JOIN', 'T3']);
    expect(r.reason?.message).toMatch(/Replaces, RFC 3891/);
  });

  test('releaseInitiator transferee: B1 releases the replaced dialog, the CS routes its BYE to A1, and the case passes', async () => {
    const r = await run(transferNotInMediaPath, 'proxy', { releaseInitiator: 'transferee' });
    expect(brief(r)).toBe(`${r.key}: pass  `);
    const oldCallId = header(sent(r, 'A1', 'INVITE')[0], 'Call-ID');
    expect(sent(r, 'B1', 'BYE').some((m) => header(m, 'Call-ID') === oldCallId)).toBe(true);
    expect(sent(r, 'A1', 'BYE').some((m) => header(m, 'Call-ID') === oldCallId)).toBe(false);
  });
});

describe('selftest under another binding profile', () => {
  test('GRUU addressing + REFER pulls + OMA SIMPLE IM: the correct server passes every transfer variant in both modes, the pull faults are still caught', async () => {
    const rows = await runSelftest({
      binding: { deviceAddressing: 'gruu', pullMode: 'refer-to-psi', serviceIdentification: 'oma-sip-im' },
      only: (c) => c.requirements.some((id) => id.startsWith('TRF-')),
      faults: ['trf-pull-other-user-accepted', 'trf-pull-old-dialog-left-up'],
      concurrency: 6,
      rowConcurrency: 4, // each row has its own reference server (issue 14)
    });
    process.stdout.write(rows.map(formatRow).join('\n') + '\n');
    for (const r of rows.filter((x) => x.fault === '(none)')) expect({ mode: r.mode, failing: r.failing, other: r.other }).toEqual({ mode: r.mode, failing: [], other: [] });
    for (const r of rows.filter((x) => x.fault !== '(none)')) expect(r.failing.map((f) => f.requirement)).toContain('TRF-PULL');
  });
});
