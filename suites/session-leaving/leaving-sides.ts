/**
 * Who is who in C.2.3.1 for one leaving request. `leaver` is the user who closes the session
 * ("CPM Client A" in the spec's words, whichever side invited); the PF serving it performs
 * originating service control (steps 2-3, LEAVE-ORIG), the peer's PF terminating service control
 * (steps 5-6, LEAVE-TERM), and the OK must come back by the reverse route (steps 8-14, LEAVE-OK).
 */
import type { Address } from '../../src/sip/transport/address';
import type { TestContext } from '../../src/harness/context';
import type { Device } from '../../src/harness/device';
import type { CoreEmulator } from '../../src/harness/core-emulator';
import type { Session } from '../../src/harness/session';

export interface LeavingSides {
  leaver: Device;
  peer: Device;
  /** Dialog state of each side. */
  leaverDialog: Session['uac'];
  peerDialog: Session['uac'];
  /** The PF serving the leaver (originating role for this request) and the peer's PF. */
  pfOrig: Address;
  pfTerm: Address;
  pfOrigName: string;
  pfTermName: string;
  coreOrig?: CoreEmulator;
  coreTerm?: CoreEmulator;
}

export function sidesFor(t: TestContext, s: Session, leaver: 'caller' | 'callee'): LeavingSides {
  const [ua, ub] = t.topology.users;
  const callerLeaves = leaver === 'caller';
  return {
    leaver: callerLeaves ? s.caller : s.callee,
    peer: callerLeaves ? s.callee : s.caller,
    leaverDialog: callerLeaves ? s.uac : s.uas,
    peerDialog: callerLeaves ? s.uas : s.uac,
    pfOrig: callerLeaves ? t.target.pfA : t.target.pfB,
    pfTerm: callerLeaves ? t.target.pfB : t.target.pfA,
    pfOrigName: callerLeaves ? 'PF A' : 'PF B',
    pfTermName: callerLeaves ? 'PF B' : 'PF A',
    coreOrig: callerLeaves ? ua.core : ub.core,
    coreTerm: callerLeaves ? ub.core : ua.core,
  };
}
