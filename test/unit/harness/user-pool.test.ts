/**
 * Concurrency against a user's SUT (issue 12): cases lease distinct users from the target's pool,
 * wait while their users are busy, and are served first come, first served.
 */
import { UserPool } from '../../../src/harness/user-pool';
import type { TargetUser } from '../../../src/harness/target';

const user = (name: string, devices: number): TargetUser => ({ aor: `sip:${name}@cpm.example.com`, username: name, devices });
const tick = () => new Promise((r) => setImmediate(r));

test('two cases that need disjoint users run at once; a third waits for a release', async () => {
  const pool = new UserPool([user('alice', 1), user('bob', 3), user('carol', 1), user('dave', 2)]);
  const a = await pool.lease([1, 3]);
  const b = await pool.lease([1, 2]);
  expect(a.users.map((u) => u.username)).toEqual(['alice', 'bob']);
  expect(b.users.map((u) => u.username)).toEqual(['carol', 'dave']);
  let third: string[] | undefined;
  void pool.lease([1, 1]).then((l) => { third = l.users.map((u) => u.username); });
  await tick();
  expect(third).toBeUndefined();
  a.release();
  await tick();
  expect(third).toEqual(['alice', 'bob']);
});

test('a case that needs many devices waits for the one user provisioned for them instead of overloading another', async () => {
  const pool = new UserPool([user('alice', 1), user('bob', 5), user('carol', 1)]);
  const first = await pool.lease([1, 5]);
  let big: string[] | undefined;
  let small: string[] | undefined;
  void pool.lease([1, 5]).then((l) => { big = l.users.map((u) => u.username); });
  void pool.lease([1, 1]).then((l) => { small = l.users.map((u) => u.username); });
  await tick();
  // First come, first served: the small case does not overtake the waiting big one.
  expect(big).toBeUndefined();
  expect(small).toBeUndefined();
  first.release();
  await tick();
  expect(big).toEqual(['alice', 'bob']);
});

test('a case needing more users than configured is refused with the reason', async () => {
  const pool = new UserPool([user('alice', 1)]);
  expect(pool.unfit([1, 1])).toMatch(/provides 1 user\(s\); this case needs 2/);
  await expect(pool.lease([1, 1])).rejects.toThrow(/needs 2/);
});
