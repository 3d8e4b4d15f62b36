/** The project's own tests (unit, property, integration, interop). The conformance suites are
 *  run by `cpm-conformance run` with their own jest configuration (src/harness/run). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  testTimeout: 30000,
  // Four workers on the 2-core machine `npm test` is sized for (issue 14): the test files are
  // independent (each starts its own servers on port 0, own temp dirs, own Kamailio), and most of
  // them mostly wait (SIP timers, Kamailio, Chromium, a scanner). Measured on a quiet machine with
  // the long files first: three workers kept the cores 62 % busy and took 270 s; four, 77 % and
  // 225 s, every test green. Override with --maxWorkers.
  maxWorkers: 4,
  // Long files first even without jest's cache (a CI job's clean clone): test/support/sequencer.js.
  testSequencer: '<rootDir>/test/support/sequencer.js',
};
