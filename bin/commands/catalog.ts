/**
 * The CLI's commands: the usage line and description of each here, its module (and all that module
 * imports) loaded only for the command that runs. Loading all eight at start made a default `run`
 * load the load generator's histograms and the report builder too, about a third of its module
 * loading, before the first case could start (issue 14).
 */
import type { CommandModule } from 'yargs';

export interface CommandEntry {
  name: string;
  /** yargs usage: the name and its positionals. */
  command: string;
  describe: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  load: () => Promise<CommandModule<any, any>>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'run', command: 'run', describe: 'Run the conformance suites against a target (default: the built-in reference server) and write Allure results',
    load: async () => (await import('./run.js')).runCommand },
  { name: 'list', command: 'list', describe: 'List every test case with its requirement IDs and whether it applies to the target',
    load: async () => (await import('./list.js')).listCommand },
  { name: 'lint', command: 'lint [files..]', describe: 'Check raw SIP messages (one per file, as one UDP datagram) against RFC 3261 and MSRP frames (a file starting "MSRP <transaction-id> ") against RFC 4975, or both in pcap files',
    load: async () => (await import('./lint.js')).lintCommand },
  { name: 'validate', command: 'validate [file]', describe: 'Check a target config (YAML or JSON) against the schema and the semantic rules; exit 0 valid, 2 invalid',
    load: async () => (await import('./validate.js')).validateCommand },
  { name: 'reference-server', command: 'reference-server', describe: 'Run the built-in reference CPM Conversation Server (registrar, PF A, PF B) until Ctrl-C',
    load: async () => (await import('./reference-server.js')).referenceServerCommand },
  { name: 'selftest', command: 'selftest', describe: 'Run every suite against the reference server, correct and with each fault, and print the detection matrix',
    load: async () => (await import('./selftest.js')).selftestCommand },
  { name: 'report', command: 'report', describe: 'Build the HTML conformance report from a run\'s results, offline (no third-party scripts); --open serves it on 127.0.0.1',
    load: async () => (await import('./report.js')).reportCommand },
  { name: 'load', command: 'load', describe: 'Run one flow of the suites at a rate (open loop), every flow judged by the same requirement checks; JSON summary, latency percentiles, Allure result per failing flow',
    load: async () => (await import('./load.js')).loadCommand },
];

/** A command module's usage line and description, from the catalogue (one place for both). */
export function commandLine(name: string): { command: string; describe: string } {
  const e = COMMANDS.find((c) => c.name === name);
  if (!e) throw new Error(`no command ${name} in the catalogue`);
  return { command: e.command, describe: e.describe };
}
