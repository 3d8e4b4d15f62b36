/**
 * Kamailio (Debian `kamailio`) as an independent SUT, conformant: a record-routing, parallel-forking
 * proxy and registrar. Issue 12: every applicable case PASSES over UDP and TCP in the direct
 * topology, nothing INCONC, zero bindings left in Kamailio (ul.dump) and every packet the harness
 * sent to the SUT from inside local.ports. The IXIT states tm's fr_timer as Timer B, so
 * TC-MLD-007-14 (the only device never answers: 408 once Timer B fires) runs against it too.
 */
import { describeWithTools } from '../support/tools';
import { conformantProblems } from './run';
import { describeVariant } from './suite';
import { FR_TIMER_MS } from './config';

describeWithTools(['kamailio'], 'Kamailio as the SUT: conformant proxy + registrar', () => {
  describeVariant({
    variant: 'conformant',
    title: 'direct topology, no authentication: every applicable case PASSES',
    topology: 'direct',
    transports: ['udp', 'tcp'],
    timerB: FR_TIMER_MS,
    expectation: (o, { config }) => conformantProblems(o, config),
  });
});
