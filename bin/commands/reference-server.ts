/**
 * `cpm-conformance reference-server`: run the built-in reference CPM Conversation Server
 * standalone (design §6), as a demo SUT or to point another tool at. Prints where it listens and
 * runs until SIGINT/SIGTERM, then stops cleanly.
 */
import type { CommandModule } from 'yargs';
import { FAULTS, startReferenceServer, unknownFaults } from '../../src/reference';
import type { TransportProtocol } from '../../src/sip/transport/address';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes';

interface ReferenceServerArgs {
  host: string;
  port: number;
  mode: 'proxy' | 'b2bua';
  transport?: TransportProtocol[];
  fault?: string[];
  'list-faults': boolean;
  verbose: boolean;
  loss?: number;
}

function listFaults(): string {
  const width = Math.max(...FAULTS.map((f) => f.name.length));
  return FAULTS.map((f) => `${f.name.padEnd(width)}  ${f.requirement.padEnd(10)}  ${f.description}`).join('\n') + '\n';
}

export const referenceServerCommand: CommandModule<object, ReferenceServerArgs> = {
  command: 'reference-server',
  describe: 'Run the built-in reference CPM Conversation Server (registrar, PF A, PF B) until Ctrl-C',
  builder: (y) =>
    y
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'IP address to listen on' })
      .option('port', { type: 'number', default: 5060, describe: 'PF A / registrar port; PF B listens on port+1 (0: ephemeral)' })
      .option('mode', { choices: ['proxy', 'b2bua'] as const, default: 'proxy' as const, describe: 'Participating Function mode' })
      .option('transport', { type: 'array', string: true, choices: ['udp', 'tcp', 'tls'], describe: 'transports to listen on (repeatable; default udp and tcp)' })
      .option('fault', { type: 'array', string: true, describe: 'switch on a fault of the catalogue (repeatable; see --list-faults)' })
      .option('list-faults', { type: 'boolean', default: false, describe: 'print the fault catalogue and exit' })
      .option('verbose', { type: 'boolean', default: false, describe: 'log every forwarding decision' })
      .option('loss', { type: 'number', describe: 'drop this share (0..1) of the UDP datagrams it sends and receives (robustness demos)' }) as never,
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
    if (transports.includes('tls')) {
      process.stderr.write('cpm-conformance reference-server: --transport tls needs a certificate; use the API (startReferenceServer({ tls })) for now\n');
      process.exit(EXIT_USAGE);
    }
    if (argv.loss !== undefined && !(argv.loss >= 0 && argv.loss < 1)) {
      process.stderr.write('cpm-conformance reference-server: --loss must be a number from 0 to below 1, e.g. 0.1\n');
      process.exit(EXIT_USAGE);
    }
    const server = await startReferenceServer({
      lossRate: argv.loss,
      host: argv.host,
      port: argv.port,
      mode: argv.mode,
      transports,
      faults,
      log: argv.verbose ? (line) => process.stdout.write(`${line}\n`) : undefined,
    });
    process.stdout.write(
      `reference CPM Conversation Server (${server.mode}) PF A ${transports.join('+')} ${server.pfA.host}:${server.pfA.port}, ` +
        `PF B ${server.pfB.host}:${server.pfB.port}; faults: ${faults.length > 0 ? faults.join(', ') : 'none'}\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.stop();
    process.stdout.write('reference CPM Conversation Server stopped\n');
    process.exit(EXIT_OK);
  },
};
