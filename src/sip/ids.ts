/**
 * Fresh identifiers: Via branches, tags and Call-IDs. Random enough to be globally unique
 * (RFC 3261 §8.1.1.7 for branches, §19.3 for tags and Call-IDs: at least 32 bits of randomness).
 */
import { randomBytes } from 'node:crypto';

/** The magic cookie marking an RFC 3261 branch (§8.1.1.7). */
export const MAGIC_COOKIE = 'z9hG4bK';

function token(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** A branch unique across space and time, starting with the magic cookie (§8.1.1.7). */
export function newBranch(): string {
  return MAGIC_COOKIE + token(10);
}

/** A From/To tag (§19.3: at least 32 bits of randomness). */
export function newTag(): string {
  return token(6);
}

/** A Call-ID (§8.1.1.4), `random@host` when a host is given. */
export function newCallId(host?: string): string {
  const id = token(12);
  return host ? `${id}@${host}` : id;
}
