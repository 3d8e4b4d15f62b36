/** The whole suite at 10% datagram loss at the reference server (support/network-fault-run.ts). */
import { networkFaultScenario } from './support/network-fault-run';

networkFaultScenario('reference: 10% loss', { lossRate: 0.1 }, undefined);
