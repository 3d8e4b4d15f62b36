/** Copies of a target config safe to print in logs, reports and Allure parameters. */
import { isSecretKey, MASK } from './secrets';

/**
 * Deep copy with every secret value (passwords, key passphrases, the TLS key path) replaced by
 * "***". Works on a loaded Target and on raw, unvalidated input alike.
 */
export function maskSecrets(target: object): Record<string, unknown> {
  return maskValue(target, undefined) as Record<string, unknown>;
}

function maskValue(v: unknown, key: string | number | undefined): unknown {
  if (isSecretKey(key) && v !== undefined && v !== null) return MASK;
  if (Array.isArray(v)) return v.map((item, i) => maskValue(item, typeof key === 'string' ? key : i));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) Object.defineProperty(out, k, { value: maskValue(item, k), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}
