/**
 * `cpm-conformance validate FILE`: check a target config (docs/target-config.md) without touching the network.
 * Exit 0 when valid, 2 when invalid or misused; every problem is listed with its path and fix.
 */
import type { CommandModule } from 'yargs';
import { commandLine } from './catalog';
import YAML from 'yaml';
import { ConfigError, loadTarget, maskSecrets, targetSchema } from '../../src/config';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes';

interface ValidateArgs {
  file?: string;
  printSchema: boolean;
  effective: boolean;
}

export interface ValidateIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** The command's work, separate from process.exit so tests can call it. Returns the exit code. */
export function runValidate(args: ValidateArgs, io: ValidateIo): number {
  if (args.printSchema) {
    io.out(`${JSON.stringify(targetSchema, null, 2)}\n`);
    return EXIT_OK;
  }
  if (!args.file) {
    io.err('cpm-conformance validate: name a target config file, e.g. cpm-conformance validate my-target.yaml (or use --print-schema)\n');
    return EXIT_USAGE;
  }
  try {
    const t = loadTarget(args.file, io.env);
    const n = t.users.length;
    io.out(`${args.file}: valid (SUT ${t.sut.name}, ${t.topology}, ${t.sut.transport}, ${n} user${n === 1 ? '' : 's'})\n`);
    // The config as the harness will use it, defaults filled; secrets masked (it may land in CI logs).
    if (args.effective) io.out(YAML.stringify(maskSecrets(t)));
    return EXIT_OK;
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`${e.format()}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  ...commandLine('validate'),
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: 'target config file (.yaml, .yml or .json)' })
      .option('print-schema', { type: 'boolean', default: false, describe: 'print the target config JSON Schema and exit' })
      .option('effective', { type: 'boolean', default: false, describe: 'also print the config with every default filled (secrets masked)' })
      .example('$0 validate my-target.yaml', 'check a config')
      .example('$0 validate --print-schema > target.schema.json', 'write the JSON Schema for editors') as never,
  handler: (args) => {
    const code = runValidate(args, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), env: process.env });
    process.exitCode = code;
  },
};
