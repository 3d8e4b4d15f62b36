/** The whole suite with loss, duplication, reordering and jitter at the reference server (support/network-fault-run.ts). */
import { networkFaultScenario } from './support/network-fault-run';

networkFaultScenario('reference: 10% loss + 10% duplication + 25% reordering (30 ms) + 5 ms jitter',
  { network: { lossRate: 0.1, duplicateRate: 0.1, reorderRate: 0.25, reorderDelayMs: 30, jitterMs: 5 } }, undefined);
