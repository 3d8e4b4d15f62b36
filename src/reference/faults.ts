/**
 * The fault catalogue (design §6): named, switchable deviations of the reference CPM Conversation
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
 * CANCEL-construction ones touch only the CANCELs sent because another device accepted.
 */

export interface FaultDescriptor {
  /** Name used on the command line (`--fault NAME`) and in `faults`. */
  readonly name: string;
  /** Requirement ID of the catalogue (design §3) the fault breaks. */
  readonly requirement: string;
  readonly description: string;
  /** The PF mode the fault is meaningful in, when only one (the selftest runs a fault in `mode ?? 'proxy'`). */
  readonly mode?: 'proxy' | 'b2bua';
}

export const FAULTS: ReadonlyArray<FaultDescriptor> = [
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
    name: 'leave-stale-bye-accepted',
    requirement: 'RFC3261-15.1.2',
    description: 'a PF answers 200 OK to a leaving request (BYE) that matches no dialog, e.g. a second BYE on a closed session, instead of 481 (RFC 3261 §15.1.2)',
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
    name: 'mld-second-2xx-dangling',
    requirement: 'CPM-MLD-007',
    description: 'a second 2xx from another device that raced the CANCEL is neither ACKed nor released with BYE: that device\'s session dangles',
  },
  {
    name: 'mld-caller-two-sessions',
    requirement: 'CPM-MLD-007',
    description: 'a second 2xx from another device that raced the CANCEL is relayed to the caller too (proxy), or answers the caller\'s leg again with another To tag (B2BUA): the caller gets two sessions',
  },
];

export type FaultName = (typeof FAULTS)[number]['name'];

/** Names not in the catalogue (empty when every name is known). */
export function unknownFaults(names: readonly string[]): string[] {
  return names.filter((n) => !FAULTS.some((f) => f.name === n));
}

/** The switched-on faults of one server; rejects unknown names so a typo never runs a correct server silently. */
export class FaultSet {
  private readonly on: ReadonlySet<string>;

  constructor(names: readonly string[] = []) {
    const bad = unknownFaults(names);
    if (bad.length > 0) {
      throw new Error(`unknown fault${bad.length > 1 ? 's' : ''} ${bad.join(', ')}; valid: ${FAULTS.map((f) => f.name).join(', ')}`);
    }
    this.on = new Set(names);
  }

  has(name: string): boolean {
    return this.on.has(name);
  }

  get names(): string[] {
    return [...this.on];
  }
}
