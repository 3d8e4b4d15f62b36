/**
 * `cpm-conformance lint FILE...` — strict RFC 3261 checks of raw SIP messages (one file = one
 * UDP datagram), or with `--pcap` of every SIP message in capture files. MSRP frames get the
 * RFC 4975 strict checks the same way: a file whose first line is `MSRP <transaction-id> ...` is
 * one frame, and with `--pcap` TCP streams starting so are cut into frames (src/sip/lint/msrp.ts).
 * Exit codes (docs/architecture.md, Verdicts):
 * 0 all well formed (warnings allowed), 1 any message syntactically invalid or semantically wrong,
 * 2 usage error (no files, unreadable file, unknown format). `--format json` prints one JSON
 * object per message (JSON Lines) for CI; plain words stay the default.
 */
import type { CommandModule } from 'yargs';
import { commandLine } from './catalog';
import { formatLint, formatLintJson, lintFiles } from '../../src/sip/lint/lint';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE } from '../exit-codes';

export type LintFormat = 'text' | 'json';

interface Args {
  files: string[];
  pcap: boolean;
  format: string;
}

/** The command's whole behaviour as a function, so tests need not spawn a process. */
export function runLint(files: readonly string[], pcap: boolean, write: (s: string) => void, writeErr: (s: string) => void, format: string = 'text'): number {
  if (format !== 'text' && format !== 'json') {
    writeErr(`lint: --format must be text or json, not "${format}"\n`);
    return EXIT_USAGE;
  }
  if (files.length === 0) {
    writeErr('lint: name at least one file\n');
    return EXIT_USAGE;
  }
  const outcome = lintFiles(files, { pcap });
  if (format === 'json') {
    write(formatLintJson(outcome));
    if (outcome.problems.length > 0) writeErr(outcome.problems.join('\n') + '\n');
  } else write(formatLint(outcome));
  if (outcome.problems.some((p) => p.includes('cannot read'))) {
    if (format === 'text') writeErr(outcome.problems.filter((p) => p.includes('cannot read')).join('\n') + '\n');
    return EXIT_USAGE;
  }
  return outcome.messages.every((m) => m.verdict === 'valid') ? EXIT_OK : EXIT_FAIL;
}

export const lintCommand: CommandModule<object, Args> = {
  ...commandLine('lint'),
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, default: [], describe: 'message files: SIP, or one MSRP frame each (or captures with --pcap)' })
      .option('pcap', { type: 'boolean', default: false, describe: 'files are pcap/pcapng captures; lint every SIP message in them and every MSRP frame of TCP streams that begin with one (source ends msrp@<stream octet>)' })
      .option('format', { type: 'string', default: 'text', choices: ['text', 'json'], describe: 'text (plain words) or json (one JSON object per message, JSON Lines)' }) as never,
  handler: (args) => {
    process.exitCode = runLint(args.files ?? [], args.pcap, (s) => process.stdout.write(s), (s) => process.stderr.write(s), args.format);
  },
};
