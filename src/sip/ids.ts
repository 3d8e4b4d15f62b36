/**
 * Fresh identifiers: Via branches, tags and Call-IDs. Random enough to be globally unique
 * (RFC 3261 §8.1.1.7 for branches, §19.3 for tags and Call-IDs: at least 32 bits of randomness).
 */
import { randomFillSync } from 'node:crypto';

/** The magic cookie marking an RFC 3261 branch (§8.1.1.7). */
export const MAGIC_COOKIE = 'z9hG4bK';

/**
 * Random octets drawn from the CSPRNG 4 KiB at a time: a call per identifier cost more than the
 * identifier's use (one per message sent, profiled in a default run), and each octet is still used
 * once only.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

function token(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
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
