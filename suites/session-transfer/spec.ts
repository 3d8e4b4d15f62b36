/** 5.2.5.1 of the OMA CR, quoted (../shared/spec/oma-cr-multidevice-and-session-transfer.txt). */
export const TRF_DOCUMENT = 'OMA CR: CPM-MLD-007 and Session Transfer in Multi-device Environment';

export const MP = {
  clause: '5.2.5.1.1',
  accept: 'When receiving the CPM Session Transfer, the CPM Conversation Server SHALL perform the Participating Function control on behalf of the transferor CPM Client device. If determined that transferor is allowed to transfer the CPM Session and target CPM Client device is available to participate in the session, the CPM Conversation SHALL send Accepted response to the transferor CPM Client device.',
  join: 'CPM Conversation Server serving the target CPM Client device SHALL send a CPM Session Join Notification to the target CPM Client device through the SIP/IP Core.',
  establish: 'When the receiving the CPM Session Invitation, the CPM Conversation Server SHALL perform the Participating Function control on behalf of the target CPM Client device. If determined to continue the CPM Session establishment, the CPM Conversation Server SHALL establish the CPM Session with the target CPM Client device.',
  media: 'The CPM Conversation Server SHOULD remains in the media path for this session.',
  release: 'The CPM Conversation Server SHALL send a CPM Session Release Notification to the transferor CPM Client device. ... When the receiving the CPM Session Release request, the CPM Conversation Server SHALL perform the Participating Function control and release transferor CPM Client device session.',
};

/** The flow of 5.2.5.1.1, numbered as the steps the cases report. */
export const MP_STEPS: Record<string, string> = {
  T1: 'The transferor CPM Client device sends the CPM Session Transfer request (REFER in its session, Refer-To = the target device).',
  T2: 'The CS performs PF control for the transferor and sends Accepted (202, then NOTIFY 100 Trying).',
  T3: 'The CS sends the CPM Session Join Notification to the target device (REFER leading it into the session).',
  T4: 'The target sends the CPM Session Invitation; the CS performs PF control for it and establishes the session.',
  T5: 'The CS remains in the media path (its own MSRP a=path; nothing reaches the transferee).',
  T6: 'The target sends the CPM Session Replaced Notification (NOTIFY 200, terminated).',
  T7: 'The CS sends the CPM Session Release Notification to the transferor (NOTIFY 200, terminated).',
  T8: 'The transferor sends the CPM Session Release request (BYE); the CS releases the transferor\u2019s session only.',
  T9: 'The session goes on between the target and the transferee: a message each way over MSRP, through the CS (the target\u2019s MSRP peer is the CS), none to the transferor.',
};

export const NMP = {
  clause: '5.2.5.1.2',
  accept: 'When receiving the CPM Session Transfer, the CPM Conversation Server SHALL perform the Participating Function control on behalf of the transferor CPM Client device. If determined that transferor is allowed to transfer the CPM Session and target CPM Client device is available to participate in the session, the CPM Conversation SHALL send Accepted response to the transferor CPM Client device.',
  replace: 'CPM Conversation Server serving the target CPM Client device SHALL send a Session replacement notification to the target CPM Client device through the SIP/IP Core.',
  route: 'When the receiving the CPM Session Invitation, the CPM Conversation Server SHALL perform the Participating Function control on behalf of the target CPM Client device. If determined to continue the CPM Session establishment, the CPM Conversation Server SHALL route the CPM Session Invitation to the transferee CPM Client device through the SIP/IP Core.',
  release: 'The CPM Conversation Server serving the transferor CPM Client device SHALL send a CPM Session Release notification to the transferor CPM Client device. ... the CPM Conversation Server serving the transferor CPM Client device SHALL perform the Participating Function control and SHALL route the CPM Session Release request to the transferee CPM Client device through the SIP/IP Core.',
};

export const NMP_STEPS: Record<string, string> = {
  T1: 'The transferor requests the transfer (REFER to the CS transfer URI, Target-Dialog naming its session, Refer-To = the target device).',
  T2: 'The CS performs PF control for the transferor and sends Accepted (202, then NOTIFY 100 Trying).',
  T3: 'The CS sends the Session replacement notification to the target (REFER, Refer-To = the transferee with Replaces = the old dialog).',
  T4: 'The target sends the CPM Session Invitation; the CS routes it to the transferee (PF control for target and transferee); media flows directly.',
  T5: 'The target sends the CPM Session Replaced Notification (NOTIFY 200, terminated).',
  T6: 'The CS sends the CPM Session Release Notification to the transferor (NOTIFY 200, terminated).',
  T7: 'The transferor\u2019s CPM Session Release request (BYE) is routed by the CS to the transferee.',
  T8: 'The new session between target and transferee is untouched: a message each way over MSRP, directly between them, none to the transferor.',
};

export const PULL = {
  clause: '5.2.5.1',
  sentence: 'The CPM Session transfer can be triggered remotely as well locally. ... And remote CPM Session refers to transfer the session currently on another CPM enabled device to the local CPM enabled device.',
};
