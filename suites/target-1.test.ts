/** The suites against the run's first target (the user's SUT, or the reference server in proxy mode). */
import { defineTargetRun } from './jest-driver';

defineTargetRun(0);
