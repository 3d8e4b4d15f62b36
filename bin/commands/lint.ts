import type { CommandModule } from 'yargs';
import { EXIT_USAGE } from '../exit-codes';

// PLACEHOLDER: replaced by the owner of this command.
export const lintCommand: CommandModule = {
  command: 'lint',
  describe: 'not implemented yet',
  handler: () => {
    process.stderr.write('lint: not implemented yet\n');
    process.exit(EXIT_USAGE);
  },
};
