/**
 * The requirements catalogue: the one source of requirement IDs for test cases, the report's
 * labels and the conformance matrix (docs/cpm-sip-binding.md#requirements). Its IDs are a literal
 * type, so a misspelt requirement in a case or a check does not compile (docs/writing-cases.md).
 */
export type RequirementLevel = 'SHALL' | 'SHOULD' | 'MUST' | 'MUST NOT' | 'SHOULD NOT' | 'flow';

export interface Requirement<Id extends string = RequirementId> {
  id: Id;
  /** Spec feature the requirement belongs to (Allure feature, report grouping). */
  feature: string;
  /** Document and clause it comes from. */
  document: string;
  clause: string;
  level: RequirementLevel;
  /** What the SUT must do, in one sentence. */
  summary: string;
  /** Link to the clause, when public. */
  url?: string;
}

const CR_LEAVE = 'OMA CR: CPM User Closing a CPM One to one Session (C.2.3.1)';
const CR_MD = 'OMA CR: CPM-MLD-007 and Session Transfer in Multi-device Environment (5.2.5.1)';
const RFC3261 = 'RFC 3261';
const rfc = (n: number, s: string) => `https://www.rfc-editor.org/rfc/rfc${n}#section-${s}`;
/** OMA's public CPM release page: the change requests themselves are member documents. */
const OMA_CPM = 'https://www.openmobilealliance.org/release/CPM/';

export const FEATURES = {
  leaving: 'Closing a 1-1 CPM session (C.2.3.1)',
  multiDevice: 'Multi-device invitation cancel (CPM-MLD-007)',
  transferMediaPath: 'Session transfer, CS in the media path (5.2.5.1.1)',
  transferNoMediaPath: 'Session transfer, CS not in the media path (5.2.5.1.2)',
} as const;

const CATALOGUE = [
  { id: 'LEAVE-ORIG', feature: FEATURES.leaving, document: CR_LEAVE, clause: 'C.2.3.1 steps 1-4', level: 'flow',
    summary: 'PF A executes originating service control on the CPM Session leaving request and passes it on.', url: OMA_CPM },
  { id: 'LEAVE-TERM', feature: FEATURES.leaving, document: CR_LEAVE, clause: 'C.2.3.1 steps 5-7', level: 'flow',
    summary: 'PF B executes terminating service control and the leaving request is delivered to Client B.', url: OMA_CPM },
  { id: 'LEAVE-OK', feature: FEATURES.leaving, document: CR_LEAVE, clause: 'C.2.3.1 steps 8-14', level: 'flow',
    summary: 'The OK response is conveyed back to Client A using the reverse routing of the leaving request.', url: OMA_CPM },
  { id: 'RFC3261-15.1.2', feature: FEATURES.leaving, document: RFC3261, clause: '15.1.2', level: 'SHOULD',
    summary: 'A BYE that does not match an existing dialog is answered 481 (Call/Transaction Does Not Exist).', url: rfc(3261, '15.1.2') },
  { id: 'RFC3261-16.6', feature: FEATURES.leaving, document: RFC3261, clause: '16.6 step 3, 16.7 step 3', level: 'MUST',
    summary: 'A proxy decrements Max-Forwards by one, pushes its own Via on requests and removes only its own Via from responses.', url: rfc(3261, '16.6') },
  { id: 'RFC3261-13.2.2.4', feature: FEATURES.leaving, document: RFC3261, clause: '13.2.2.4', level: 'MUST',
    summary: 'A B2BUA ACKs the callee\'s 2xx itself, in the callee\'s dialog, with the INVITE\'s CSeq number and method ACK.', url: rfc(3261, '13.2.2.4') },
  { id: 'RFC3261-16.3', feature: FEATURES.leaving, document: RFC3261, clause: '16.3 step 3', level: 'MUST',
    summary: 'A proxy does not forward a request that arrives with Max-Forwards 0: it answers 483 (Too Many Hops).', url: rfc(3261, '16.3') },
  { id: 'CPM-MLD-007', feature: FEATURES.multiDevice, document: CR_MD, clause: 'Reason for Change, CPM-MLD-007', level: 'SHALL',
    summary: 'After acceptance on one device, the outstanding invitations on the user\'s other devices are cancelled.', url: OMA_CPM },
  { id: 'RFC3261-9.1', feature: FEATURES.multiDevice, document: RFC3261, clause: '9.1', level: 'MUST',
    summary: 'A CANCEL matches its INVITE (Request-URI, Call-ID, From, To, CSeq number, one Via equal to the top Via, Route) and is not sent before a provisional.', url: rfc(3261, '9.1') },
  { id: 'RFC3261-17.1.1.3', feature: FEATURES.multiDevice, document: RFC3261, clause: '17.1.1.3', level: 'MUST',
    summary: 'The client transaction ACKs a non-2xx final response (487) with the To of the response and the INVITE\'s top Via.', url: rfc(3261, '17.1.1.3') },
  { id: 'RFC3261-16.10', feature: FEATURES.multiDevice, document: RFC3261, clause: '16.10', level: 'MUST',
    summary: 'A forking proxy that receives a CANCEL cancels every pending branch; the caller\'s INVITE ends with 487.', url: rfc(3261, '16.10') },
  { id: 'RFC3261-16.7', feature: FEATURES.multiDevice, document: RFC3261, clause: '16.7 steps 5-6', level: 'MUST',
    summary: 'A forking PF forwards the devices\' provisionals (never a 100) and a 2xx at once, holds a decline while other devices are pending (cancelling them on a 6xx), and once all have ended sends the best final: a 6xx if any, else the lowest class, a lone 503 as 500.', url: rfc(3261, '16.7') },
  { id: 'RFC3261-10.3', feature: FEATURES.multiDevice, document: RFC3261, clause: '10.3 steps 7-8', level: 'MUST',
    summary: 'A binding whose REGISTER asks Expires: 0 is removed: the 200 (OK) lists every remaining binding of the user, each with an expires parameter, and the next invitation reaches the remaining devices only.', url: rfc(3261, '10.3') },
  { id: 'RFC3326-REASON', feature: FEATURES.multiDevice, document: 'RFC 3326', clause: '2', level: 'SHOULD',
    summary: 'A CANCEL caused by acceptance elsewhere carries Reason: SIP;cause=200;text="Call completed elsewhere".', url: rfc(3326, '2') },
  { id: 'TRF-MP-ACCEPT', feature: FEATURES.transferMediaPath, document: CR_MD, clause: '5.2.5.1.1 ¶2', level: 'SHALL',
    summary: 'PF control for the transferor; Accepted only when allowed and the target is available.', url: OMA_CPM },
  { id: 'TRF-MP-JOIN', feature: FEATURES.transferMediaPath, document: CR_MD, clause: '5.2.5.1.1 ¶3', level: 'SHALL',
    summary: 'The CS sends the CPM Session Join Notification to the target device.', url: OMA_CPM },
  { id: 'TRF-MP-ESTABLISH', feature: FEATURES.transferMediaPath, document: CR_MD, clause: '5.2.5.1.1 ¶4', level: 'SHALL',
    summary: 'PF control for the target; the CS establishes the session with the target device.', url: OMA_CPM },
  { id: 'TRF-MP-MEDIA', feature: FEATURES.transferMediaPath, document: CR_MD, clause: '5.2.5.1.1 ¶5', level: 'SHOULD',
    summary: 'The CS remains in the media path.', url: OMA_CPM },
  { id: 'TRF-MP-RELEASE', feature: FEATURES.transferMediaPath, document: CR_MD, clause: '5.2.5.1.1 ¶6-7', level: 'SHALL',
    summary: 'Release Notification to the transferor; the CS releases the transferor\'s session on its Release request.', url: OMA_CPM },
  { id: 'TRF-NMP-ACCEPT', feature: FEATURES.transferNoMediaPath, document: CR_MD, clause: '5.2.5.1.2 ¶3', level: 'SHALL',
    summary: 'PF control for the transferor; Accepted only when allowed and the target is available.', url: OMA_CPM },
  { id: 'TRF-NMP-REPLACE', feature: FEATURES.transferNoMediaPath, document: CR_MD, clause: '5.2.5.1.2 ¶4', level: 'SHALL',
    summary: 'The CS sends the Session replacement notification to the target device.', url: OMA_CPM },
  { id: 'TRF-NMP-ROUTE', feature: FEATURES.transferNoMediaPath, document: CR_MD, clause: '5.2.5.1.2 ¶5', level: 'SHALL',
    summary: 'PF control for target and transferee; the target\'s invitation is routed to the transferee.', url: OMA_CPM },
  { id: 'TRF-NMP-RELEASE', feature: FEATURES.transferNoMediaPath, document: CR_MD, clause: '5.2.5.1.2 ¶6-7', level: 'SHALL',
    summary: 'Release Notification to the transferor; its Release request is routed to the transferee.', url: OMA_CPM },
  { id: 'TRF-PULL', feature: FEATURES.transferNoMediaPath, document: CR_MD, clause: '5.2.5.1 ¶1', level: 'flow',
    summary: 'Remote transfer pulls a session from another device of the same user to the local one.', url: OMA_CPM },
] as const satisfies ReadonlyArray<Requirement<string>>;

/** A requirement ID of the catalogue: what a case declares and every check names. */
export type RequirementId = (typeof CATALOGUE)[number]['id'];

export const REQUIREMENTS: ReadonlyArray<Requirement> = CATALOGUE;

const byId = new Map<string, Requirement>(REQUIREMENTS.map((r) => [r.id, r]));

/** The catalogue entry of an ID; an ID from outside the code (a fault, a results file) may be unknown. */
export function requirement(id: string): Requirement {
  const r = byId.get(id);
  if (!r) throw new Error(`unknown requirement id ${id}: add it to src/harness/requirements.ts`);
  return r;
}

/** Whether text from outside the code (the command line, a fault's tag) names a catalogued requirement. */
export function isRequirementId(id: string): id is RequirementId {
  return byId.has(id);
}
