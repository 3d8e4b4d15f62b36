/**
 * Runs the shipped, compiled suites (dist/suites/**\/*.test.js) through jest's runCLI with the
 * allure-jest environment (research/npm-stack.md §0 "Running shipped suites from the bin").
 */
import * as path from 'node:path';
import type { RunGlobals } from '../reporters/jest-suite';
import { CATEGORIES } from '../reporters/categories';

export interface SuiteRunOptions {
  globals: RunGlobals;
  resultsDir: string;
  environmentInfo: Record<string, string>;
  color: boolean;
}

/** Package root (dist/bin/.. /..). */
export const PKG_ROOT = path.resolve(__dirname, '..', '..');

export { CATEGORIES } from '../reporters/categories';

export async function runSuites(o: SuiteRunOptions): Promise<void> {
  const dist = path.join(PKG_ROOT, 'dist');
  const config = {
    rootDir: PKG_ROOT,
    roots: [path.join(dist, 'suites')],
    testMatch: ['**/*.test.js'],
    testPathIgnorePatterns: [path.join(PKG_ROOT, 'node_modules') + path.sep],
    haste: { retainAllFiles: true },
    // allure-jest's node environment, writing its result files off the event loop (see the module).
    testEnvironment: path.join(dist, 'reporters', 'allure-environment.js'),
    testEnvironmentOptions: {
      resultsDir: path.resolve(o.resultsDir),
      environmentInfo: o.environmentInfo,
      categories: CATEGORIES,
    },
    globals: { __CPM__: o.globals },
    transform: {},
    cache: false,
    testTimeout: 10 * 60_000,
  };
  const { runCLI } = await import('jest');
  // The reporter goes in argv, not the config: jest validates the config as a project's, where
  // `reporters` draws "Validation Warning: Option "reporters" is not supported" on every run.
  const reporters = [[path.join(dist, 'reporters', 'live-reporter.js'), { verdictLog: o.globals.verdictLog, color: o.color }]];
  await runCLI({ _: [], $0: 'cpm-conformance', config: JSON.stringify(config), reporters, runInBand: true, watchman: false, silent: true } as never, [PKG_ROOT]);
}
