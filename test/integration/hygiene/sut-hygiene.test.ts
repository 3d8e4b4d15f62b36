/**
 * Issue 12, "leave the SUT as you found it": whatever a case's verdict — pass, fail, an interrupted
 * run — its devices close their sessions and remove their bindings, and `--clean-registrations`
 * removes what others left. Judged the way a vendor would see it: by asking the SUT's registrar
 * over SIP (REGISTER without Contact lists the bindings, RFC 3261 §10.2.3), never by looking into
 * the reference server. The target is the reference server presented as a user's SUT: a fixed
 * pool of configured users, as a target config gives them.
 */
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { runCase } from '../../../src/harness/runner';
import type { HarnessTarget, TargetUser } from '../../../src/harness/target';
import { Device } from '../../../src/harness/device';
import type { TestCase } from '../../../src/harness/test-case';
import { establishSession, registerAll } from '../../../src/harness/session';
import { countBindings, removeAllBindings } from '../../../src/harness/registrations';
import { createTransport } from '../../../src/sip/transport/factory';
import { Tap } from '../../../src/sip/transport/tap';
import { REFERENCE_IXIT, referenceTarget } from '../../../bin/targets';
import { clientALeaves } from '../../../suites/session-leaving/cases';
import { acceptanceCancelsOthers } from '../../../suites/multi-device/cases';

jest.setTimeout(120_000);

const USERS: TargetUser[] = [
  { aor: 'sip:alice@cpm.example.com', username: 'alice', password: 'alice-secret', devices: 1 },
  { aor: 'sip:bob@cpm.example.com', username: 'bob', password: 'bob-secret', devices: 3 },
];

let server: ReferenceServer;
let target: HarnessTarget;

async function start(faults: string[] = []): Promise<void> {
  server = await startReferenceServer({
    host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode: 'proxy', faults, timers: REFERENCE_IXIT.timers,
    // Digest on REGISTER: the devices, the teardown and the registrar queries all answer challenges.
    auth: { realm: 'cpm.example.com', users: { alice: 'alice-secret', bob: 'bob-secret' } },
  });
  // The reference as a user's SUT: configured users, not generated ones.
  target = { ...referenceTarget(server), isReference: false, users: USERS };
}

afterEach(async () => {
  await server?.stop();
});

const counts = async () => (await countBindings(target)).map((b) => b.count);

test('a passing case removes every binding it made and closes its session', async () => {
  await start();
  expect(await counts()).toEqual([0, 0]);
  const r = await runCase(clientALeaves, clientALeaves.variants[0], target);
  expect(r.verdict).toBe('pass');
  expect(r.teardown).toMatchObject({ bindingsRemoved: 2, problems: [] });
  expect(await counts()).toEqual([0, 0]);
  // The removal is the device's own REGISTER: same Call-ID as its registration, Expires: 0 (§10.2.2).
  const regs = r.trace.filter((e) => e.owner === 'A1' && e.direction === 'sent' && e.message?.kind === 'request' && e.message.method === 'REGISTER');
  const callIds = new Set(regs.map((e) => e.message!.headers.find((h) => /^call-id$/i.test(h.name))?.value));
  expect(callIds.size).toBe(1);
  expect(regs[regs.length - 1].raw.toString()).toMatch(/\r\nExpires: 0\r\n/);
  // The cleanup is on the trace, as a step of its own, and never judged.
  expect(r.steps[r.steps.length - 1]).toMatchObject({ id: 'cleanup', verdict: 'pass' });
  // Secrets never reach the trace (digest sends a hash, never the password).
  expect(r.trace.some((e) => e.raw.includes('alice-secret') || e.raw.includes('bob-secret'))).toBe(false);
});

test('a failing case (invitations left ringing by the SUT) still cancels what it left pending and removes its bindings', async () => {
  await start(['mld-no-cancel']);
  const r = await runCase(acceptanceCancelsOthers, acceptanceCancelsOthers.variants[0], target);
  expect(r.verdict).toBe('fail');
  expect(r.reason?.requirement).toBe('CPM-MLD-007');
  // The devices left ringing answer their INVITEs at teardown (the SUT's transactions complete).
  expect(r.teardown!.transactionsCompleted + r.teardown!.sessionsClosed).toBeGreaterThan(0);
  expect(r.teardown!.bindingsRemoved).toBe(1 + acceptanceCancelsOthers.variants[0].devices[1]);
  expect(await counts()).toEqual([0, 0]);
});

test('a case that ends with its sessions still up (a harness error, a verdict reached early): the teardown closes them', async () => {
  await start();
  // Two sessions left up: A1→B1 and B1→A1, each closed once (by its caller), the callee seeing the BYE.
  const leavesSessionsUp: TestCase = {
    ...clientALeaves, id: 'TC-HYGIENE', variants: [{ transport: 'udp', topology: 'direct', devices: [1, 1] }],
    async run(t) {
      const [a, b] = t.topology.users;
      await registerAll(t);
      await establishSession(t, a.devices[0], b.devices[0], b.aor);
      await establishSession(t, b.devices[0], a.devices[0], a.aor);
    },
  };
  const r = await runCase(leavesSessionsUp, leavesSessionsUp.variants[0], target);
  expect(r.verdict).toBe('pass');
  expect(r.teardown).toMatchObject({ sessionsClosed: 2, bindingsRemoved: 2, problems: [] });
  const cleanup = r.steps.find((s) => s.id === 'cleanup')!;
  const byes = cleanup.entries.filter((e) => e.direction === 'sent' && e.message?.kind === 'request' && e.message.method === 'BYE');
  expect(byes.map((e) => e.owner).sort()).toEqual(['A1', 'B1']); // each session closed once, by its caller
  expect(await counts()).toEqual([0, 0]);
});

test('an interrupted case (Ctrl-C) is inconclusive, and its devices still clean up', async () => {
  await start();
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 150);
  const r = await runCase(acceptanceCancelsOthers, acceptanceCancelsOthers.variants[2], target, { signal: stop.signal });
  expect(r.verdict).toBe('inconclusive');
  expect(r.reason?.message).toMatch(/interrupted/);
  expect(await counts()).toEqual([0, 0]);
});

test('--clean-registrations: every binding of the configured users is removed (Contact: *, §10.2.2) and reported', async () => {
  await start();
  // Two stale devices of bob, as a crashed earlier run would leave them.
  const stale: Device[] = [];
  for (const name of ['X1', 'X2']) {
    const transport = await createTransport({ protocol: 'udp', host: '127.0.0.1', port: 0, tap: new Tap(), owner: name });
    const d = new Device({ name, aor: USERS[1].aor, username: 'bob', password: 'bob-secret', transport, outbound: target.pfA, timers: target.ixit.timers, responseTimeoutMs: 2500 });
    expect((await d.register(target.domain, 600))?.status).toBe(200);
    stale.push(d);
  }
  try {
    expect(await counts()).toEqual([0, 2]);
    const report = await removeAllBindings(target);
    expect(report.map((b) => [b.aor, b.count, b.removed])).toEqual([[USERS[0].aor, 0, true], [USERS[1].aor, 2, true]]);
    expect(await counts()).toEqual([0, 0]);
  } finally {
    await Promise.all(stale.map((d) => d.close()));
  }
});

test('a registrar that refuses the credentials is reported, not counted as zero', async () => {
  await start();
  const wrong = { ...target, users: [{ ...USERS[0], password: 'not-the-password' }] };
  const [b] = await countBindings(wrong);
  expect(b.count).toBeNull();
  expect(b.note).toMatch(/401/);
});
