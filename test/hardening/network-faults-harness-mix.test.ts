/** The whole suite with loss, reordering, duplication and jitter on every harness socket (support/network-fault-run.ts). */
import { networkFaultScenario } from './support/network-fault-run';

networkFaultScenario('harness: 10% loss + 25% reordering + 5% duplication + 5 ms jitter on every device and core socket', undefined,
  { network: { lossRate: 0.1, reorderRate: 0.25, reorderDelayMs: 30, duplicateRate: 0.05, jitterMs: 5 }, seed: 0xc0ffee });
