/** The reference CPM Conversation Server (docs/architecture.md, The reference server): the embedded default SUT and its fault catalogue. */
export { startReferenceServer } from './server';
export { FAULTS, FaultSet, unknownFaults, type FaultDescriptor, type FaultName } from './faults';
export type { ReferenceServer, ReferenceServerOptions, PfMode, CsMsrpRole } from './options';
export { LocationService, aorKey, type Binding } from './location-service';
