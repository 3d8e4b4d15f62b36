/**
 * The role a Participating Function plays for one leaving request (OMA CPM SD C.2.3.1): the PF
 * serving the user who sends the BYE executes originating service control (steps 2-3, "PF A"),
 * the PF serving the peer terminating service control (steps 5-6, "PF B"). The server's PF A
 * serves the caller of the session, its PF B the callee; a BYE from the callee swaps the roles.
 */
import type { FaultSet } from './faults';
import type { PfRole } from './pf-context';

export type LeavingRole = 'originating' | 'terminating';

export function leavingRole(pf: PfRole, byeFromCaller: boolean): LeavingRole {
  return (pf === 'A') === byeFromCaller ? 'originating' : 'terminating';
}

/** The LEAVE-TERM fault switched on for the terminating PF, if any (they exclude each other). */
export function byeFaultAtTerminating(faults: FaultSet): 'leave-pf-b-answers-bye' | 'leave-bye-not-delivered' | undefined {
  if (faults.has('leave-pf-b-answers-bye')) return 'leave-pf-b-answers-bye';
  if (faults.has('leave-bye-not-delivered')) return 'leave-bye-not-delivered';
  return undefined;
}
