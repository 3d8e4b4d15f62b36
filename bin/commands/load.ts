/**
 * `cpm-conformance load`: conformance under load (docs/load.md). One flow of the suites — leave,
 * mld, transfer-mp, transfer-nmp — driven open-loop at a rate against a target (or the built-in
 * reference server it starts on loopback and always stops), every flow judged by its case's own
 * requirement checks; the users' devices registered once up front and removed at the end.
 * Writes load-summary.json, load-latency.svg and an Allure result per failing flow kept.
 */
import { setMaxListeners } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommandModule } from 'yargs';
import { commandLine } from './catalog';
import { FAULTS, startReferenceServer, unknownFaults, type ReferenceServer } from '../../src/reference';
import type { HarnessTarget } from '../../src/harness/target';
import type { CaseVariant, TopologyKind, TransportName } from '../../src/harness/test-case';
import { notApplicable } from '../../src/harness/runner';
import { runLoad, type LoadProgress } from '../../src/harness/load/load-run';
import { SUMMARY_FILE, formatSummary, loadExitCode, type LoadSummary } from '../../src/harness/load/summary';
import { UserSliceError } from '../../src/harness/load/user-slices';
import { LoadAllureWriter, writeLoadGlobals } from '../../reporters/load-allure';
import { latencySvg } from '../../reporters/load-svg';
import { parseShard } from '../../reporters/shard';
import { REFERENCE_IXIT, referenceTarget, targetFileOrExit } from '../targets';
import { EXIT_INTERRUPTED, EXIT_USAGE } from '../exit-codes';
import { FLOWS, FLOW_NAMES, flowCases, type FlowName } from '../load/flows';
import { ProgressLine, progressLine } from '../load/progress';
import { LOAD_BOUNDS, checkLoadArgs, type LoadArgs } from '../load/load-args';

function usage(msg: string): never {
  process.stderr.write(`cpm-conformance load: ${msg}\n`);
  process.exit(EXIT_USAGE);
}

export const loadCommand: CommandModule<object, LoadArgs> = {
  ...commandLine('load'),
  builder: (y) =>
    y
      .option('target', { type: 'string', describe: 'target config (YAML or JSON); without it the built-in reference server is started on loopback' })
      .option('flow', { choices: FLOW_NAMES, demandOption: true, describe: 'leave | mld | transfer-mp | transfer-nmp' })
      .option('rate', { type: 'number', default: 10, describe: `flows started per second (open loop; at most ${LOAD_BOUNDS.rate})` })
      .option('duration', { type: 'number', default: 10, describe: `seconds of arrivals (at most ${LOAD_BOUNDS.durationS}, and half the registration expiry)` })
      .option('ramp', { type: 'number', default: 0, describe: 'seconds to ramp the rate up from 0 (linear)' })
      .option('devices', { type: 'number', describe: 'mld: devices of the invited user (default 3)' })
      .option('users', { type: 'number', describe: 'users across all slots (default: enough for --max-concurrent); a slot runs one flow at a time' })
      .option('max-concurrent', { type: 'number', default: 50, describe: `flows in flight at most (= slots); an arrival finding none free is shed and counted (at most ${LOAD_BOUNDS.maxConcurrent})` })
      .option('judge-every', { type: 'number', default: 1, describe: 'judge one flow in K (the others run the same traffic, counted as not judged)' })
      .option('keep-failures', { type: 'number', default: 10, describe: 'failing flows whose messages are kept for the Allure report (the rest are counted and listed)' })
      .option('transport', { choices: ['udp', 'tcp', 'tls'] as const, describe: 'transport of the flows (default: the target\'s)' })
      .option('topology', { choices: ['direct', 'core-emulation'] as const, describe: 'topology of the flows (default: the target\'s, direct on the reference)' })
      .option('mode', { choices: ['proxy', 'b2bua'] as const, describe: 'reference PF mode (no --target; default: the one the flow needs, else proxy)' })
      .option('reference-fault', { type: 'array', string: true, describe: 'start the reference server with this fault of its catalogue (repeatable; see reference-server --list-faults)' })
      .option('shard', { type: 'string', describe: 'run slice i of n: every n-th configured user from the i-th, and rate/n (merge with `report --merge DIR --results D1 D2 …`)' })
      .option('results', { type: 'string', default: 'load-results', describe: 'where the summary, the latency SVG and the Allure results of failing flows go (emptied first)' }) as never,
  handler: async (args) => {
    const bad = checkLoadArgs(args);
    if (bad) usage(bad);
    const flow = FLOWS[args.flow as FlowName];
    const shard = args.shard === undefined ? undefined : parseShard(String(args.shard));
    if (typeof shard === 'string') usage(shard);
    const faults = (args['reference-fault'] ?? []).map(String);
    if (faults.length && args.target) usage('--reference-fault applies to the built-in reference server; drop --target');
    const badFaults = unknownFaults(faults);
    if (badFaults.length) usage(`unknown reference fault ${badFaults.join(', ')}; valid: ${FAULTS.map((f) => f.name).join(', ')}`);
    if (args.devices !== undefined && !flow.takesDevices) usage(`--devices applies to the mld flow; ${flow.name} runs ${flow.devices(undefined).join('+')} devices`);
    if (args.mode && args.target) usage('--mode applies to the built-in reference server; drop --target');
    if (shard && !args.target) usage('--shard applies to a target config: n generators share one SUT and its users (the built-in reference server is started per run)');
    if (args.mode && flow.referenceMode && args.mode !== flow.referenceMode) usage(`--mode ${args.mode}: the ${flow.name} flow needs the reference in ${flow.referenceMode} mode`);

    let target: HarnessTarget;
    let server: ReferenceServer | undefined;
    if (args.target) {
      target = targetFileOrExit(args.target);
    } else {
      const mode = args.mode ?? flow.referenceMode ?? FAULTS.find((f) => faults.includes(f.name) && f.mode)?.mode ?? 'proxy';
      // A short trace on the server's side: at rate its default (20,000 entries) would be most of the memory.
      server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], mode, timers: REFERENCE_IXIT.timers, faults, traceRetain: 2000 });
      target = referenceTarget(server);
      process.stdout.write(`reference CPM Conversation Server (${server.mode}) PF A ${server.pfA.host}:${server.pfA.port}${faults.length ? `; faults: ${faults.join(', ')}` : ''}\n`);
    }
    const stopServer = async () => { await server?.stop().catch(() => undefined); server = undefined; };
    try {
      const devices = flow.devices(args.devices);
      const transport = (args.transport ?? target.transports[0]) as TransportName;
      const topology = (args.topology ?? (target.isReference ? 'direct' : target.topologies[0])) as TopologyKind;
      const variant: CaseVariant = { transport, topology, devices, ...(target.isReference ? { pfMode: target.pfMode } : {}) };
      const halfExpiry = Math.floor(target.ixit.registrationExpires / 2);
      if (args.duration + args.ramp > halfExpiry) throw new UsageError(`--duration ${args.duration} (with --ramp) exceeds half the registration expiry (ixit.registrationExpires ${target.ixit.registrationExpires} s): devices register once for the run`);
      const cases = flowCases(flow);
      const reasons = cases.map((c) => notApplicable(c, variant, target));
      const applicable = cases.filter((_, i) => reasons[i] === null);
      if (applicable.length === 0) throw new UsageError(`the ${flow.name} flow does not apply to ${target.name}: ${reasons.filter(Boolean).join('; ')}`);
      await runAndReport(args, flow.name, applicable, variant, target, shard ?? undefined);
    } catch (e) {
      await stopServer();
      if (e instanceof UsageError || e instanceof UserSliceError) usage(e.message);
      throw e;
    }
    await stopServer();
  },
};

class UsageError extends Error {}

async function runAndReport(args: LoadArgs, flowName: FlowName, cases: ReturnType<typeof flowCases>, variant: CaseVariant, target: HarnessTarget, shard: { index: number; total: number } | undefined): Promise<void> {
  const resultsDir = path.resolve(args.results);
  // Emptied first, but only of what a load run writes: a --results naming another folder is refused, never wiped.
  const foreign = fs.existsSync(resultsDir) ? fs.readdirSync(resultsDir).filter((f) => !/^(load-summary\.json|load-latency\.svg|.*-(result\.json|globals\.json|attachment\.\w+))$/.test(f)) : [];
  if (foreign.length) throw new UsageError(`--results ${args.results} holds files a load run did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}): name an empty or a load results folder`);
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });
  const stopArrivals = new AbortController();
  const abortFlows = new AbortController();
  // Every flow in flight listens for the interrupt (bounded by --max-concurrent).
  setMaxListeners(args['max-concurrent'] + 16, abortFlows.signal, stopArrivals.signal);
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) {
      process.stderr.write('\ncpm-conformance load: interrupted; no new flows, the flows in flight end, then every binding is removed and the summary written (Ctrl-C again to end the flows in flight at once)\n');
      stopArrivals.abort();
      // Past this bound quit whatever is still running (the flows' cap, unregistration and the summary).
      setTimeout(() => { process.stderr.write('cpm-conformance load: did not wind down in time; quitting\n'); process.exit(EXIT_INTERRUPTED); }, 15 * target.ixit.responseTimeoutMs + 15_000).unref();
    } else if (signals === 2) abortFlows.abort();
    else process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = new ProgressLine();
  const allure = new LoadAllureWriter(resultsDir, flowName, target);
  let failIndex = 0;
  const share = shard ? shard.total : 1;
  let summary: LoadSummary;
  try {
    summary = await runLoad({
      flow: flowName, cases, variant, target,
      rate: args.rate / share, durationS: args.duration, rampS: args.ramp,
      maxConcurrent: args['max-concurrent'],
      users: args.users ?? args['max-concurrent'] * variant.devices.length,
      judgeEvery: args['judge-every'], keepEvidence: args['keep-failures'], shard,
      stopArrivals: stopArrivals.signal, abortFlows: abortFlows.signal,
      ...(progress.enabled ? { onProgress: (p: LoadProgress) => progress.draw(progressLine(p, args.duration)) } : {}),
      onFailure: (r) => allure.write(r, ++failIndex),
    });
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const summaryJson = `${JSON.stringify(summary, null, 2)}\n`;
  const svg = latencySvg(summary);
  fs.writeFileSync(path.join(resultsDir, SUMMARY_FILE), summaryJson);
  fs.writeFileSync(path.join(resultsDir, 'load-latency.svg'), svg);
  writeLoadGlobals(resultsDir, summaryJson, svg);
  process.stdout.write(`${formatSummary(summary)}\n`);
  process.stdout.write(`summary ${path.join(resultsDir, SUMMARY_FILE)}; latency over time ${path.join(resultsDir, 'load-latency.svg')}; ${allure.written} Allure result(s) of failing flows in ${resultsDir}\n`);
  process.exitCode = summary.interrupted ? EXIT_INTERRUPTED : summary.setup.slots === 0 ? 3 : loadExitCode(summary);
}
