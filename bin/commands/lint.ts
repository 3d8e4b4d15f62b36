/**
 * `cpm-conformance lint FILE...` — strict RFC 3261 checks of raw SIP messages (one file = one
 * UDP datagram), or with `--pcap` of every SIP message in capture files. Exit codes (design §4):
 * 0 all well formed, 1 any message not well formed, 2 usage error (no files, unreadable file).
 */
import type { CommandModule } from 'yargs';
import { formatLint, lintFiles } from '../../src/sip/lint/lint';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE } from '../exit-codes';

interface Args {
  files: string[];
  pcap: boolean;
}

/** The command's whole behaviour as a function, so tests need not spawn a process. */
export function runLint(files: readonly string[], pcap: boolean, write: (s: string) => void, writeErr: (s: string) => void): number {
  if (files.length === 0) {
    writeErr('lint: name at least one file\n');
    return EXIT_USAGE;
  }
  const outcome = lintFiles(files, { pcap });
  write(formatLint(outcome));
  if (outcome.problems.some((p) => p.includes('cannot read'))) {
    writeErr(outcome.problems.filter((p) => p.includes('cannot read')).join('\n') + '\n');
    return EXIT_USAGE;
  }
  return outcome.messages.every((m) => m.wellFormed) ? EXIT_OK : EXIT_FAIL;
}

export const lintCommand: CommandModule<object, Args> = {
  command: 'lint [files..]',
  describe: 'Check raw SIP messages (one per file, as one UDP datagram) or the SIP in pcap files against RFC 3261',
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, default: [], describe: 'message files (or captures with --pcap)' })
      .option('pcap', { type: 'boolean', default: false, describe: 'files are pcap/pcapng captures; lint every SIP message in them' }) as never,
  handler: (args) => {
    process.exitCode = runLint(args.files ?? [], args.pcap, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
  },
};
