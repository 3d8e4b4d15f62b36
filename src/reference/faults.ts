/**
 * The fault catalogue: named, switchable deviations of the reference CPM Conversation
 * Server, each tagged with the requirement it breaks. The project's own tests prove, fault by
 * fault, that the suites fail against each one for that requirement.
 *
 * Roles in the session-leaving faults follow OMA CPM SD C.2.3.1: "PF A" is the Participating
 * Function serving the user who sends the leaving request (it executes originating service
 * control, steps 2-3), "PF B" the one serving the peer (terminating service control, steps 5-6).
 * For a BYE from the callee that is the server's PF B instance acting as "PF A". The exception is
 * `leave-pf-a-not-in-path`, which acts when the session is set up: the caller's PF (the server's
 * PF A) leaves itself out of the route set.
 * Each fault changes only what it names (the BYE faults touch BYE transactions only), so one case
 * can be shown to fail for the right reason.
 *
 * The multi-device faults (`mld-*`) act at the terminating PF (PF B) when it forks a CPM Session
 * Invitation to several devices of one user (CPM-MLD-007), in proxy and in B2BUA mode alike; the
 * CANCEL-construction ones touch only the CANCELs sent because another device accepted. Exceptions:
 * `mld-caller-two-sessions`, a B2BUA fault (a proxy that forwards a second device's 2xx is correct,
 * RFC 3261 §16.7 step 5), and the §16.7 response-context faults of the proxy's fork (`mode: 'proxy'`).
 *
 * The session-transfer faults (`trf-*`, 5.2.5.1) act at PF A, the CS serving the transferor:
 * `trf-mp-*` in B2BUA mode (the CS stays in the media path, 5.2.5.1.1), `trf-nmp-*` in proxy mode
 * (the CS only record-routes, 5.2.5.1.2), `trf-pull-*` on a remote (pull) transfer; they are defined in
 * transfer-faults.ts.
 * The registrar faults (`reg-*`, RFC 3261 §10.3) are defined in registrar-faults.ts.
 */
import type { FaultDescriptor } from './fault-descriptor';
import { REGISTRAR_FAULTS } from './registrar-faults';
import { TRANSFER_FAULTS } from './transfer-faults';

export type { FaultDescriptor };


/** The catalogue as written: its names are literal types, so a misspelt `faults.has(...)` does not compile. */
const CATALOGUE = [
  {
    name: 'leave-pf-a-not-in-path',
    requirement: 'LEAVE-ORIG',
    description: 'the caller\'s PF (PF A) does not Record-Route the session INVITE (RFC 3261 §16.6 step 4), so the leaving request bypasses its originating service control',
  },
  {
    name: 'leave-pf-b-answers-bye',
    requirement: 'LEAVE-TERM',
    description: 'PF B answers the leaving request (BYE) with 200 OK itself and never delivers it to Client B (C.2.3.1 steps 6-7 skipped)',
  },
  {
    name: 'leave-ok-wrong-cseq',
    requirement: 'LEAVE-OK',
    description: 'PF A relays the 200 OK to the BYE with the CSeq number increased by one (RFC 3261 §8.2.6.2 / §16.7)',
  },
  {
    name: 'leave-ok-wrong-via',
    requirement: 'LEAVE-OK',
    description: 'PF A relays the 200 OK to the BYE without removing its own Via (RFC 3261 §16.7 step 3)',
  },
  {
    name: 'leave-bye-not-delivered',
    requirement: 'LEAVE-TERM',
    description: 'PF B silently drops the leaving request (BYE): no response, nothing sent on (C.2.3.1 steps 6-7)',
  },
  {
    name: 'leave-max-forwards-not-decremented',
    requirement: 'LEAVE-ORIG',
    description: 'PF A forwards the leaving request (BYE) with Max-Forwards unchanged (RFC 3261 §16.6 step 3)',
  },
  {
    name: 'leave-invite-max-forwards-kept', requirement: 'RFC3261-16.6', mode: 'proxy',
    description: 'the proxy forwards initial requests, the session\'s INVITE among them, with Max-Forwards unchanged (RFC 3261 §16.6 step 3; in-dialog requests are decremented). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'leave-max-forwards-zero-forwarded', requirement: 'RFC3261-16.3', mode: 'proxy',
    description: 'the proxy forwards a request that arrives with Max-Forwards 0 (an INVITE, a leaving request) instead of answering 483 Too Many Hops (RFC 3261 §16.3 step 3). Found by mutation testing of proxy.ts (docs/mutation.md).',
  },
  {
    name: 'leave-b2bua-ack-wrong-cseq', requirement: 'RFC3261-13.2.2.4', mode: 'b2bua',
    description: 'the B2BUA ACKs the callee\'s 2xx with a CSeq number one above the INVITE\'s (RFC 3261 §13.2.2.4: the same number, method ACK). Found by mutation testing of b2bua.ts (docs/mutation.md).',
  },
  {
    name: 'leave-b2bua-stale-bye-relayed', requirement: 'RFC3261-15.1.2', mode: 'b2bua',
    description: 'the B2BUA does not end its legs when a leaving request (BYE) is answered, so a second BYE on the closed session is relayed to the peer client instead of answered 481 by the B2BUA (RFC 3261 §15.1.2). Found by mutation testing of b2bua.ts (docs/mutation.md).',
  },
  {
    name: 'leave-stale-bye-accepted',
    requirement: 'RFC3261-15.1.2',
    description: 'a PF answers 200 OK to a leaving request (BYE) that matches no dialog, e.g. a second BYE on a closed session, instead of 481 (RFC 3261 §15.1.2)',
  },
  {
    name: 'proxy-no-record-route',
    requirement: 'LEAVE-ORIG',
    description: 'neither PF Record-Routes the session INVITE (RFC 3261 §16.6 step 4): the session\'s in-dialog requests go device to device and never cross the SUT, so nothing judged on them may pass',
    mode: 'proxy',
  },
  {
    name: 'mld-no-cancel',
    requirement: 'CPM-MLD-007',
    description: 'after one device accepted (2xx), PF B never cancels the invitations on the user\'s other devices: they are left ringing (RFC 3261 §16.7 step 10 skipped)',
  },
  {
    name: 'mld-cancel-accepting-device',
    requirement: 'CPM-MLD-007',
    description: 'after one device accepted, PF B cancels the other devices and also sends a CANCEL to the device that answered 2xx',
  },
  {
    name: 'mld-cancel-missing-reason',
    requirement: 'RFC3326-REASON',
    description: 'PF B cancels the other devices\' invitations without `Reason: SIP;cause=200;text="Call completed elsewhere"` (RFC 3326 §2)',
  },
  {
    name: 'mld-cancel-wrong-branch',
    requirement: 'RFC3261-9.1',
    description: 'the CANCEL to another device carries a Via branch that differs from its INVITE\'s (RFC 3261 §9.1), so it matches no transaction',
  },
  {
    name: 'mld-cancel-wrong-cseq',
    requirement: 'RFC3261-9.1',
    description: 'the CANCEL to another device carries a CSeq number one above its INVITE\'s (RFC 3261 §9.1)',
  },
  {
    name: 'mld-cancel-wrong-request-uri',
    requirement: 'RFC3261-9.1',
    description: 'the CANCEL to another device carries the AoR as Request-URI instead of that branch\'s contact (RFC 3261 §9.1)',
  },
  {
    name: 'mld-cancel-before-provisional',
    requirement: 'RFC3261-9.1',
    description: 'PF B cancels another device\'s invitation at once, even when that branch has sent no provisional response yet (RFC 3261 §9.1)',
  },
  {
    name: 'mld-487-not-acked',
    requirement: 'RFC3261-17.1.1.3',
    description: 'PF B never ACKs the 487 (Request Terminated) of a branch it cancelled after another device accepted (RFC 3261 §17.1.1.3)',
  },
  {
    name: 'mld-decline-forwarded',
    requirement: 'RFC3261-16.7',
    description: 'PF B forwards the first non-2xx final of a device (e.g. 486 Busy Here) to the caller at once, while the user\'s other devices still ring (RFC 3261 §16.7 step 5: a stateful proxy MUST NOT immediately forward it)',
    mode: 'proxy',
  },
  {
    name: 'mld-trying-forwarded', requirement: 'RFC3261-16.7', mode: 'proxy',
    description: 'PF B forwards a device\'s 100 (Trying) to the caller\'s side (RFC 3261 §16.7 step 5: "a stateful proxy MUST NOT forward any 100 (Trying) response"). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'mld-ringing-not-forwarded', requirement: 'RFC3261-16.7', mode: 'proxy',
    description: 'PF B absorbs the devices\' 180 (Ringing): the caller hears no ringing (§16.7 step 5: a provisional other than 100 MUST be forwarded immediately). Found by mutation testing.',
  },
  {
    name: 'mld-first-final-forwarded', requirement: 'RFC3261-16.7', mode: 'proxy',
    description: 'when every device declined, PF B sends the caller the first final it got, not the best (§16.7 step 6: a 6xx if any, else the lowest class; a lone 503 becomes 500). Found by mutation testing.',
  },
  {
    name: 'mld-6xx-not-global', requirement: 'RFC3261-16.7', mode: 'proxy',
    description: 'a device\'s 6xx (e.g. 600 Busy Everywhere) is held like any decline: the other devices ring on and the caller waits (§16.7 step 5: the proxy SHOULD cancel them; step 6: the 6xx goes upstream). Found by mutation testing.',
  },
  {
    name: 'mld-3xx-as-acceptance', requirement: 'RFC3261-16.7', mode: 'proxy',
    description: 'PF B takes a device\'s 3xx (e.g. 300 Multiple Choices) for an acceptance: forwarded to the caller at once and the other devices cancelled (§16.7 step 5: only provisionals and 2xx go at once). Found by mutation testing.',
  },
  {
    name: 'mld-timeout-no-final', requirement: 'RFC3261-16.7', mode: 'proxy',
    description: 'a device\'s branch that got no response at all (its INVITE timed out, Timer B) never counts as ended: the caller waits forever (§16.7 step 6: with no final response in the context, 408). Found by mutation testing.',
  },
  {
    name: 'mld-second-2xx-dangling',
    requirement: 'CPM-MLD-007',
    description: 'a second 2xx from another device that raced the CANCEL is absorbed by PF B and neither ACKed nor released with BYE: that device\'s session dangles (proxy: the 2xx is not forwarded, RFC 3261 §16.7 step 5, so the caller cannot ACK it either; B2BUA: the UAC of that leg never ACKs or BYEs it, §13.2.2.4)',
  },
  {
    name: 'mld-late-2xx-not-reacked',
    requirement: 'CPM-MLD-007',
    mode: 'b2bua',
    description: 'B2BUA: a second 2xx that raced the CANCEL is ACKed and released once, but its retransmission is absorbed without a new ACK (the UAC core MUST ACK each 2xx it receives, RFC 3261 §13.2.2.4): the late device retransmits until Timer H. Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'mld-caller-two-sessions',
    requirement: 'CPM-MLD-007',
    mode: 'b2bua',
    description: 'B2BUA: a second 2xx from another device that raced the CANCEL answers the caller\'s leg again, with another To tag: PF B answers one INVITE twice (a UAS answers once, RFC 3261 §13.3.1.4) and the caller\'s side gets two sessions. (In proxy mode forwarding both 2xx is correct, §16.7 step 5: the fault does nothing there.)',
  },
  ...TRANSFER_FAULTS,
  ...REGISTRAR_FAULTS,
] as const satisfies ReadonlyArray<FaultDescriptor>;

export type FaultName = (typeof CATALOGUE)[number]['name'];

export const FAULTS: ReadonlyArray<FaultDescriptor<FaultName>> = CATALOGUE;

function isFaultName(name: string): name is FaultName {
  return FAULTS.some((f) => f.name === name);
}

/** Names not in the catalogue (empty when every name is known). */
export function unknownFaults(names: readonly string[]): string[] {
  return names.filter((n) => !isFaultName(n));
}

/** The switched-on faults of one server; rejects unknown names so a typo never runs a correct server silently. */
export class FaultSet {
  private readonly on: ReadonlySet<FaultName>;

  constructor(names: readonly string[] = []) {
    const bad = unknownFaults(names);
    if (bad.length > 0) {
      throw new Error(`unknown fault${bad.length > 1 ? 's' : ''} ${bad.join(', ')}; valid: ${FAULTS.map((f) => f.name).join(', ')}`);
    }
    this.on = new Set(names.filter(isFaultName));
  }

  has(name: FaultName): boolean {
    return this.on.has(name);
  }

  get names(): FaultName[] {
    return [...this.on];
  }
}
