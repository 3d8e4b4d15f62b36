/** What the in-process load tests share: a proxy-mode reference per test (all stopped after the file) and a plan over it. */
import { startReferenceServer, type ReferenceServer } from '../../../src/reference';
import { REFERENCE_IXIT, referenceTarget } from '../../../bin/targets';
import type { LoadPlan } from '../../../src/harness/load/load-run';
import { FLOWS, flowCases } from '../../../bin/load/flows';
import type { HarnessTarget } from '../../../src/harness/target';

const servers: ReferenceServer[] = [];
afterAll(async () => { await Promise.all(servers.splice(0).map((s) => s.stop())); });

/** The reference server `reference()` started last (its tap: what the SUT received). */
export function lastReference(): ReferenceServer {
  const s = servers[servers.length - 1];
  if (!s) throw new Error('no reference server started yet');
  return s;
}

/** A reference server in proxy mode with these faults, its trace bounded as a load run needs. */
export async function reference(faults: string[] = []): Promise<HarnessTarget> {
  const server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode: 'proxy', timers: REFERENCE_IXIT.timers, faults, traceRetain: 2000 });
  servers.push(server);
  return referenceTarget(server);
}

/** 2 s of `leave` flows at 10/s over UDP, direct topology, 12 users; `over` changes any of it. */
export function plan(target: HarnessTarget, over: Partial<LoadPlan> = {}): LoadPlan {
  return {
    flow: 'leave', cases: flowCases(FLOWS.leave), variant: { transport: 'udp', topology: 'direct', devices: [1, 1], pfMode: 'proxy' }, target,
    rate: 10, durationS: 2, rampS: 0, maxConcurrent: 6, users: 12, judgeEvery: 1, keepEvidence: 2,
    stopArrivals: new AbortController().signal, abortFlows: new AbortController().signal, ...over,
  };
}
