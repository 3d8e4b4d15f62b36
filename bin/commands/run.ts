/**
 * `cpm-conformance run`: the whole conformance suite against a target, or against the built-in
 * reference server it starts on loopback and always stops (also on Ctrl-C and failures).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CommandModule } from 'yargs';
import { commandLine } from './catalog';
import { FAULTS, startReferenceServer, unknownFaults, type ReferenceServer } from '../../src/reference';
import type { HarnessTarget } from '../../src/harness/target';
import type { TransportName } from '../../src/harness/test-case';
import { exitCodeFor } from '../../src/harness/verdict';
import { isRequirementId } from '../../src/harness/requirements';
import { readVerdicts } from '../../reporters/verdict-log';
import { formatSummary } from '../../reporters/summary';
import { writeRunReports, type RunReportOutcome } from '../../reporters/run-reports';
import { HARNESS_VERSION } from '../harness-version';
import { BaselineError, readBaseline } from '../../reporters/baseline';
import { REFERENCE_IXIT, lossTolerant, referenceTimers, referenceTarget, targetFileOrExit, withBinding, withUnionOfClaims } from '../targets';
import { parseBindingOptions } from '../binding-option';
import { runSuites } from '../run-suites';
import { CasesDelayReports, formatLoopDelay, loopMonitor, type LoopDelay } from '../../reporters/loop-monitor';
import { EXIT_INTERRUPTED, EXIT_USAGE } from '../exit-codes';
import { createThrowawayCert, type ThrowawayCert } from '../throwaway-cert';
import { holdInterrupted } from '../../src/harness/interrupt';
import { PortRange } from '../../src/harness/port-range';
import { portDemand } from '../../src/harness/topology';
import { notApplicable } from '../../src/harness/runner';
import { allCases } from '../../suites/index';
import { selected } from '../../suites/jest-driver';
import { parseShard } from '../../reporters/shard';
import { countBindings, formatBindings, removeAllBindings, type UserBindings } from '../../src/harness/registrations';

interface RunArgs {
  target?: string;
  grep?: string;
  requirement?: string;
  transport?: TransportName;
  results: string;
  strict: boolean;
  mode?: 'proxy' | 'b2bua';
  loss?: number;
  'reference-fault'?: string[];
  'reference-msrp-role'?: 'b2bua' | 'relay';
  binding?: string[];
  baseline?: string;
  'write-baseline'?: string;
  insecure: boolean;
  'clean-registrations': boolean;
  concurrency?: number;
  shard?: string;
}


/**
 * Empties `dir` for this run: renames what is there to a sibling (one system call) and removes that
 * in the background. The promise never rejects; what cannot be removed is left, named in a warning.
 *
 * By `rm -rf` in a child process at low priority where there is one: a previous default run leaves
 * ~3,400 files, and Node's own recursive rm walks them with an lstat and an unlink promise each on
 * the event loop that runs the reference server, ~0.3 s of its CPU while the cases run (issue 14).
 * Elsewhere (no `rm`), fs.promises.rm as before.
 */
function removeInBackground(dir: string): Promise<void> {
  if (!fs.existsSync(dir)) return Promise.resolve();
  const aside = `${dir}.removing-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(dir, aside);
  } catch {
    fs.rmSync(dir, { recursive: true, force: true }); // e.g. a mount point: remove in place
    return Promise.resolve();
  }
  const inProcess = () => fs.promises.rm(aside, { recursive: true, force: true });
  const removed = process.platform === 'win32' ? inProcess() : new Promise<void>((resolve, reject) => {
    const rm = spawn('rm', ['-rf', '--', aside], { stdio: 'ignore' });
    rm.once('spawn', () => {
      try {
        if (rm.pid !== undefined) os.setPriority(rm.pid, 10);
      } catch {
        // not permitted here: it removes at normal priority
      }
    });
    let spawnFailed = false;
    rm.once('error', () => {
      spawnFailed = true; // no rm on this system
      inProcess().then(resolve, reject);
    });
    rm.once('exit', (code) => {
      if (spawnFailed) return;
      if (code === 0) resolve();
      else reject(new Error(`rm -rf exited ${code}`));
    });
  });
  return removed.catch((e: unknown) => {
    process.stderr.write(`cpm-conformance run: could not remove the previous results moved to ${aside}: ${(e as Error).message}\n`);
  });
}

function usage(msg: string): never {
  process.stderr.write(`cpm-conformance run: ${msg}\n`);
  process.exit(EXIT_USAGE);
}

export const runCommand: CommandModule<object, RunArgs> = {
  ...commandLine('run'),
  builder: (y) =>
    y
      .option('target', { type: 'string', describe: 'target config (YAML or JSON); without it the built-in reference server is started' })
      .option('grep', { type: 'string', describe: 'only cases whose id/title match this regular expression' })
      .option('requirement', { type: 'string', describe: 'only cases that check this requirement ID (e.g. LEAVE-OK)' })
      .option('transport', { choices: ['udp', 'tcp', 'tls'] as const, describe: 'only variants over this transport' })
      .option('results', { type: 'string', default: 'allure-results', describe: 'Allure results directory (emptied first)' })
      .option('strict', { type: 'boolean', default: false, describe: 'a SHOULD not met (non-strict) counts as fail' })
      .option('mode', { choices: ['proxy', 'b2bua'] as const, describe: 'reference server PF mode (no --target only; default: both, one after the other)' })
      .option('loss', { type: 'number', describe: 'inject this share (0..1) of UDP datagram loss: on the reference server it starts, or on the harness sockets with --target' })
      .option('reference-fault', { type: 'array', string: true, describe: 'start the built-in reference server with this fault of its catalogue (repeatable; demos of a failing report; see reference-server --list-faults)' })
      .option('reference-msrp-role', { choices: ['b2bua', 'relay'] as const, describe: 'how the built-in reference server, in b2bua mode, takes part in MSRP: the endpoint of each leg (default) or an RFC 4976 relay; the run judges it with binding csMsrpRole the same unless --binding says otherwise' })
      .option('binding', { type: 'array', string: true, describe: 'switch a binding knob of docs/cpm-sip-binding.md for this run, KNOB=VALUE (repeatable), e.g. pullMode=refer-to-psi; overrides the target config' })
      .option('baseline', { type: 'string', describe: 'baseline of known deviations: classify each case as pass, regression, known deviation (xfail), fixed or new; known deviations do not fail the exit code' })
      .option('write-baseline', { type: 'string', describe: 'record this run\'s failures as the baseline of known deviations in FILE' })
      .option('insecure', { type: 'boolean', default: false, describe: 'TLS: do not verify the SUT\'s certificate (lab only; printed in the report)' })
      .option('clean-registrations', { type: 'boolean', default: false, describe: 'with --target: first remove every binding of the configured users at the SUT (REGISTER Contact: *, Expires: 0, RFC 3261 §10.2.2) and report what was there' })
      .option('concurrency', { type: 'number', describe: 'run at most N case variants at once per target (default against the reference: adaptive, up to 32 per PF mode, fewer while the machine is busy, both modes at once; against a target, as many as its user pool allows without two cases sharing a user)' })
      .option('shard', { type: 'string', describe: 'run only slice i of n of the case variants (e.g. 2/3; deterministic, for CI matrices); merge the slices with `report --results DIR1 DIR2 …`' }) as never,
  handler: async (args) => {
    if (args.grep) {
      try {
        new RegExp(args.grep);
      } catch (e) {
        usage(`--grep is not a valid regular expression: ${(e as Error).message}`);
      }
    }
    if (args.requirement && !isRequirementId(args.requirement)) usage(`--requirement ${args.requirement} is not in the catalogue; see 'cpm-conformance list'`);
    if (args.loss !== undefined && !(args.loss >= 0 && args.loss < 1)) usage('--loss must be a number from 0 to below 1, e.g. 0.1');
    if (args.concurrency !== undefined && !(Number.isInteger(args.concurrency) && args.concurrency >= 1)) usage('--concurrency must be a whole number ≥ 1, e.g. --concurrency 4');
    const shard = args.shard === undefined ? undefined : parseShard(String(args.shard));
    if (typeof shard === 'string') usage(shard);
    if (args['clean-registrations'] && !args.target) usage('--clean-registrations applies to a target config: give --target FILE (the built-in reference server starts empty)');
    const faults = (args['reference-fault'] ?? []).map(String);
    if (faults.length && args.target) usage('--reference-fault applies to the built-in reference server; drop --target');
    const msrpRole = args['reference-msrp-role'];
    if (msrpRole && args.target) usage('--reference-msrp-role applies to the built-in reference server; drop --target (a target config says binding.csMsrpRole)');
    const binding = parseBindingOptions((args.binding ?? []).map(String));
    if (typeof binding === 'string') usage(binding);
    const badFaults = unknownFaults(faults);
    if (badFaults.length) usage(`unknown reference fault ${badFaults.join(', ')}; valid: ${FAULTS.map((f) => f.name).join(', ')}`);
    if (args.baseline) {
      try {
        readBaseline(args.baseline);
      } catch (e) {
        if (e instanceof BaselineError) usage(e.message);
        throw e;
      }
    }

    let servers: ReferenceServer[] = [];
    let cert: ThrowawayCert | undefined;
    let userTarget: HarnessTarget | undefined;
    if (args.target) {
      userTarget = targetFileOrExit(args.target);
    }
    if (userTarget?.localPorts) {
      // Fail before anything is sent when the largest selected case alone cannot fit in local.ports.
      const range = new PortRange(userTarget.localHost, userTarget.localPorts);
      const biggest = allCases().flatMap((c) => c.variants.map((v) => ({ c, v, d: portDemand(userTarget!, v) })))
        .filter(({ c, v }) => selected(c, v, { grep: args.grep, requirement: args.requirement }) && notApplicable(c, v, userTarget!) === null)
        .sort((a, b) => b.d.ports - a.d.ports)[0];
      if (biggest && biggest.d.ports > range.size) {
        usage(`${range.name} holds ${range.size} ports; ${biggest.c.id} [${biggest.d.label}] alone needs ${biggest.d.ports} (${biggest.d.detail}) — widen local.ports in ${args.target}`);
      }
    }
    // TLS and TCP cannot share the reference's port numbers: a TLS run gets a UDP + TLS server with a
    // throwaway certificate that both sides trust (verification stays on unless --insecure).
    const tls = args.transport === 'tls';
    if (!userTarget && tls) {
      try {
        cert = createThrowawayCert();
      } catch (e) {
        usage((e as Error).message);
      }
    }
    const material = cert ? { cert: cert.certPath, key: cert.keyPath, ca: cert.certPath } : undefined;
    /** One target of the run: the user's SUT, or a reference server started in this PF mode. */
    const prepare = async (mode: 'proxy' | 'b2bua' | undefined): Promise<HarnessTarget> => {
      let t: HarnessTarget;
      if (userTarget) t = userTarget;
      else {
        const server = await startReferenceServer({ host: '127.0.0.1', port: 0, transports: tls ? ['udp', 'tls'] : ['udp', 'tcp'], tls: material, mode, msrpRole, timers: referenceTimers(args.loss), lossRate: args.loss, faults });
        servers.push(server);
        t = lossTolerant(referenceTarget(server, tls ? ['udp', 'tls'] : ['udp', 'tcp'], material), args.loss);
        process.stdout.write(`reference CPM Conversation Server (${server.mode}${server.mode === 'b2bua' && server.msrpRole !== 'b2bua' ? `, MSRP ${server.msrpRole}` : ''}) PF A ${server.pfA.host}:${server.pfA.port}, PF B ${server.pfB.host}:${server.pfB.port}${args.loss ? `, ${args.loss * 100}% UDP loss injected` : ''}${faults.length ? `; faults: ${faults.join(', ')}` : ''}\n`);
      }
      t = withBinding(t, binding);
      if (args.transport) {
        t = { ...t, transports: t.transports.filter((x) => x === args.transport) };
        if (t.transports.length === 0) t.transports = [args.transport];
      }
      if (args.insecure) {
        // Explicit and visible: the SUT name in every report says verification was off.
        t = { ...t, name: `${t.name} [TLS certificate verification OFF: --insecure]`, tls: { ...t.tls, insecure: true } };
      }
      return t;
    };
    if (args.insecure) process.stderr.write('cpm-conformance run: --insecure: the SUT\'s TLS certificate is NOT verified; the report says so\n');
    const stopServers = async () => {
      const running = servers;
      servers = [];
      await Promise.all(running.map((x) => x.stop().catch(() => undefined)));
    };
    const stop = async () => {
      await stopServers();
      cert?.remove();
      cert = undefined;
    };
    /** Set on Ctrl-C / SIGTERM: the run winds down, its report is still written, the exit code is 130. */
    let interruption: ReturnType<typeof holdInterrupted> | undefined;
    const onSignal = () => {
      // The running cases stop as inconclusive and their devices clean up at the SUT first, bounded by
      // the teardown's own phases (src/harness/teardown.ts: at most 6 response timeouts); the cases not
      // started yet end "not run" at once; then the reports are written as after any run. The
      // handler is `once`: a second Ctrl-C quits at once.
      const bound = 6 * (userTarget ?? { ixit: REFERENCE_IXIT }).ixit.responseTimeoutMs + 2000;
      process.stderr.write(`\ncpm-conformance run: interrupted; closing the sessions and removing the bindings the running cases made (at most ${bound} ms; Ctrl-C again to quit at once), then writing the report\n`);
      interruption = holdInterrupted(bound);
      // Past the bound and a margin for the reports, quit whatever is still running.
      setTimeout(() => {
        process.stderr.write('cpm-conformance run: the interrupted run did not wind down in time; quitting\n');
        void stop().finally(() => process.exit(130));
      }, bound + 15_000).unref();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);

    const resultsDir = path.resolve(args.results);
    // The previous results are moved aside at once and deleted while the run goes: removing thousands
    // of files synchronously took seconds before the first case could start.
    const oldResults = removeInBackground(resultsDir);
    fs.mkdirSync(resultsDir, { recursive: true });
    const verdictLog = path.join(resultsDir, 'cpm-verdicts.jsonl');
    const started = Date.now();
    // A blocked event loop delays the cases' timers: measured over the suites, printed at the end.
    loopMonitor.start();
    // Against the reference, both PF modes unless --mode: the transfer variants need a B2BUA (CS in the
    // media path) or a proxy (CS not in it), and every other suite runs in both. Both servers run at
    // once, each mode's suites on a jest worker thread of its own (bin/run-suites.ts).
    const modes: Array<'proxy' | 'b2bua' | undefined> = userTarget ? [undefined] : args.mode ? [args.mode] : ['proxy', 'b2bua'];
    let targets: HarnessTarget[] = [];
    /** Bindings of the configured users at the SUT before the run (and what --clean-registrations removed). */
    let bindingsBefore: UserBindings[] | undefined;
    let loopDelay: LoopDelay | undefined;
    const delayReports = new CasesDelayReports();
    try {
      targets = await Promise.all(modes.map(prepare));
      if (userTarget) {
        bindingsBefore = args['clean-registrations'] ? await removeAllBindings(targets[0]) : await countBindings(targets[0]);
        const removed = bindingsBefore.filter((b) => b.removed).length;
        process.stdout.write(`bindings at the SUT before the run: ${formatBindings(bindingsBefore)}${args['clean-registrations'] ? `; removed for ${removed} of ${bindingsBefore.length} user(s) (--clean-registrations)` : ''}\n`);
      }
      /** One value per target; the targets' values joined when they differ (the two reference modes). */
      const each = (f: (t: HarnessTarget) => string) => {
        const values = targets.map(f);
        return new Set(values).size <= 1 ? values[0] ?? '' : targets.map((t, i) => `${t.pfMode}: ${values[i]}`).join(' | ');
      };
      const t0 = targets[0];
      await runSuites({
        globals: { targets, strict: args.strict, verdictLog, grep: args.grep, requirement: args.requirement, lossRate: servers.length ? undefined : args.loss, concurrency: args.concurrency, shard },
        resultsDir,
        environmentInfo: {
          'sut.name': t0.name + (msrpRole === 'relay' ? ' (MSRP relay)' : '') + (faults.length ? ` (faults: ${faults.join(', ')})` : ''),
          'sut.version': t0.version ?? '',
          // Part of the SUT's identity the report keys its history by (reporters/allure-polish.ts).
          'sut.target_sha256': args.target ? createHash('sha256').update(fs.readFileSync(args.target)).digest('hex') : '',
          'sut.pfA': each((t) => `${t.pfA.host}:${t.pfA.port}`),
          'sut.pfB': each((t) => `${t.pfB.host}:${t.pfB.port}`),
          'sut.pfMode': targets.map((t) => t.pfMode).join(' + '),
          transports: each((t) => t.transports.join(',')),
          topologies: each((t) => t.topologies.join(',')),
          ics: each((t) => JSON.stringify(t.ics)),
          // How the verdicts were judged: the binding knobs this run followed (docs/target-config.md).
          binding: each((t) => JSON.stringify(t.binding)),
          'tls.verify': !t0.transports.includes('tls') ? 'n/a (no TLS)' : t0.tls?.insecure ? 'OFF (--insecure)' : `on${t0.tls?.ca ? ' (CA file from the target config)' : t0.isReference ? ' (throwaway certificate of the reference server)' : ' (system CAs)'}`,
          'harness.version': HARNESS_VERSION,
          ...(shard ? { shard: `${shard.index}/${shard.total}` } : {}),
          node: process.version,
        },
        color: process.stdout.isTTY === true,
      });
    } finally {
      const cases = await delayReports.close(targets.length);
      loopDelay = loopMonitor.stop();
      if (loopDelay && cases) loopDelay = { ...loopDelay, casesMaxMs: Math.max(loopDelay.casesMaxMs, cases.casesMaxMs), casesP99Ms: Math.max(loopDelay.casesP99Ms, cases.casesP99Ms) };
      await stop();
      interruption?.release();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    // The run's target for the reports: what any pass claimed (both reference modes together).
    const target = withUnionOfClaims(targets);
    const records = readVerdicts(verdictLog);
    const seen = [...new Set(records.flatMap((r) => r.sutAgents))];
    const envFile = path.join(resultsDir, 'environment.properties');
    const prior = fs.existsSync(envFile) ? fs.readFileSync(envFile, 'utf8') : '';
    let bindingLines = '';
    if (userTarget && bindingsBefore) {
      // Leave the SUT as found: the report says what the registrar held before and after the run.
      const after = await countBindings(userTarget);
      const grew = after.filter((a) => (a.count ?? 0) > (bindingsBefore?.find((b) => b.aor === a.aor)?.count ?? 0));
      const cleaned = args['clean-registrations'] ? ' (then removed: --clean-registrations)' : '';
      bindingLines = `sut.bindings.before=${formatBindings(bindingsBefore)}${cleaned}\nsut.bindings.after=${formatBindings(after)}\n`;
      process.stdout.write(`bindings at the SUT after the run: ${formatBindings(after)}${grew.length ? ` — MORE than before for ${grew.map((g) => g.aor).join(', ')}` : ''}\n`);
    }
    fs.writeFileSync(envFile, `${prior}${prior && !prior.endsWith('\n') ? '\n' : ''}sut.seen.server_user_agent=${seen.join(' | ') || '(none sent)'}\n${bindingLines}`);
    let reports: RunReportOutcome | undefined;
    try {
      reports = writeRunReports({
        resultsDir, records, target, strict: args.strict, harnessVersion: HARNESS_VERSION,
        selection: { grep: args.grep, requirement: args.requirement, transport: args.transport },
        baselineFile: args.baseline, writeBaselineFile: args['write-baseline'],
      });
    } catch (e) {
      process.stderr.write(`cpm-conformance run: could not write the conformance reports: ${(e as Error).message}\n`);
    }
    process.stdout.write(`\n${formatSummary(records)}\n`);
    if (reports?.summary) process.stdout.write(`${reports.summary}\n`);
    if (reports) {
      const m = reports.matrix.totals.byRequirementVerdict;
      process.stdout.write(`conformance matrix: ${reports.matrix.totals.requirements} requirements, ${m.pass} pass, ${m['non-strict']} non-strict, ${m.fail} fail, ${m.inconclusive + m.error} inconclusive/error, ${m['not tested']} not tested — ${path.join(reports.dir, 'conformance-report.md')}\n`);
      if (args['write-baseline']) process.stdout.write(`baseline of ${reports.matrix.cases.filter((c) => ['fail', 'inconclusive', 'error'].includes(c.verdict)).length} known deviation(s) written to ${args['write-baseline']}\n`);
    }
    await oldResults;
    process.stdout.write(`wall time ${((Date.now() - started) / 1000).toFixed(1)} s${loopDelay ? `; ${formatLoopDelay(loopDelay)}` : ''}; Allure results in ${resultsDir} (HTML: cpm-conformance report --results ${args.results})\n`);
    process.exitCode = interruption ? EXIT_INTERRUPTED : records.length === 0 ? EXIT_USAGE : exitCodeFor(reports ? reports.exitVerdicts : records.map((r) => r.verdict));
    if (records.length === 0 && !interruption) process.stderr.write('no case matched the selection (--grep / --requirement / --transport)\n');
  },
};
