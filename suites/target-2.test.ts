/**
 * The suites against the run's second target, when there is one (the reference server in B2BUA
 * mode). A file per target lets jest run the two on two worker threads (bin/run-suites.ts).
 */
import { defineTargetRun } from './jest-driver';

defineTargetRun(1);
