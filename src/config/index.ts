/** Target config (ICS + IXIT, docs/target-config.md): schema, loader, errors, masking. */
export type { Target, TargetSut, TargetTls, TargetLocal, TargetParticipatingFunction, TargetUserConfig, TargetIcs, TargetIxit, TargetBinding, SipTransport, TopologyName, PfMode } from './target';
export { ConfigError, formatIssue, type ConfigIssue } from './config-error';
export { loadTarget, parseTarget, type ParseOptions } from './load';
export { targetSchema } from './schema';
export { maskSecrets } from './mask';
export { parseHostPort, formatHostPort, type HostPort } from './host-port';
