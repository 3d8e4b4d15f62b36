/**
 * Kamailio (Debian `kamailio`) as an independent SUT, conformant: a record-routing, parallel-forking
 * proxy and registrar. Issue 12: every applicable case PASSES over UDP and TCP in the direct
 * topology, nothing INCONC, zero bindings left in Kamailio (ul.dump) and every packet the harness
 * sent to the SUT from inside local.ports.
 */
import { describeWithTools } from '../support/tools';
import { conformantProblems } from './run';
import { describeVariant } from './suite';

describeWithTools(['kamailio'], 'Kamailio as the SUT: conformant proxy + registrar', () => {
  describeVariant({
    variant: 'conformant',
    title: 'direct topology, no authentication: every applicable case PASSES',
    topology: 'direct',
    transports: ['udp', 'tcp'],
    expectation: (o, { config }) => conformantProblems(o, config),
  });
});
