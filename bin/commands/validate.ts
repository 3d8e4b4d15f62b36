import type { CommandModule } from 'yargs';
import { EXIT_USAGE } from '../exit-codes';

// PLACEHOLDER: replaced by the owner of this command.
export const validateCommand: CommandModule = {
  command: 'validate',
  describe: 'not implemented yet',
  handler: () => {
    process.stderr.write('validate: not implemented yet\n');
    process.exit(EXIT_USAGE);
  },
};
