/**
 * The session-transfer faults of the reference server (faults.ts, `trf-*`, OMA CPM 5.2.5.1): how
 * PF A, the CS serving the transferor, goes wrong in a transfer with the CS in the media path
 * (`trf-mp-*`, B2BUA mode, 5.2.5.1.1), out of it (`trf-nmp-*`, proxy mode, 5.2.5.1.2) and in a
 * remote (pull) transfer (`trf-pull-*`). Defined here, beside the catalogue, which spreads them in.
 */
import type { FaultDescriptor } from './fault-descriptor';

export const TRANSFER_FAULTS = [
  {
    name: 'trf-mp-refer-rejected',
    requirement: 'TRF-MP-ACCEPT',
    mode: 'b2bua',
    description: 'PF A answers a valid CPM Session Transfer request (REFER in the transferor\'s dialog, target = another registered device of the same user) with 488 Not Acceptable Here',
  },
  { name: 'trf-mp-accept-foreign-target', requirement: 'TRF-MP-ACCEPT', mode: 'b2bua', description: 'PF A skips PF control for the transferor: it accepts (202) a transfer to a device of another user and sends that device the Session Join Notification' },
  { name: 'trf-mp-accept-unregistered-target', requirement: 'TRF-MP-ACCEPT', mode: 'b2bua', description: 'PF A accepts (202) a transfer to a device that has no current registration instead of 480 Temporarily Unavailable' },
  { name: 'trf-mp-accept-self-target', requirement: 'TRF-MP-ACCEPT', mode: 'b2bua', description: 'PF A accepts (202) a transfer naming the transferor itself as the target and sends it the Session Join Notification, instead of 403 (5.2.5.1 ¶1: the session goes to another device). Found by mutation testing (docs/mutation.md).' },
  { name: 'trf-mp-pending-after-failure', requirement: 'TRF-MP-ACCEPT', mode: 'b2bua', description: 'after a transfer failed (the target declined, the transferor told), PF A still counts it as pending: the transferor\'s next transfer request in the session is answered 491 Request Pending though nothing is pending (RFC 3261 §21.4.27). Found by mutation testing (docs/mutation.md).' },
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
    name: 'trf-mp-refer-out-of-order-accepted', requirement: 'TRF-MP-ACCEPT', mode: 'b2bua',
    description: 'PF A does not check the CSeq of a REFER in D1: a transfer request out of order (a CSeq below the transferor\'s last) is accepted instead of rejected 500 (RFC 3261 §12.2.2). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-mp-refer-to-count-unchecked', requirement: 'TRF-MP-ACCEPT', mode: 'b2bua',
    description: 'PF A takes the first of several Refer-To values of a REFER and accepts it, instead of 400 (RFC 3515 §2.4.1: exactly one Refer-To). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-mp-join-after-failure', requirement: 'TRF-MP-ESTABLISH', mode: 'b2bua',
    description: 'PF A lets the target join a transfer that already failed (it reported 486 in its NOTIFY, the transferor was told): the session moves to the target though the transferor keeps it. Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-mp-join-any-device', requirement: 'TRF-MP-ESTABLISH', mode: 'b2bua',
    description: 'PF A skips PF control for the target (5.2.5.1.1 ¶4): an INVITE to the session URI joins the session whichever device sends it (the transferor, a device of another user), not only the target the transfer named. Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-mp-join-twice', requirement: 'TRF-MP-ESTABLISH', mode: 'b2bua',
    description: 'PF A answers a second INVITE following the same Join Notification 200 and moves the session to it, though the target already joined (5.2.5.1.1 ¶4: PF control decides whether to continue the establishment; the transfer is no longer joinable). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-mp-answer-without-content-type', requirement: 'TRF-MP-ESTABLISH', mode: 'b2bua',
    description: 'PF A answers the target\'s CPM Session Invitation 200 with its SDP under an empty Content-Type (RFC 3261 §20.15: the Content-Type MUST be present with a body; the SDP answer is application/sdp, RFC 3264). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-mp-join-contribution-id-changed',
    requirement: 'TRF-MP-JOIN',
    mode: 'b2bua',
    description: 'PF A embeds a fresh Contribution-ID in the Session Join Notification\'s Refer-To instead of the transferred session\'s (docs/cpm-sip-binding.md binding contributionIdOnTransfer: keep)',
  },
  { name: 'trf-mp-join-no-contact', requirement: 'TRF-MP-JOIN', mode: 'b2bua', description: 'PF A sends the Session Join Notification (REFER) without a Contact: a REFER creates the subscription\'s dialog (RFC 3515 §2.4.4), so it must carry exactly one SIP or SIPS URI in Contact, where the target\'s NOTIFYs go (RFC 3261 §8.1.1.8, §12.1.2). Found by mutation testing (docs/mutation.md).' },
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
  { name: 'trf-nmp-replace-referred-by-empty', requirement: 'TRF-NMP-REPLACE', mode: 'proxy', description: 'PF A sends the Session replacement notification (REFER) with an empty Referred-By, no referrer-uri (RFC 3892 §3). Found by mutation testing (docs/mutation.md).' },
  { name: 'trf-nmp-replace-to-empty', requirement: 'TRF-NMP-REPLACE', mode: 'proxy', description: 'PF A sends the Session replacement notification (REFER) with an empty To, no name-addr or addr-spec (RFC 3261 §8.1.1: To is mandatory, §20.39 its syntax). Found by mutation testing (docs/mutation.md).' },
  { name: 'trf-nmp-replace-early-only', requirement: 'TRF-NMP-REPLACE', mode: 'proxy', description: 'PF A puts the early-only flag in the Replaces of the Session replacement notification\'s Refer-To: the session it names is confirmed, so the transferee rejects the target\'s INVITE 486 (RFC 3891 §3) and the notification leads the target nowhere. Found by mutation testing (docs/mutation.md).' },
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
    name: 'trf-nmp-unknown-session-accepted', requirement: 'TRF-NMP-ACCEPT', mode: 'proxy',
    description: 'PF A answers 202 to a transfer request whose Target-Dialog names no session it serves (nothing follows), instead of refusing it: there is no CPM Session to transfer (5.2.5.1.2 ¶3). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-nmp-accepted-without-contact', requirement: 'TRF-NMP-ACCEPT', mode: 'proxy',
    description: 'PF A answers the out-of-dialog transfer request 202 without a Contact, though the 202 creates the dialog of the refer subscription (RFC 3261 §12.1.1: the UAS MUST add a Contact). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-nmp-notify-outside-refer-dialog', requirement: 'TRF-NMP-ACCEPT', mode: 'proxy',
    description: 'PF A answers the transfer request 202 with one To tag and sends its NOTIFYs from another: they are not in the dialog the 202 created (RFC 3261 §12.2.1.1, RFC 3515 §2.4.4). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-nmp-join-any-device', requirement: 'TRF-NMP-ROUTE', mode: 'proxy',
    description: 'PF A skips PF control for the target (5.2.5.1.2 ¶5): an INVITE with Replaces naming the session under transfer is routed to the transferee whichever device sends it, not only the target the transfer named. Found by mutation testing (docs/mutation.md).',
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
  {
    name: 'trf-pull-answer-without-content-type', requirement: 'TRF-PULL', mode: 'b2bua',
    description: 'PF A answers the puller\'s INVITE (with Replaces, or to the session URI of a pull by REFER) with its SDP but an empty Content-Type (RFC 3261 §20.15: a body needs one). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-pull-accepted-without-contact', requirement: 'TRF-PULL', mode: 'b2bua', binding: { pullMode: 'refer-to-psi' },
    description: 'PF A answers the pull request (REFER to the CS transfer URI) 202 without a Contact, though the 202 creates the dialog of the refer subscription (RFC 3261 §12.1.1). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-pull-notify-outside-refer-dialog', requirement: 'TRF-PULL', mode: 'b2bua', binding: { pullMode: 'refer-to-psi' },
    description: 'PF A answers the pull request 202 with one To tag and sends its NOTIFYs from another: they are not in the dialog the 202 created (RFC 3261 §12.2.1.1, RFC 3515 §2.4.4). Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-pull-unknown-session-accepted', requirement: 'TRF-PULL', mode: 'b2bua', binding: { pullMode: 'refer-to-psi' },
    description: 'PF A answers 202 to a pull request whose Target-Dialog names no session it serves (nothing follows) instead of refusing it. Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-pull-join-any-device', requirement: 'TRF-PULL', mode: 'b2bua', binding: { pullMode: 'refer-to-psi' },
    description: 'PF A skips PF control for the target of a pull by REFER: the invitation to the pull\'s session URI joins the session whichever device sends it, not only the puller the pull named. Found by mutation testing (docs/mutation.md).',
  },
  {
    name: 'trf-pull-join-twice', requirement: 'TRF-PULL', mode: 'b2bua', binding: { pullMode: 'refer-to-psi' },
    description: 'PF A lets the puller join the session again by a second invitation to the pull\'s session URI once it joined (a one-time URI serving twice). Found by mutation testing (docs/mutation.md).',
  },
] as const satisfies ReadonlyArray<FaultDescriptor>;
