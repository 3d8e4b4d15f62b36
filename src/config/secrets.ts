/**
 * Which config keys hold secrets. One list, used both by maskSecrets() and by the error formatter
 * (a wrong-typed password must not be echoed back in "got …").
 * The TLS key path is masked too: it tells an attacker where the private key lives.
 */
const SECRET_KEYS = new Set(['password', 'passphrase', 'key', 'secret', 'token', 'ha1']);

export const MASK = '***';

export function isSecretKey(key: string | number | undefined): boolean {
  return typeof key === 'string' && SECRET_KEYS.has(key.toLowerCase());
}
