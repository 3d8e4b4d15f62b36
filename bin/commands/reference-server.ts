/**
 * `cpm-conformance reference-server`: run the built-in reference CPM Conversation Server
 * standalone (docs/architecture.md, The reference server), as a demo SUT or to point another tool at. Prints where it listens and
 * runs until SIGINT/SIGTERM, then stops cleanly.
 */
import type { CommandModule } from 'yargs';
import { commandLine } from './catalog';
import { FAULTS, startReferenceServer, unknownFaults } from '../../src/reference';
import type { TransportProtocol } from '../../src/sip/transport/address';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes';
import { createThrowawayCert, type ThrowawayCert } from '../throwaway-cert';
import type { TlsSettings } from '../../src/sip/transport/tls-settings';
import { existsSync } from 'node:fs';
import { REFERENCE_IXIT } from '../targets';
import type { TimerSettings } from '../../src/sip/transaction/timers';

interface ReferenceServerArgs {
  host: string;
  port: number;
  mode: 'proxy' | 'b2bua';
  'msrp-role': 'b2bua' | 'relay';
  transport?: TransportProtocol[];
  fault?: string[];
  'list-faults': boolean;
  verbose: boolean;
  loss?: number;
  'tls-cert'?: string;
  'tls-key'?: string;
  'tls-ca'?: string;
  t1?: number;
}

function listFaults(): string {
  const width = Math.max(...FAULTS.map((f) => f.name.length));
  const reqWidth = Math.max(...FAULTS.map((f) => f.requirement.length));
  return FAULTS.map((f) => `${f.name.padEnd(width)}  ${f.requirement.padEnd(reqWidth)}  ${f.mode ? `[${f.mode} mode only] ` : ''}${f.description}`).join('\n') + '\n';
}

/**
 * The server's RFC 3261 timers. By default those of the built-in reference runs, which
 * fixtures/targets/reference.yaml states as the IXIT: a target config's timers must be the SUT's own,
 * or a case judging a timer (TC-MLD-007-14 waits for the SUT's Timer B) misjudges it.
 * --t1 scales T2 and T4 with it in RFC 3261's ratios (§17.1.1.1: 500 ms, 4 s, 5 s), and Timer B
 * is RFC 3261's 64·T1 then (§17.1.1.2), not the built-in runs' own 4 s.
 */
export function serverTimers(t1: number | undefined, usageError: (msg: string) => never): TimerSettings {
  if (t1 === undefined) return { ...REFERENCE_IXIT.timers };
  if (!Number.isInteger(t1) || t1 < 10 || t1 > 10_000) usageError(`--t1 must be a whole number of milliseconds from 10 to 10000, e.g. 500 (got ${t1})`);
  return { t1, t2: 8 * t1, t4: 10 * t1 };
}

export const referenceServerCommand: CommandModule<object, ReferenceServerArgs> = {
  ...commandLine('reference-server'),
  builder: (y) =>
    y
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'IP address to listen on' })
      .option('port', { type: 'number', default: 5060, describe: 'PF A / registrar port; PF B listens on port+1 (0: ephemeral)' })
      .option('mode', { choices: ['proxy', 'b2bua'] as const, default: 'proxy' as const, describe: 'Participating Function mode' })
      .option('msrp-role', { choices: ['b2bua', 'relay'] as const, default: 'b2bua' as const, describe: 'b2bua mode: take part in MSRP as the endpoint of each leg, or as an RFC 4976 relay (binding csMsrpRole of a target config describing it)' })
      .option('transport', { type: 'array', string: true, choices: ['udp', 'tcp', 'tls'], describe: 'transports to listen on (repeatable; default udp and tcp)' })
      .option('fault', { type: 'array', string: true, describe: 'switch on a fault of the catalogue (repeatable; see --list-faults)' })
      .option('list-faults', { type: 'boolean', default: false, describe: 'print the fault catalogue and exit' })
      .option('verbose', { type: 'boolean', default: false, describe: 'log every forwarding decision' })
      .option('loss', { type: 'number', describe: 'drop this share (0..1) of the UDP datagrams it sends and receives (robustness demos)' })
      .option('tls-cert', { type: 'string', describe: 'certificate (PEM) served on --transport tls; without --tls-cert/--tls-key a throwaway one is generated with openssl' })
      .option('tls-key', { type: 'string', describe: 'private key (PEM) of --tls-cert' })
      .option('t1', { type: 'number', describe: `RFC 3261 T1 in ms (T2 = 8·T1, T4 = 10·T1, Timer B/F = 64·T1); default ${REFERENCE_IXIT.timers.t1} with Timer B ${REFERENCE_IXIT.timers.b} ms, the timers fixtures/targets/reference.yaml states (500 for RFC 3261's defaults)` })
      .option('tls-ca', { type: 'string', describe: 'CA (PEM) the server trusts for the clients\' TLS listeners it dials (default: its own certificate)' }) as never,
  handler: async (argv) => {
    if (argv['list-faults']) {
      process.stdout.write(listFaults());
      process.exit(EXIT_OK);
    }
    const faults = (argv.fault ?? []).map(String);
    const bad = unknownFaults(faults);
    if (bad.length > 0) {
      process.stderr.write(`cpm-conformance reference-server: unknown fault ${bad.join(', ')}\nvalid faults:\n${listFaults()}`);
      process.exit(EXIT_USAGE);
    }
    const transports = (argv.transport ?? ['udp', 'tcp']).map(String) as TransportProtocol[];
    const usageError = (msg: string): never => {
      process.stderr.write(`cpm-conformance reference-server: ${msg}\n`);
      process.exit(EXIT_USAGE);
    };
    if (transports.includes('tls') && transports.includes('tcp')) {
      usageError('--transport tls and tcp would share one port number (both are TCP sockets); hint: use --transport udp --transport tls, or run a second server for tcp');
    }
    if ((argv['tls-cert'] === undefined) !== (argv['tls-key'] === undefined)) usageError('--tls-cert and --tls-key go together; hint: give both, or neither to use a generated throwaway certificate');
    for (const opt of ['tls-cert', 'tls-key', 'tls-ca'] as const) {
      const file = argv[opt];
      if (file !== undefined && !existsSync(file)) usageError(`--${opt} ${file}: no such file; hint: give the path of a PEM file`);
    }
    let generated: ThrowawayCert | undefined;
    let tls: TlsSettings | undefined;
    if (transports.includes('tls')) {
      if (argv['tls-cert'] && argv['tls-key']) tls = { cert: argv['tls-cert'], key: argv['tls-key'], ca: argv['tls-ca'] ?? argv['tls-cert'] };
      else {
        try {
          generated = createThrowawayCert();
        } catch (e) {
          usageError((e as Error).message);
        }
        tls = { cert: generated!.certPath, key: generated!.keyPath, ca: argv['tls-ca'] ?? generated!.certPath };
      }
    }
    if (argv.loss !== undefined && !(argv.loss >= 0 && argv.loss < 1)) {
      process.stderr.write('cpm-conformance reference-server: --loss must be a number from 0 to below 1, e.g. 0.1\n');
      process.exit(EXIT_USAGE);
    }
    const timers = serverTimers(argv.t1, usageError);
    const server = await startReferenceServer({
      tls,
      timers,
      lossRate: argv.loss,
      host: argv.host,
      port: argv.port,
      mode: argv.mode,
      msrpRole: argv['msrp-role'],
      transports,
      faults,
      log: argv.verbose ? (line) => process.stdout.write(`${line}\n`) : undefined,
    });
    process.stdout.write(
      `reference CPM Conversation Server (${server.mode}${server.mode === 'b2bua' ? `, MSRP ${server.msrpRole}` : ''}) PF A ${transports.join('+')} ${server.pfA.host}:${server.pfA.port}, ` +
        `PF B ${server.pfB.host}:${server.pfB.port}; timers T1 ${timers.t1} ms, T2 ${timers.t2} ms, T4 ${timers.t4} ms; faults: ${faults.length > 0 ? faults.join(', ') : 'none'}\n` +
        (generated ? `TLS: throwaway certificate ${generated.certPath} (trust it as the CA: sut.tls.ca in the target config); removed on exit\n` : ''),
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.stop();
    generated?.remove();
    process.stdout.write('reference CPM Conversation Server stopped\n');
    process.exit(EXIT_OK);
  },
};
