/* global process, URL */
import { fileURLToPath } from 'node:url';
// Mutation testing of the reference server against the conformance suites (docs/mutation.md,
// issue 18). `npm run mutation`; `MUTATE=src/reference/mld.ts npm run mutation` for one file.
// Not part of `npm test`: a file takes minutes, the PF files together take hours.

/** The reference server's Participating Function behaviour (issue 18). */
const PF_FILES = [
  'src/reference/mld.ts',
  'src/reference/proxy-fork.ts',
  'src/reference/proxy.ts',
  'src/reference/b2bua.ts',
  'src/reference/transfer*.ts',
  // The transfer faults' catalogue entries: names and descriptions, no behaviour (the switches are in the PF code).
  '!src/reference/transfer-faults.ts',
  'src/reference/routing.ts',
  'src/reference/participating-function.ts',
  'src/reference/registrar.ts',
];
const mutate = process.env.MUTATE ? process.env.MUTATE.split(',').map((s) => s.trim()).filter(Boolean) : PF_FILES;
// One folder per target (a file, or the PF files together): each per-file run is resumable on its
// own, its incremental file and reports kept apart from the others' (bench/mutation-summary.ts reads the same).
const slug = process.env.MUTATE ? process.env.MUTATE.replace(/src\/reference\//g, '').replace(/[^A-Za-z0-9.-]+/g, '_') : 'pf-files';
const out = `.tmp/mutation/${slug}`;
// The dry run writes which mutants the suites reached here (bench/mutation-suite.ts), outside the sandbox.
const coverageFile = fileURLToPath(new URL(`${out}/coverage.json`, import.meta.url));
const workers = Number(process.env.MUTATION_WORKERS ?? 2);

export default {
  mutate,
  // The test: the suites against the mutated reference, both PF modes, in one process per mutant
  // (bench/mutation-suite.ts). Mutant schemata: one build of the sandbox holds every mutant;
  // the command runner names the active one in __STRYKER_ACTIVE_MUTANT__.
  testRunner: 'command',
  commandRunner: { command: `MUTATION_COVERAGE_FILE='${coverageFile}' node dist/bench/mutation-suite.js` },
  buildCommand: 'npx tsc -p tsconfig.build.json',
  // Out of scope: log lines and fault-catalogue switches (bench/stryker-ignorers.mjs).
  plugins: ['@stryker-mutator/*', './bench/stryker-ignorers.mjs'],
  ignorers: ['cpm-log', 'cpm-fault-switch'],
  // 2 shared cores: at most 2 mutants at once, each running ≤ MUTATION_CONCURRENCY variants per PF mode.
  concurrency: Number.isSafeInteger(workers) && workers >= 1 ? workers : 2,
  timeoutMS: 30_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 5,
  // Resumable: results of unchanged mutants are taken from here on the next run.
  // Incremental mode sees changes to the mutated files only, not to the suites (the command runner
  // names no test files): after a suite change rerun with MUTATION_FORCE=1 (docs/mutation.md).
  incremental: true,
  force: process.env.MUTATION_FORCE === '1',
  incrementalFile: `${out}/stryker-incremental.json`,
  tempDirName: '.tmp/stryker-tmp',
  cleanTempDir: true,
  // Only what the build and the suites need goes to the sandbox.
  ignorePatterns: ['dist', '.tmp', 'allure-results', 'allure-report', 'cpm-results', 'coverage', 'load-results', 'reports', 'out', '*.tgz'],
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: `${out}/report.html` },
  jsonReporter: { fileName: `${out}/report.json` },
  clearTextReporter: { allowColor: false, reportTests: false, reportMutants: false },
  // The suites, not a type checker, judge a mutant (a TS checker per mutant would not fit 2 cores).
  disableTypeChecks: 'src/reference/**/*.ts',
};
