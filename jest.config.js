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
  // Three workers on the 2-core machine `npm test` is sized for (issue 14): the test files are
  // independent (each starts its own servers on port 0, own temp dirs, own Kamailio), and many
  // mostly wait (SIP timers, Kamailio, Chromium): measured, two workers kept the cores 54 % busy
  // (jest 362 s), three finish in 271 s with every test green. Override with --maxWorkers.
  maxWorkers: 3,
  // Long files first even without jest's cache (a CI job's clean clone): test/support/sequencer.js.
  testSequencer: '<rootDir>/test/support/sequencer.js',
};
