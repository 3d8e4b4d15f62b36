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
 * (the CS only record-routes, 5.2.5.1.2), `trf-pull-*` on a remote (pull) transfer.
 * The registrar faults (`reg-*`, RFC 3261 §10.3) are defined in registrar-faults.ts.
 */
import type { FaultDescriptor } from './fault-descriptor';
import { REGISTRAR_FAULTS } from './registrar-faults';

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
  {
    name: 'trf-mp-refer-rejected',
    requirement: 'TRF-MP-ACCEPT',
    mode: 'b2bua',
    description: 'PF A answers a valid CPM Session Transfer request (REFER in the transferor\'s dialog, target = another registered device of the same user) with 488 Not Acceptable Here',
  },
  { name: 'trf-mp-accept-foreign-target', requirement: 'TRF-MP-ACCEPT', mode: 'b2bua', description: 'PF A skips PF control for the transferor: it accepts (202) a transfer to a device of another user and sends that device the Session Join Notification' },
  { name: 'trf-mp-accept-unregistered-target', requirement: 'TRF-MP-ACCEPT', mode: 'b2bua', description: 'PF A accepts (202) a transfer to a device that has no current registration instead of 480 Temporarily Unavailable' },
  { name: 'trf-mp-accept-self-target', requirement: 'TRF-MP-ACCEPT', mode: 'b2bua', description: 'PF A accepts (202) a transfer naming the transferor itself as the target and sends it the Session Join Notification, instead of 403 (5.2.5.1 ¶1: the session goes to another device). Found by mutation testing (docs/mutation.md).' },
  {
    name: 'trf-mp-no-join',
    requirement: 'TRF-MP-JOIN',
    mode: 'b2bua',
    description: 'PF A accepts the transfer but never sends the Session Join Notification (REFER) to the target device; the transfer times out (NOTIFY 408 to the transferor)',
  },
  {
    name: 'trf-mp-join-wrong-device',
    requirement: 'TRF-MP-JOIN',
    mode: 'b2bua',
    description: 'PF A sends the Session Join Notification (REFER) to another device of the user (another binding, else the transferor) instead of the target device',
  },
  {
    name: 'trf-mp-establish-rejected',
    requirement: 'TRF-MP-ESTABLISH',
    mode: 'b2bua',
    description: 'PF A rejects the target device\'s CPM Session Invitation (INVITE with Target-Dialog to the CS session URI) with 403 Forbidden',
  },
  {
    name: 'trf-mp-join-contribution-id-changed',
    requirement: 'TRF-MP-JOIN',
    mode: 'b2bua',
    description: 'PF A embeds a fresh Contribution-ID in the Session Join Notification\'s Refer-To instead of the transferred session\'s (docs/cpm-sip-binding.md binding contributionIdOnTransfer: keep)',
  },
  {
    name: 'trf-mp-leaves-media-path',
    requirement: 'TRF-MP-MEDIA',
    mode: 'b2bua',
    description: 'PF A answers the target device with the transferee\'s SDP (its a=path) instead of its own MSRP address: the CS leaves the media path',
  },
  {
    name: 'trf-mp-reinvite-transferee',
    requirement: 'TRF-MP-MEDIA',
    mode: 'b2bua',
    description: 'once the target joined (its ACK arrived) PF A re-INVITEs the transferee in its session dialog, offering its own MSRP a=path: signalling reaches the transferee, which 5.2.5.1.1 says it should not; a target config with binding.allowReinviteToTransferee: true tolerates it',
  },
  {
    name: 'trf-mp-release-before-established',
    requirement: 'TRF-MP-RELEASE',
    mode: 'b2bua',
    description: 'PF A sends the Release Notification (NOTIFY terminated, sipfrag 200) to the transferor right after the 202, before the target\'s session is established',
  },
  {
    name: 'trf-mp-bye-propagated',
    requirement: 'TRF-MP-RELEASE',
    mode: 'b2bua',
    description: 'after the transfer PF A relays the transferor\'s Release request (BYE) on to the transferee too, ending the transferred session',
  },
  {
    name: 'trf-mp-notify-wrong-event',
    requirement: 'TRF-MP-ACCEPT',
    mode: 'b2bua',
    description: 'the Accepted NOTIFY to the transferor carries `Event: presence` and no Subscription-State (RFC 3515 §2.4.4, RFC 6665 §8.2.3)',
  },
  {
    name: 'trf-mp-msrp-dropped',
    requirement: 'TRF-MP-ESTABLISH',
    mode: 'b2bua',
    description: 'once the target joined, PF A answers the transferee\'s MSRP SENDs 200 (RFC 4975 §7.2, hop by hop) but relays none of them to the target: the session is established in SIP only',
  },
  {
    name: 'trf-mp-msrp-to-old-device',
    requirement: 'TRF-MP-ESTABLISH',
    mode: 'b2bua',
    description: 'once the target joined, PF A keeps the transferor\'s MSRP leg open and relays the transferee\'s messages there too, beside the target: the device that left still gets the chat',
  },
  {
    name: 'trf-mp-msrp-message-id-rewritten',
    requirement: 'TRF-MP-ESTABLISH',
    mode: 'b2bua',
    description: 'once the target joined, PF A relays each SEND with a Message-ID of its own instead of the sender\'s, so REPORTs no longer name the message sent (RFC 4975 §7.1.1)',
  },
  {
    name: 'trf-mp-msrp-content-rewritten',
    requirement: 'TRF-MP-ESTABLISH',
    mode: 'b2bua',
    description: 'once the target joined, PF A relays each SEND with its text altered (ASCII letters upper-cased, Byte-Range unchanged): the message is not delivered as sent',
  },
  {
    name: 'trf-mp-msrp-report-not-relayed',
    requirement: 'TRF-MP-ESTABLISH',
    mode: 'b2bua',
    description: 'once the target joined, PF A relays SENDs but no REPORT: a sender that asked for a success REPORT (Success-Report: yes) never gets one (RFC 4975 §7.1.2)',
  },
  {
    name: 'trf-mp-msrp-target-unbound',
    requirement: 'TRF-MP-ESTABLISH',
    mode: 'b2bua',
    description: 'once the target joined, PF A binds the target\'s MSRP connection (200 to its bodiless SEND) but answers each of its messages 481 No Such Session (RFC 4975 §7.3) and relays none to the transferee',
  },
  {
    name: 'trf-mp-msrp-holdconn',
    requirement: 'TRF-MP-ESTABLISH',
    mode: 'b2bua',
    description: 'PF A answers the target device\'s offer with its own a=path but a=setup:holdconn (RFC 4145 §4, as RFC 6135 applies it to MSRP): neither side may open the MSRP connection, so the session is established in SIP only',
  },
  {
    name: 'trf-mp-msrp-leaves-path',
    requirement: 'TRF-MP-MEDIA',
    mode: 'b2bua',
    description: 'once the target joined, PF A keeps its own a=path in the SDP but leaves the MSRP path: it passes frames between the legs with the path headers the far device wrote (From-Path its URI alone, REPORTs to it accepted), so no MSRP hop names the CS (RFC 4975 §7.1.1; an RFC 4976 relay would name itself)',
  },
  {
    name: 'trf-mp-msrp-from-path-other-leg',
    requirement: 'TRF-MP-MEDIA',
    mode: 'b2bua',
    description: 'once the target joined, PF A relays the chat between the legs but names in the From-Path the URI of the leg each frame came in on (the one in the transferee\'s SDP), not the a=path it gave the receiver (RFC 4975 §7.1.1, §8.2): the target\'s MSRP peer is not the one the CS\'s SDP named',
  },
  {
    name: 'trf-mp-msrp-foreign-host',
    requirement: 'TRF-MP-MEDIA',
    mode: 'b2bua',
    description: 'PF A answers the target device with its own a=path but a=setup:active (RFC 6135 §4.2) and opens the target\'s MSRP connection from another address (127.0.0.2), not a CS MSRP host (ixit.csMsrpHosts): the media reaches the target from a box the CS does not name. Acts on an IPv4 loopback host only',
  },
  { name: 'trf-nmp-accept-unregistered-target', requirement: 'TRF-NMP-ACCEPT', mode: 'proxy', description: 'PF A accepts (202) a transfer to a device that has no current registration instead of 480 Temporarily Unavailable' },
  { name: 'trf-nmp-accept-self-target', requirement: 'TRF-NMP-ACCEPT', mode: 'proxy', description: 'PF A accepts (202) a transfer naming the transferor itself as the target and sends it the Session replacement notification, instead of 403 (5.2.5.1 ¶1). Found by mutation testing (docs/mutation.md).' },
  { name: 'trf-nmp-accept-foreign-target', requirement: 'TRF-NMP-ACCEPT', mode: 'proxy', description: 'PF A skips PF control for the transferor: it accepts (202) a transfer to a device of another user and sends that device the Session replacement notification' },
  {
    name: 'trf-nmp-no-replace-notification',
    requirement: 'TRF-NMP-REPLACE',
    mode: 'proxy',
    description: 'PF A accepts the transfer but never sends the Session replacement notification (REFER with Replaces in Refer-To) to the target device',
  },
  {
    name: 'trf-nmp-replaces-stripped',
    requirement: 'TRF-NMP-ROUTE',
    mode: 'proxy',
    description: 'PF A forwards the target device\'s INVITE to the transferee without its Replaces header (and without `replaces` in Require)',
  },
  {
    name: 'trf-nmp-invite-answered-by-cs',
    requirement: 'TRF-NMP-ROUTE',
    mode: 'proxy',
    description: 'PF A answers the target device\'s INVITE (with Replaces) 200 OK itself, with its own SDP, instead of routing it to the transferee',
  },
  {
    name: 'trf-nmp-cs-in-media-path',
    requirement: 'TRF-NMP-ROUTE',
    mode: 'proxy',
    description: 'PF A routes the target\'s INVITE but rewrites the SDP a=path (offer and answer) to its own MSRP address: the CS puts itself in the media path',
  },
  {
    name: 'trf-nmp-msrp-relay-inserted',
    requirement: 'TRF-NMP-ROUTE',
    mode: 'proxy',
    description: 'PF A puts an RFC 4976 MSRP relay of its own into the target\'s session with the transferee (its URI before the device\'s in each a=path, the device\'s own URI still last) and relays the chat: the media no longer flows directly, as 5.2.5.1.2 has it (the CS not in the media path)',
  },
  {
    name: 'trf-nmp-contribution-id-rewritten',
    requirement: 'TRF-NMP-ROUTE',
    mode: 'proxy',
    description: 'PF A routes the target\'s INVITE to the transferee with a new Contribution-ID instead of the one the target sent (a proxy passes the CPM identifiers end to end; docs/cpm-sip-binding.md)',
  },
  {
    name: 'trf-nmp-release-before-confirmed', requirement: 'TRF-NMP-RELEASE', mode: 'proxy',
    description: 'PF A sends the Release Notification (NOTIFY terminated, sipfrag 200) to the transferor right after the 202, before the target\'s session with the transferee is established',
  },
  {
    name: 'trf-nmp-bye-not-routed', requirement: 'TRF-NMP-RELEASE', mode: 'proxy',
    description: 'after the transfer PF A answers the transferor\'s Release request (BYE in the old dialog) 200 OK itself: the transferee never gets it',
  },
  {
    name: 'trf-pull-other-user-accepted', requirement: 'TRF-PULL', mode: 'b2bua',
    description: 'PF A accepts a remote (pull) transfer from a device of another user instead of 403 Forbidden (RFC 3891 §6), in both pull forms: the INVITE with Replaces, and the REFER to the CS transfer URI (202, and that device is taken as the target); acts in both modes',
  },
  {
    name: 'trf-pull-old-dialog-left-up', requirement: 'TRF-PULL', mode: 'b2bua',
    description: 'after a pull answered by PF A (INVITE with Replaces, or the INVITE to the CS session URI that follows a REFER to the CS transfer URI) PF A never releases the replaced dialog: no BYE to the device the session was pulled from (RFC 3891 §3)',
  },
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
