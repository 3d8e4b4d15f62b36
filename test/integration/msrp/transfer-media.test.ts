/**
 * Issue 17: after a transfer or a pull through the reference CS in B2BUA mode, the chat goes on at
 * the device that joined. The suites' own cases run unchanged (found by id, not imported by name,
 * so a refactoring of the suites does not reach this file); right before the step that ends the
 * session, the transferee B1 and the joined device A2 exchange a message each way over MSRP. The
 * CS stays in the media path (5.2.5.1.1 ¶5): every device's MSRP peer is the CS, the message
 * arrives octet for octet with its Message-ID, and the device that left (A1) is sent nothing.
 */
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { runCase, type CaseResult } from '../../../src/harness/runner';
import type { TestCase } from '../../../src/harness/test-case';
import type { TestContext } from '../../../src/harness/context';
import type { ReassembledMessage } from '../../../src/msrp/reassembly';
import type { SendResult } from '../../../src/msrp/connection';
import { referenceTarget } from '../../../bin/targets';
import { allCases } from '../../../suites';

jest.setTimeout(60_000);

const TO_A2 = Buffer.from('to whoever holds the session now ✓', 'utf8');
const TO_B1 = Buffer.from('A2 here, answering', 'utf8');

interface Exchange {
  sent?: SendResult;
  atA2?: ReassembledMessage;
  back?: SendResult;
  atB1?: ReassembledMessage;
  ports?: { a1: number; a2: number; b1: number };
}

/** The SDP bodies of the last INVITE a device sent or received and of the 2xx that answered it, from the trace. */
function sdpOf(t: TestContext, owner: string, asCaller: boolean): { own: Buffer; peer: Buffer } {
  const invite = t.trace.find({ owner, direction: asCaller ? 'sent' : 'received', template: { method: 'INVITE' } }).filter((e) => e.message!.body.length > 0).pop();
  const ok = t.trace.find({ owner, direction: asCaller ? 'received' : 'sent', template: { status: 200 } })
    .filter((e) => e.message!.body.length > 0 && /^\S+ INVITE$/.test(e.message!.headers.find((h) => h.name.toLowerCase() === 'cseq')?.value ?? '')).pop();
  if (!invite || !ok) throw new Error(`${owner}: no INVITE/2xx with SDP on the trace`);
  return asCaller ? { own: invite.message!.body, peer: ok.message!.body } : { own: ok.message!.body, peer: invite.message!.body };
}

/**
 * The case as the suite declares it, with a message each way between the transferee and the device
 * that joined right before step `before` (the one that ends the session with a BYE).
 */
function withChat(base: TestCase, before: string, x: Exchange): TestCase {
  return {
    ...base,
    run: async (t) => {
      const step = t.step.bind(t) as (id: string, ...rest: unknown[]) => Promise<unknown>;
      (t as unknown as { step: typeof step }).step = async (id, ...rest) => {
        if (id === before) await chat(t, x);
        return step(id, ...rest);
      };
      await base.run(t);
    },
  };
}

async function chat(t: TestContext, x: Exchange): Promise<void> {
  const [a1, a2] = t.topology.users[0]!.devices;
  const [b1] = t.topology.users[1]!.devices;
  x.ports = { a1: a1!.msrpPort, a2: a2!.msrpPort, b1: b1!.msrpPort };
  const atA2 = a2!.msrp!.session({ ...sdpOf(t, a2!.name, true), weOffered: true });
  const atB1 = b1!.msrp!.session({ ...sdpOf(t, b1!.name, false), weOffered: false });
  const got = atA2.nextMessage(t.timeoutMs * 2);
  x.sent = await atB1.sendMessage(TO_A2);
  x.atA2 = await got;
  const back = atB1.nextMessage(t.timeoutMs * 2);
  x.back = await atA2.sendMessage(TO_B1);
  x.atB1 = await back;
}

describe.each([['TC-TRF-MP-01', 'T9'], ['TC-TRF-PULL-01', 'continue']])('%s through the reference CS (b2bua), a message each way before step %s', (id, before) => {
  let server: ReferenceServer;
  const x: Exchange = {};
  let r: CaseResult;

  beforeAll(async () => {
    server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode: 'b2bua', timers: { t1: 100, t2: 800, t4: 1000 } });
    const base = allCases().find((c) => c.id === id);
    if (!base) throw new Error(`no case ${id} in the suites`);
    r = await runCase(withChat(base, before, x), { transport: 'tcp', topology: 'direct', devices: [2, 1] }, referenceTarget(server));
  });
  afterAll(() => server?.stop());

  it('passes as the suite judges it, and the message reaches the device that joined', () => {
    expect({ verdict: r.verdict, reason: r.reason?.message }).toEqual({ verdict: 'pass', reason: undefined });
    expect(x.atA2!.body.equals(TO_A2)).toBe(true);
    expect(x.atA2!.messageId).toBe(x.sent!.messageId);
    expect(x.atB1!.body.equals(TO_B1)).toBe(true);
  });

  it('keeps the CS in the media path: no device talks MSRP to another, and A1 is sent nothing', () => {
    const msrp = r.trace.filter((e) => e.protocol === 'msrp');
    const ports = x.ports!;
    const devicePorts = new Set([ports.a1, ports.a2, ports.b1]);
    // Every MSRP frame is on a connection between one device and the CS.
    for (const e of msrp) expect(devicePorts.has(e.flow.remote.port)).toBe(false);
    // A1's one message is the precondition's, in the session before the transfer (media-delivery.ts); after A2 joined, A1 is sent nothing.
    const a1Sends = msrp.filter((e) => e.owner === 'A1' && e.direction === 'received' && e.msrp?.kind === 'request' && e.msrp.method === 'SEND' && e.msrp.body !== null);
    const joined = msrp.find((e) => e.owner === 'A2')!;
    expect(a1Sends).toHaveLength(1);
    expect(a1Sends.filter((e) => e.at > joined.at)).toEqual([]);
    expect(msrp.some((e) => e.owner === 'A2' && e.direction === 'received')).toBe(true);
  });
});
