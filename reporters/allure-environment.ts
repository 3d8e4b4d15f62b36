/**
 * The jest test environment of `cpm-conformance run`: allure-jest's node environment with its
 * results written off the event loop (AsyncResultsWriter, which says why), every file of a suite on
 * disk before jest moves on (so `run` reads complete results when runCLI returns), the case
 * renderer of render-pool.ts handed to the suites, and the cases' window marked for loop-monitor.ts.
 */
import AllureNodeEnvironment from 'allure-jest/node';
import { FileSystemWriter } from 'allure-js-commons/sdk/reporter';
import { AsyncResultsWriter } from './async-results-writer';
import { RENDERER_GLOBAL, sharedCaseRenderer } from './render-pool';
import { loopMonitor, postCasesDelay } from './loop-monitor';

type EnvArgs = ConstructorParameters<typeof AllureNodeEnvironment>;

export default class CpmAllureEnvironment extends AllureNodeEnvironment {
  private readonly asyncWriter?: AsyncResultsWriter;

  constructor(config: EnvArgs[0], context: EnvArgs[1]) {
    super(config, context);
    const options = config.projectConfig.testEnvironmentOptions as { resultsDir?: string };
    const runtime = (this as unknown as { runtime: { writer: unknown } }).runtime;
    // Only the file writer is replaced: ALLURE_TEST_MODE's message writer (Allure's own tests) stays.
    if (runtime.writer instanceof FileSystemWriter) {
      this.asyncWriter = new AsyncResultsWriter(options.resultsDir ?? 'allure-results');
      runtime.writer = this.asyncWriter;
    }
    // The per-case evidence is rendered on a worker thread (render-pool.ts says why).
    (this.global as unknown as Record<string, unknown>)[RENDERER_GLOBAL] = sharedCaseRenderer();
    // The window in which this file's cases run, for the loop delay `run` prints (loop-monitor.ts).
    // allure-jest sets handleTestEvent on the instance; wrap it.
    const self = this as unknown as { handleTestEvent?: (event: { name: string }, state: unknown) => unknown };
    const inner = self.handleTestEvent?.bind(this);
    self.handleTestEvent = (event, state) => {
      if (event.name === 'run_start') {
        // On a jest worker thread nothing else measures this thread's loop.
        if (!loopMonitor.started) loopMonitor.start();
        loopMonitor.casesStart();
      } else if (event.name === 'run_finish') {
        loopMonitor.casesEnd();
        postCasesDelay();
      }
      return inner?.(event, state);
    };
  }

  override async teardown(): Promise<void> {
    try {
      await super.teardown();
    } finally {
      await this.asyncWriter?.drain();
    }
  }
}
