#!/usr/bin/env node
/**
 * cpm-conformance CLI. One module per command in ./commands, loaded on use (./commands/catalog.ts); exit codes follow docs/architecture.md, Verdicts:
 * 0 conformant, 1 any fail, 2 usage or config error, 3 inconclusive/error only.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { COMMANDS } from './commands/catalog';
import { EXIT_USAGE } from './exit-codes';

async function main(argv: string[]): Promise<void> {
  let parser = yargs(argv)
    .scriptName('cpm-conformance')
    .strict()
    .demandCommand(1, 'Name a command: run, list, lint, validate, reference-server, selftest, report.')
    .recommendCommands()
    .help()
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // Usage errors never show a stack trace (docs/target-config.md, issue "Bad user input").
      process.stderr.write(`cpm-conformance: ${msg ?? err?.message ?? 'usage error'}\nRun 'cpm-conformance --help' for usage.\n`);
      process.exit(EXIT_USAGE);
    });
  // Only the command that runs is loaded (commands/catalog.ts says why); the others are listed for --help.
  const invoked = argv.find((a) => !a.startsWith('-'));
  for (const c of COMMANDS) parser = c.name === invoked ? parser.command(await c.load()) : parser.command(c.command, c.describe);
  await parser.parseAsync();
}

// A reader that stops early (`cpm-conformance list | head`) closes the pipe: that ends the output, not in a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(hideBin(process.argv)).catch((err: unknown) => {
  process.stderr.write(`cpm-conformance: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(EXIT_USAGE);
});
