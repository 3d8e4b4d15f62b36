import type { CommandModule } from 'yargs';
import { commandLine } from './catalog';
import { formatRow, runSelftest } from '../selftest';
import { allCases } from '../../suites/index';
import { EXIT_FAIL, EXIT_OK, EXIT_USAGE } from '../exit-codes';
import { parseBindingOptions } from '../binding-option';

interface Args {
  mode?: 'proxy' | 'b2bua';
  fault?: string[];
  concurrency: number;
  'all-cases': boolean;
  'until-detected': boolean;
  rows: number;
  binding?: string[];
  'reference-msrp-role'?: 'b2bua' | 'relay';
}

export const selftestCommand: CommandModule<object, Args> = {
  ...commandLine('selftest'),
  builder: (y) =>
    y
      .option('mode', { choices: ['proxy', 'b2bua'] as const, describe: 'only this PF mode for the correct server' })
      .option('fault', { type: 'string', array: true, describe: 'only these faults' })
      .option('concurrency', { type: 'number', default: 6, describe: 'case variants run at once' })
      .option('binding', { type: 'array', string: true, describe: 'switch a binding knob of docs/cpm-sip-binding.md, KNOB=VALUE (repeatable), e.g. deviceAddressing=gruu' })
      .option('reference-msrp-role', { choices: ['b2bua', 'relay'] as const, describe: 'the reference server in b2bua mode takes part in MSRP as an RFC 4976 relay (relay) or the endpoint of each leg (default); judged with binding csMsrpRole the same unless --binding says otherwise' })
      .option('all-cases', { type: 'boolean', default: false, describe: 'run every case against every fault (default: the cases of the feature the fault breaks)' })
      .option('rows', { type: 'number', default: 1, describe: 'rows (the correct server per mode, each fault) run at once, each against its own reference server' })
      .option('until-detected', { type: 'boolean', default: false, describe: 'stop each fault\'s row at its first detection (faster; the row then counts only the variants it ran)' }) as never,
  handler: async (args) => {
    const binding = parseBindingOptions((args.binding ?? []).map(String));
    if (typeof binding === 'string') {
      process.stderr.write(`cpm-conformance selftest: ${binding}\n`);
      process.exit(EXIT_USAGE);
    }
    if (!Number.isInteger(args.rows) || args.rows < 1 || args.rows > 64) {
      process.stderr.write(`cpm-conformance selftest: --rows must be an integer from 1 to 64, got ${String(args.rows)}\n`);
      process.exit(EXIT_USAGE);
    }
    process.stdout.write('fault                                         mode   requirement      result\n');
    const rows = await runSelftest({
      modes: args.mode ? [args.mode] : undefined,
      faults: args.fault,
      concurrency: args.concurrency,
      allCases: args['all-cases'],
      untilDetected: args['until-detected'],
      rowConcurrency: args.rows,
      binding,
      msrpRole: args['reference-msrp-role'],
      onRow: (r) => process.stdout.write(formatRow(r) + '\n'),
    });
    const bad = rows.filter((r) => !r.ok);
    process.stdout.write(`\n${rows.length - bad.length}/${rows.length} rows ok${bad.length ? `; not ok: ${bad.map((r) => `${r.fault} (${r.mode})`).join(', ')}` : ''}\n`);
    // A case no fault makes fail is unproven: it could pass against any server. Only a full matrix
    // (every fault, every variant of its feature) can tell.
    let unproven: string[] = [];
    if (!args.fault && !args['until-detected']) {
      const failed = new Set(rows.filter((r) => r.fault !== '(none)').flatMap((r) => r.failing.map((f) => f.key.split(' ')[0])));
      unproven = [...new Set(allCases().map((c) => c.id))].filter((id) => !failed.has(id));
      process.stdout.write(`cases failed by at least one fault: ${failed.size}/${failed.size + unproven.length}${unproven.length ? `; unproven (no fault makes them fail): ${unproven.join(', ')}` : ''}\n`);
    }
    process.exitCode = bad.length || unproven.length ? EXIT_FAIL : EXIT_OK;
  },
};
