/** The compiled ajv validator for targetSchema: compiled once, applies defaults in place. */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { targetSchema } from './schema';

let compiled: ValidateFunction | undefined;

export function targetValidator(): ValidateFunction {
  if (!compiled) {
    // allErrors: report every problem in one go; verbose: errors carry the schema node and value
    // for the hints; useDefaults: fill defaults while validating.
    const ajv = new Ajv({ allErrors: true, verbose: true, useDefaults: true, strict: true, strictTypes: false });
    addFormats(ajv, ['hostname', 'ipv6']);
    compiled = ajv.compile(targetSchema);
  }
  return compiled;
}
