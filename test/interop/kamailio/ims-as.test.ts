/**
 * Kamailio deployed as an IMS Application Server behind the harness's emulated S-CSCFs (topology
 * core-emulation, src/harness/core-emulator.ts): registrations arrive proxied with Path (RFC 3327),
 * originating requests with `Route: <pf;lr;orig>, <core>` and are loose-routed back to the core
 * (RFC 3261 §16.4), terminating ones with `Route: <pf;lr>, <core>` and are forked to the contacts.
 * Issue 12: the 14-step leaving flow (TC-LEAVE-01/02) and the MLD-007 cases PASS, over UDP and TCP,
 * with nothing left in Kamailio's location service.
 */
import { describeWithTools } from '../support/tools';
import { conformantProblems } from './run';
import { describeVariant } from './suite';

describeWithTools(['kamailio'], 'Kamailio as the SUT: IMS Application Server behind the emulated S-CSCFs', () => {
  describeVariant({
    variant: 'ims-as',
    title: 'core-emulation topology: the leaving flow and MLD-007 PASS',
    topology: 'core-emulation',
    transports: ['udp', 'tcp'],
    expectation: (o, { config }) => conformantProblems(o, config),
  });
});
