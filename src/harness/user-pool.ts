/**
 * The users a target config provisions on the SUT, leased to cases so that cases can run at once
 * without two of them sharing a user: each case's devices register, fork and are cancelled on
 * their own AoR, so a second case on the same AoR would see the first one's invitations as
 * unexpected requests (docs/cpm-sip-binding.md, A test case) and its bindings as extra branches. A case waits until the users
 * it needs are free; leases are granted first come, first served, so a case that needs the one
 * user with five devices is not starved by smaller ones. One user pool too small for two cases at
 * once simply runs them one at a time.
 */
import type { TargetUser } from './target';

export interface UserLease {
  /** The leased users, in the order of the variant's device counts (user A, user B, …). */
  users: TargetUser[];
  release(): void;
}

interface Waiter {
  needs: number[];
  grant: (users: TargetUser[]) => void;
}

export class UserPool {
  private readonly busy = new Set<TargetUser>();
  private readonly queue: Waiter[] = [];

  constructor(readonly users: readonly TargetUser[]) {}

  /** Why a case needing these device counts can never run on this pool, or null when it can. */
  unfit(needs: number[]): string | null {
    if (needs.length > this.users.length) return `the target config provides ${this.users.length} user(s); this case needs ${needs.length}`;
    return null;
  }

  /** Wait for distinct free users for these device counts (one per entry) and lease them. */
  lease(needs: number[]): Promise<UserLease> {
    const why = this.unfit(needs);
    if (why) return Promise.reject(new Error(why));
    return new Promise((resolve) => {
      this.queue.push({ needs, grant: (users) => resolve({ users, release: () => this.release(users) }) });
      this.pump();
    });
  }

  private release(users: TargetUser[]): void {
    for (const u of users) this.busy.delete(u);
    this.pump();
  }

  /** Grant leases in arrival order while the head of the queue can be served. */
  private pump(): void {
    while (this.queue.length > 0) {
      const users = this.pick(this.queue[0].needs);
      if (!users) return;
      const w = this.queue.shift()!;
      for (const u of users) this.busy.add(u);
      w.grant(users);
    }
  }

  /**
   * Free users for the device counts, or null. The largest need is served first, each by the free
   * user with the fewest provisioned devices that still has enough (users with many devices stay
   * free for the cases that need them). When no user of the pool is provisioned for that many
   * devices, the one with the most is used and the SUT says whether it takes that many bindings.
   */
  private pick(needs: number[]): TargetUser[] | null {
    const free = this.users.filter((u) => !this.busy.has(u));
    const order = needs.map((n, i) => ({ n, i })).sort((a, b) => b.n - a.n);
    const out: TargetUser[] = new Array<TargetUser>(needs.length);
    const taken = new Set<TargetUser>();
    for (const { n, i } of order) {
      const candidates = free.filter((u) => !taken.has(u));
      const fitting = candidates.filter((u) => u.devices >= n).sort((a, b) => a.devices - b.devices);
      // A user provisioned for this many devices exists: wait for it rather than overload another one.
      const someFits = this.users.some((u) => u.devices >= n);
      const u = fitting[0] ?? (someFits ? undefined : candidates.sort((a, b) => b.devices - a.devices)[0]);
      if (!u) return null;
      taken.add(u);
      out[i] = u;
    }
    return out;
  }
}
