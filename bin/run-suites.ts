/**
 * Runs the shipped, compiled suites through jest's runCLI with the allure-jest environment
 * (research/npm-stack.md §0 "Running shipped suites from the bin"): one test file per target of the
 * run (dist/suites/target-N.test.js, suites/jest-driver.ts), each on its own worker thread when
 * there are several, so the reference server's two PF modes run at once on two cores.
 */
import * as path from 'node:path';
import type { RunGlobals } from '../suites/jest-driver';
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

/** The test files that run the suites, one per target (suites/target-N.test.ts). */
export function targetFiles(targets: number): string[] {
  return Array.from({ length: targets }, (_, i) => path.join(PKG_ROOT, 'dist', 'suites', `target-${i + 1}.test.js`));
}

export async function runSuites(o: SuiteRunOptions): Promise<void> {
  const dist = path.join(PKG_ROOT, 'dist');
  const files = targetFiles(o.globals.targets.length);
  const config = {
    rootDir: PKG_ROOT,
    roots: [path.join(dist, 'suites')],
    testMatch: files.map((f) => `**/${path.basename(f)}`),
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
  // Several targets: one worker thread each (threads, not processes: the Ctrl-C BroadcastChannel of
  // src/harness/interrupt.ts and the loop-delay reports reach threads only). One target: in band,
  // as its cases share one user pool (src/harness/user-pool.ts) and one local port range.
  const parallel = files.length > 1;
  await runCLI({
    _: [], $0: 'cpm-conformance', config: JSON.stringify(config), reporters, watchman: false, silent: true,
    ...(parallel ? { maxWorkers: files.length, workerThreads: true } : { runInBand: true }),
  } as never, [PKG_ROOT]);
}
