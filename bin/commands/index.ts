import type { CommandModule } from 'yargs';
import { lintCommand } from './lint';
import { validateCommand } from './validate';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [lintCommand, validateCommand];
