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
  // Two workers on the 2-core machine `npm test` is sized for (issue 14): the test files are
  // independent (each starts its own servers on port 0, own temp dirs, own Kamailio), and the
  // long ones mostly wait on SIP timers, so two files overlap well. Override with --maxWorkers.
  maxWorkers: 2,
};
