/**
 * One network-fault scenario over the whole suite against the reference, both PF modes at once:
 * the verdict of every case variant must be a conforming server's (pass where applicable, n/a
 * elsewhere — what the correct reference earns on a clean network, which the selftest proves), so
 * the clean run is not repeated here. One test file per scenario (network-faults-*.test.ts) lets
 * jest run them on different workers. Each scenario also proves resource hygiene (issue 8.4): with
 * delayed, duplicated and lost datagrams still in flight when the cases end, the run leaves no
 * socket, timer or child process behind (active handles before and after).
 */
import { spawnSync } from 'node:child_process';
import { changed, fullRun } from '../../../bench/full-run';
import { settledResources } from './targets';

type Server = Parameters<typeof fullRun>[0]['server'];
type CaseOptions = Parameters<typeof fullRun>[0]['caseOptions'];

/**
 * The IXIT a tester would give a lossy network. A request crossing the SUT goes through up to
 * four hops before it forks (device, Core A, PF A, PF B, Core B), each one a UDP transaction that
 * retransmits at T1, 2·T1, 4·T1… (RFC 3261 §17.1.1.2, T1 500 ms): at 10 % loss at each end of a
 * hop, a hop that loses three attempts running costs 3.5 s, and one more loss on another hop
 * passes 6 s (seen once in ~400 variants: "the CPM Session Invitation did not reach B1, B2, B3
 * within 6000 ms"). 10 s leaves a hop four losses running (7.5 s) and more besides; a conforming
 * run never waits it out, only a wait that ends in nothing does.
 */
const IXIT = { responseTimeoutMs: 10_000 };

/**
 * Variants at once per PF mode. A lossy run mostly waits for retransmission timers (the file used
 * about a third of a core at 2), so more at once shortens it without starving anyone.
 */
const CONCURRENCY = 5;

/** Child processes of this jest worker (ps lists itself while it runs: left out). */
function children(): string[] {
  const r = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8', timeout: 5000 });
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l && !/\bps$/.test(l));
}

export function networkFaultScenario(name: string, server: Server, caseOptions: CaseOptions): void {
  jest.setTimeout(10 * 60_000);
  test(`full suite against the reference under ${name}: the verdicts of a conforming server, and no socket, timer or child left`, async () => {
    const before = process.getActiveResourcesInfo();
    const [p, b] = await Promise.all([fullRun({ mode: 'proxy', server, caseOptions, concurrency: CONCURRENCY, ixit: IXIT }), fullRun({ mode: 'b2bua', server, caseOptions, concurrency: CONCURRENCY, ixit: IXIT })]);
    const faulty = new Map([...p.verdicts, ...b.verdicts]);
    const clean = new Map([...p.conforming, ...b.conforming]);
    const diff = changed(clean, faulty);
    process.stdout.write(`network faults: ${name}: ${faulty.size} variants (${[...clean.values()].filter((v) => v === 'pass').length} applicable), ${diff.length} verdict(s) differ from a conforming server's (${Math.max(p.durationMs, b.durationMs)} ms)${diff.map((k) => `\n    ${k}: ${clean.get(k)} → ${faulty.get(k)} ${p.reasons.get(k) ?? b.reasons.get(k) ?? ''}`).join('')}\n`);
    expect([...clean.values()].filter((v) => v === 'pass').length).toBeGreaterThan(0);
    expect(diff).toEqual([]);
    const left = await settledResources(before);
    if (left.length) process.stdout.write(`network faults: ${name}: handles before ${JSON.stringify(before)}, left after ${JSON.stringify(left)}\n`);
    expect(left).toEqual([]);
    expect(children()).toEqual([]);
  });
}
