/**
 * `--binding KNOB=VALUE` (run, selftest): switch a binding knob of docs/cpm-sip-binding.md for one run, e.g. to
 * see how the suites judge the reference server under another vendor's binding. Values are checked
 * against the target config schema, so the CLI and a config file accept the same knobs and values.
 */
import type { HarnessTarget } from '../src/harness/target';
import { targetSchema } from '../src/config';
import { closest } from '../src/config/did-you-mean';

type Binding = HarnessTarget['binding'];
interface KnobSchema { type: string; enum?: string[] }

const KNOBS = (targetSchema.properties.binding as unknown as { properties: Record<string, KnobSchema> }).properties;

/** The knobs given, or the message of the first bad one (it names the knob and the values allowed). */
export function parseBindingOptions(values: readonly string[]): Partial<Binding> | string {
  const out: Record<string, string | boolean> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const [name, value] = eq < 0 ? [v, ''] : [v.slice(0, eq).trim(), v.slice(eq + 1).trim()];
    const knob = Object.prototype.hasOwnProperty.call(KNOBS, name) ? KNOBS[name] : undefined;
    if (!knob) {
      const guess = closest(name, Object.keys(KNOBS));
      return `--binding ${v}: unknown knob '${name}'${guess ? ` (did you mean ${guess}?)` : ''}; valid knobs: ${Object.keys(KNOBS).join(', ')}`;
    }
    if (knob.type === 'boolean') {
      if (value !== 'true' && value !== 'false') return `--binding ${v}: ${name} must be true or false, e.g. --binding ${name}=true`;
      out[name] = value === 'true';
    } else {
      if (!knob.enum?.includes(value)) return `--binding ${v}: ${name} must be one of ${knob.enum?.join(', ')}, e.g. --binding ${name}=${knob.enum?.[1] ?? knob.enum?.[0]}`;
      out[name] = value;
    }
  }
  return out as Partial<Binding>;
}
