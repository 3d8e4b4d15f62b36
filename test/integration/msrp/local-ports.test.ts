/**
 * local.ports for the media too (issue 17): with a port range configured, the MSRP connections a
 * device dials leave from a port of the range, as its listener and its SIP sockets do, so a lab
 * firewall opened for the range passes the chat. Real transfer cases against the reference server
 * in both PF modes (in B2BUA mode every device dials the CS; in proxy mode the offerer dials the
 * answerer); every MSRP frame on the trace was sent or received on a port of the range.
 */
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { runCase, type CaseResult } from '../../../src/harness/runner';
import type { HarnessTarget } from '../../../src/harness/target';
import type { TestCase } from '../../../src/harness/test-case';
import { REFERENCE_IXIT, referenceTarget } from '../../../bin/targets';
import { transferInMediaPath } from '../../../suites/session-transfer/cs-in-media-path/cases';
import { transferNotInMediaPath } from '../../../suites/session-transfer/cs-not-in-media-path/cases';

jest.setTimeout(60_000);

// A range of its own: the SIP local-ports test and the Kamailio interop files use 31000-31999.
const FROM = 34000;
const TO = 34999;

async function run(c: TestCase, mode: 'proxy' | 'b2bua'): Promise<{ r: CaseResult; server: Pick<ReferenceServer, 'pfA'> }> {
  const server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode, timers: REFERENCE_IXIT.timers });
  try {
    const target: HarnessTarget = { ...referenceTarget(server), localPorts: { from: FROM, to: TO } };
    return { r: await runCase(c, { transport: 'tcp', topology: 'direct', devices: [2, 1] }, target), server };
  } finally {
    await server.stop();
  }
}

describe.each([['TC-TRF-MP-01', 'b2bua', transferInMediaPath], ['TC-TRF-NMP-01', 'proxy', transferNotInMediaPath]] as const)('%s against the reference (%s) with local.ports 34000-34999', (_id, mode, c) => {
  let r: CaseResult;
  beforeAll(async () => {
    ({ r } = await run(c, mode));
  });

  it('passes, and every MSRP frame crossed a socket on a port of the range, the dialled connections included', () => {
    expect({ verdict: r.verdict, reason: r.reason?.message }).toEqual({ verdict: 'pass', reason: undefined });
    const msrp = r.trace.filter((e) => e.protocol === 'msrp');
    expect(msrp.length).toBeGreaterThan(10);
    expect(msrp.filter((e) => e.flow.local.port < FROM || e.flow.local.port > TO).map((e) => `${e.owner} ${e.direction} ${e.flow.local.port}`)).toEqual([]);
    // A dialled connection: the device's binding SEND (bodiless, RFC 4975 §5.4) left from the range too.
    const bindings = msrp.filter((e) => e.direction === 'sent' && e.msrp?.kind === 'request' && e.msrp.method === 'SEND' && e.msrp.body === null);
    expect(bindings.length).toBeGreaterThan(0);
  });
});
