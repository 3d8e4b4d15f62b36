/** One fault of the reference server's catalogue (faults.ts and its siblings, which the catalogue spreads in). */
export interface FaultDescriptor<Name extends string = string> {
  /** Name used on the command line (`--fault NAME`) and in `faults`. */
  readonly name: Name;
  /** Requirement ID of the catalogue (src/harness/requirements.ts) the fault breaks. */
  readonly requirement: string;
  readonly description: string;
  /** The PF mode the fault is meaningful in, when only one (the selftest runs a fault in `mode ?? 'proxy'`). */
  readonly mode?: 'proxy' | 'b2bua';
  /**
   * Binding knobs (docs/cpm-sip-binding.md) the selftest runs the fault under, when it acts only in
   * a flow another binding drives (e.g. `pullMode: refer-to-psi`: the pull by REFER); a `--binding`
   * of the run overrides them. Only the knob a fault needs so far (src/reference sits below src/config).
   */
  readonly binding?: { readonly pullMode?: 'invite-replaces' | 'refer-to-psi' };
}
