/**
 * Long test files first, always. Jest's own order puts the files that took longest in the last run
 * first — from its cache, which a CI job on a clean clone does not have; without it jest orders by
 * file size, and a 90 s file that happens to be small starts last and sets the tail of the run
 * (issue 14: `npm test` under 5 min). These are the files measured longest (mostly waiting: SIP
 * timers, Kamailio, Chromium, a scanner), slowest first; the rest keep jest's order.
 * Plain JavaScript: jest loads a sequencer without transforming it.
 */
const Sequencer = require('@jest/test-sequencer').default;

const SLOW_FIRST = [
  'test/reporting/e2e-report.test.ts',
  'test/hardening/attack.test.ts',
  'test/hardening/network-faults-harness-mix.test.ts',
  'test/hardening/network-faults-reference-mix.test.ts',
  'test/reporting/run-reports.test.ts',
  'test/integration/suites/race.test.ts',
  'test/hardening/network-faults-reference-loss.test.ts',
  'test/hardening/hostile-sut.test.ts',
  'test/hardening/hostile-sut-tcp.test.ts',
  'test/hardening/bad-input.test.ts',
  'test/integration/suites/selftest.test.ts',
  'test/hardening/hygiene.test.ts',
  'test/interop/kamailio/auth.test.ts',
  'test/integration/suites/loss.test.ts',
  'test/interop/kamailio/conformant.test.ts',
  'test/interop/kamailio/ims-as.test.ts',
  'test/integration/cli/run.test.ts',
  'test/interop/kamailio/faulty.test.ts',
];

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    const rank = (t) => {
      const i = SLOW_FIRST.findIndex((p) => t.path.endsWith(p));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    const rest = super.sort(tests.filter((t) => rank(t) === SLOW_FIRST.length));
    return [...tests.filter((t) => rank(t) < SLOW_FIRST.length).sort((a, b) => rank(a) - rank(b)), ...rest];
  }
}

module.exports = SlowFirstSequencer;
