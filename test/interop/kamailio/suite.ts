/**
 * One jest `describe` per Kamailio variant: start that variant once, run the planned case
 * variants one after another against it (a shared SUT, so no two cases use the users at the same
 * time), one `it` per case variant holding the expectation, a verdict table on stdout at
 * the end, and the Kamailio child stopped by pid.
 */
import type { CaseVariant, TestCase } from '../../../src/harness/test-case';
import type { Target } from '../../../src/config';
import { header } from '../../../src/sip/message';
import type { KamailioVariantName } from './config';
import { Kamailio, kamailioVersion } from './kamailio';
import { kamailioTarget, newPasswords, type TargetOptions } from './targets';
import { plan, printTable, runOne, wire, type Outcome } from './run';

export interface VariantSuite {
  variant: KamailioVariantName;
  title: string;
  topology: TargetOptions['topology'];
  transports: Array<TargetOptions['transport']>;
  /** Digest authentication: random passwords for Kamailio's cfg and the target config's ${ENV}. */
  auth?: boolean;
  reasonOnCancel?: TargetOptions['reasonOnCancel'];
  /** The IXIT states Kamailio's fr_timer as Timer B (TargetOptions.timerB). */
  timerB?: number;
  /** Which applicable case variants to run (default: all). */
  keep?: (c: TestCase, v: CaseVariant) => boolean;
  /** The expectation for one outcome: the problems, empty when met. */
  expectation: (o: Omit<Outcome, 'problems'>, ctx: { k: Kamailio; config: Target }) => string[];
}

/** A case against a SUT that hangs is capped by the runner at 60 s (12 × responseTimeoutMs). */
const CASE_TIMEOUT_MS = 90_000;

export function describeVariant(s: VariantSuite): void {
  describe(s.title, () => {
    const version = kamailioVersion();
    const { users, env } = newPasswords();
    const outcomes: Outcome[] = [];
    let k: Kamailio | undefined;

    beforeAll(async () => {
      k = await Kamailio.start({ variant: s.variant, users: s.auth ? users : [] });
    }, 30_000);
    afterAll(async () => {
      printTable(`"${s.variant}" — ${s.title}`, outcomes);
      await k?.stop();
    }, 15_000);

    describe.each(s.transports)('over %s', (transport) => {
      const options: TargetOptions = { transport, topology: s.topology, env: s.auth ? env : undefined, reasonOnCancel: s.reasonOnCancel, timerB: s.timerB };
      // Which cases apply depends on the config (transport, topology, ICS), not on Kamailio's port.
      const planned = plan(kamailioTarget({ name: s.variant, host: '127.0.0.1', port: 5060 }, version, options).target, s.keep);
      it.each(planned.map((p) => [p.key, p] as const))('%s', async (_key, p) => {
        if (!k) throw new Error('Kamailio did not start (see beforeAll)');
        const { config, target } = kamailioTarget({ name: s.variant, host: k.host, port: k.port }, version, options);
        const o = await runOne(k, target, config, p);
        const problems = s.expectation(o, { k, config });
        outcomes.push({ ...o, problems });
        if (problems.length > 0) {
          const callIds = [...new Set(o.result.trace.map((e) => (e.message ? header(e.message, 'Call-ID') : undefined)).filter((c): c is string => !!c))];
          throw new Error([...problems, '', `what crossed between the harness and Kamailio ${k.address}:`, ...wire(o.result),
            '', 'what Kamailio logged about these calls:', ...k.logFor(callIds)].join('\n'));
        }
      }, CASE_TIMEOUT_MS);
    });
  });
}
