/**
 * Issue 8.1: the harness against a hostile SUT over UDP (test/hardening/support/hostile-suite.ts;
 * TCP and the configurable stream limits in hostile-sut-tcp.test.ts).
 */
import { hostileSuite } from './support/hostile-suite';

jest.setTimeout(6 * 60_000);

hostileSuite('udp');
