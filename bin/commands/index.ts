import type { CommandModule } from 'yargs';
import { lintCommand } from './lint';
import { listCommand } from './list';
import { loadCommand } from './load';
import { referenceServerCommand } from './reference-server';
import { reportCommand } from './report';
import { runCommand } from './run';
import { selftestCommand } from './selftest';
import { validateCommand } from './validate';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [runCommand, listCommand, lintCommand, validateCommand, referenceServerCommand, selftestCommand, reportCommand, loadCommand];
