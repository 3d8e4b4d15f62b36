/**
 * TC-MLD-007-16: the user's devices are the ones registered. A device removes its binding (its
 * Contact with Expires: 0, RFC 3261 §10.2.2); the registrar removes it (§10.3 step 7: "the binding
 * MUST be removed if the expiration time is zero"), its 200 (OK) lists every remaining binding of
 * the user, each with an expires parameter (§10.3 step 8), and the next CPM Session Invitation to
 * the user reaches the remaining devices only, never the removed one (§16.5: the target set is what
 * the location service holds). Judged on the wire only: the remaining devices' contacts are looked
 * for in the 200 (a SUT may hold other bindings of the user, and may list them too).
 * Found by mutation testing of the reference's registrar.ts (docs/mutation.md): no case removed a
 * binding or read a registrar's 200, so a registrar that kept a removed binding (an Expires it did
 * not parse taken as its default), or listed no binding at all, passed every case.
 */
import type { SipResponse } from '../../src/sip/message';
import { header, headerFields, splitCommaList } from '../../src/sip/message';
import { parseNameAddr } from '../../src/sip/headers/name-addr';
import type { TestCase } from '../../src/harness/test-case';
import type { TestContext } from '../../src/harness/context';
import type { Device } from '../../src/harness/device';
import { registerAll } from '../../src/harness/session';
import { labelOf } from '../../src/harness/template';
import { contactExpires, contacts } from '../../src/sip/headers/contact';
import { parseUri } from '../../src/sip/uri';
import { inviteEveryDevice } from './forking-flow';
import { acceptOn, applies, callerGetsAnswer, closeFromCaller, expectCancelled, spec, variants } from './common';
import { RFC3261_10_3 } from './spec';

/** The same contact address (RFC 3261 §19.1.4: scheme, user, host and port; parameters aside). */
function sameAddress(a: string, b: string): boolean {
  const x = parseUri(a);
  const y = parseUri(b);
  if (!x || !y) return a === b;
  return x.scheme.toLowerCase() === y.scheme.toLowerCase() && (x.user ?? '') === (y.user ?? '') &&
    x.host.toLowerCase() === y.host.toLowerCase() && (x.port ?? 5060) === (y.port ?? 5060);
}

/** The expires the 200 lists for a device's contact: a number, 'none' (listed without one), or null (not listed). */
function listed(res: SipResponse, d: Device): number | 'none' | null {
  const c = contacts(res).find((x) => sameAddress(x.uri, d.contactUri));
  return c ? contactExpires(c) ?? 'none' : null;
}

export const removedDeviceNotInvited: TestCase = {
  id: 'TC-MLD-007-16',
  title: 'A device that removes its binding (Expires: 0) is listed no more and invited no more: the 200 lists the remaining devices, each with expires, and the next invitation reaches only them',
  requirements: ['RFC3261-10.3', 'CPM-MLD-007'],
  spec: spec(RFC3261_10_3, 'RFC 3261', '10.3 steps 7-8'),
  variants: variants(3),
  applies,
  async run(t: TestContext) {
    const [a, b] = t.topology.users;
    await registerAll(t);
    const gone = b.devices[b.devices.length - 1];
    const remaining = b.devices.slice(0, -1);
    await t.step('remove', `${gone.name} removes its binding (Contact with Expires: 0, RFC 3261 §10.2.2)`, 'RFC3261-10.3', async () => {
      const res = await removeBinding(t, gone);
      // §10.3 step 8: "The response MUST contain Contact header field values enumerating all current bindings".
      for (const d of remaining) {
        const e = listed(res, d);
        t.check('RFC3261-10.3', typeof e === 'number' && e > 0, {
          message: e === null
            ? `the 200 (OK) does not list ${d.name}'s binding (${d.contactUri}), still current: it MUST enumerate all current bindings (§10.3 step 8)`
            : `the 200 (OK) lists ${d.name}'s binding with ${e === 'none' ? 'no expires parameter' : `expires=${e}`}: each Contact MUST feature an expires parameter, its interval (§10.3 step 8)`,
          expected: `Contact <${d.contactUri}>;expires=N (N > 0)`, actual: res,
        });
      }
    });
    const call = await inviteEveryDevice(t, a.devices[0], b.aor, remaining);
    // They ring first: a CANCEL waits for a provisional (§9.1).
    await t.step('ring', 'The remaining devices ring (180)', () => Promise.all(call.branches.map((br) => br.device.ring(br.tx))).then(() => undefined));
    const { winner, others } = await acceptOn(t, call, 0);
    await t.step('cancel', 'The invitations on the other remaining devices are cancelled', 'CPM-MLD-007', () => expectCancelled(t, others, `after ${winner.device.name} accepted`));
    const answer = await callerGetsAnswer(t, call);
    await closeFromCaller(t, call, answer, winner.device);
    // The 200 to the removal of a user's last binding lists no binding of the harness's (and any it
    // lists, a binding of the SUT's own, still has its expires): §10.3 step 8 with nothing to enumerate.
    const last = a.devices[0];
    await t.step('remove-last', `${last.name}, the only device of ${a.aor}, removes its binding`, 'RFC3261-10.3', () => removeBinding(t, last).then(() => undefined));
  },
};

/**
 * A device removes its binding; the registrar's 200 (OK) has a To tag (§8.2.6.2: a registrar is a
 * UAS, §10.3), every Contact it lists is a binding with an expires parameter (§10.3 step 8), and the
 * device's own is not one of them (§10.3 step 7: removed; listed with expires=0 at most).
 */
async function removeBinding(t: TestContext, d: Device): Promise<SipResponse> {
  const res = t.require(await d.unregister(), 'RFC3261-10.3', {
    message: `the SUT did not answer the REGISTER with Expires: 0 of ${d.name} within ${t.timeoutMs} ms`, expected: '200 (OK)',
  });
  t.check('RFC3261-10.3', res.status >= 200 && res.status < 300, { message: `the SUT answered ${labelOf(res)} to the removal of ${d.name}'s binding`, expected: '200 (OK)', actual: res });
  t.check('RFC3261-10.3', /;\s*tag=/i.test(header(res, 'To') ?? ''), { message: 'the registrar\'s 200 (OK) has no To tag (RFC 3261 §8.2.6.2)', expected: 'To with a tag', actual: res });
  const bad = headerFields(res, 'Contact').flatMap((f) => splitCommaList(f.value)).filter((v) => {
    const c = parseNameAddr(v);
    return !c || contactExpires(c) === null;
  });
  t.check('RFC3261-10.3', bad.length === 0, {
    message: `the 200 (OK) lists a Contact that is no binding with an expires parameter: ${bad[0] ?? ''} (each Contact value MUST feature an "expires" parameter, §10.3 step 8)`,
    expected: 'Contact values <URI>;expires=N', actual: res,
  });
  const e = listed(res, d);
  t.check('RFC3261-10.3', e === null || e === 0, {
    message: `the 200 (OK) still lists ${d.name}'s binding (${d.contactUri}) with ${e === 'none' ? 'no expires' : `expires=${String(e)}`}: a binding whose REGISTER asks Expires: 0 MUST be removed (§10.3 step 7)`,
    expected: `no Contact <${d.contactUri}> (or expires=0)`, actual: res,
  });
  return res;
}
