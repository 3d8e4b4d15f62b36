/**
 * Which users each load slot runs with. On the reference server every slot generates its own
 * (Topology.pickUsers). Against a target config the users provisioned there are dealt out, never
 * one user to two slots (a flow would see the other slot's invitations fork to its devices); with
 * `--shard i/n` this generator takes every n-th user from the i-th, so n generators on one SUT
 * never share a user (docs/load.md, Beyond one machine).
 */
import type { HarnessTarget, TargetUser } from '../target';
import type { CaseVariant } from '../types';

export class UserSliceError extends Error {}

/** The users of the shard, in config order. */
export function shardUsers(users: TargetUser[], shard?: { index: number; total: number }): TargetUser[] {
  return shard ? users.filter((_, i) => i % shard.total === shard.index - 1) : users;
}

/**
 * Users for `slots` slots of this variant (one per device count of `variant.devices`, each with
 * at least that many devices); undefined entries on the reference. Throws naming `users` when the
 * config has too few.
 */
export function assignUsers(target: HarnessTarget, variant: CaseVariant, slots: number, shard?: { index: number; total: number }): Array<TargetUser[] | undefined> {
  if (target.isReference) return Array.from({ length: slots }, () => undefined);
  const pool = [...shardUsers(target.users, shard)];
  const out: TargetUser[][] = [];
  for (let s = 0; s < slots; s++) {
    const set: TargetUser[] = [];
    for (const need of variant.devices) {
      const i = pool.findIndex((u) => u.devices >= need);
      if (i < 0) break;
      set.push(pool.splice(i, 1)[0]);
    }
    if (set.length < variant.devices.length) break;
    out.push(set);
  }
  if (out.length === 0) {
    throw new UserSliceError(`users: the target config provides ${target.users.length} user(s)${shard ? ` (${shardUsers(target.users, shard).length} in shard ${shard.index}/${shard.total})` : ''}; one flow needs ${variant.devices.length} user(s) with ${variant.devices.join(' and ')} device(s)`);
  }
  return out;
}
