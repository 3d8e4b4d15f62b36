/**
 * The registrar faults of the reference server (faults.ts, `reg-*`): how the registrar PF A hosts
 * (registrar.ts, RFC 3261 §10.3) goes wrong, so the suites can be shown to judge what the user's
 * devices are: the bindings a CPM Session Invitation is forked to (CPM-MLD-007, §16.5). Defined
 * here, beside the catalogue, which spreads them in.
 */
import type { FaultDescriptor } from './fault-descriptor';

export const REGISTRAR_FAULTS = [
  {
    name: 'reg-removal-ignored', requirement: 'RFC3261-10.3',
    description: 'the registrar takes a REGISTER with Expires: 0 for a refresh: the binding stays, for the default interval, listed in the 200 (OK) and invited like any device (RFC 3261 §10.3 step 7: the binding MUST be removed). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'reg-path-ignored', requirement: 'TRF-NMP-REPLACE', mode: 'proxy',
    description: 'the registrar stores no Path with a binding (RFC 3327 §5.3): what the CS itself sends a device, e.g. the Session replacement notification of a transfer, reaches it directly, not "through the SIP/IP Core" (5.2.5.1.2 ¶3; seen in core-emulation). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'reg-contact-without-expires', requirement: 'RFC3261-10.3',
    description: 'the registrar lists each binding in the 200 (OK) without its expires parameter (RFC 3261 §10.3 step 8: "Each Contact value MUST feature an expires parameter"). Found by mutation testing (docs/mutation.md).',
  },
] as const satisfies ReadonlyArray<FaultDescriptor>;
