import type { CommandModule } from 'yargs';
import { commandLine } from './catalog';
import { SUITES } from '../../suites/index';
import { caseKey } from '../../src/harness/test-case';
import { notApplicable } from '../../src/harness/runner';
import { REQUIREMENTS } from '../../src/harness/requirements';
import type { HarnessTarget } from '../../src/harness/target';
import { referenceTarget, targetFileOrExit, withUnionOfClaims } from '../targets';

interface Args {
  target?: string;
  requirements: boolean;
}

/** What `list` judges applicability against when no target is given: the reference server in both PF modes. */
function referenceLike(): HarnessTarget {
  const at = { pfA: { host: '127.0.0.1', port: 5060 }, pfB: { host: '127.0.0.1', port: 5061 } };
  return withUnionOfClaims([referenceTarget({ ...at, mode: 'proxy' }), referenceTarget({ ...at, mode: 'b2bua' })]);
}

export const listCommand: CommandModule<object, Args> = {
  ...commandLine('list'),
  builder: (y) =>
    y
      .option('target', { type: 'string', describe: 'target config to judge applicability against (default: the reference server)' })
      .option('requirements', { type: 'boolean', default: false, describe: 'list the requirements catalogue instead' }) as never,
  handler: (args) => {
    if (args.requirements) {
      for (const r of REQUIREMENTS) process.stdout.write(`${r.id.padEnd(18)} ${r.level.padEnd(8)} ${r.document} ${r.clause}\n${' '.repeat(28)}${r.summary}\n`);
      return;
    }
    let target = referenceLike();
    if (args.target) {
      target = targetFileOrExit(args.target);
    }
    let n = 0;
    for (const s of SUITES) {
      process.stdout.write(`${s.feature}\n`);
      for (const c of s.cases) {
        process.stdout.write(`  ${c.id}  ${c.title}\n      requirements: ${c.requirements.join(', ')}; spec: ${c.spec.document} ${c.spec.clause}\n`);
        for (const v of c.variants) {
          const na = notApplicable(c, v, target);
          n++;
          process.stdout.write(`      ${na ? 'n/a    ' : 'applies'} ${caseKey(c, v)}${na ? ` — ${na}` : ''}\n`);
        }
      }
    }
    process.stdout.write(`${n} case variants\n`);
  },
};
