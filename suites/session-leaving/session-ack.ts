/**
 * The ACK a B2BUA PF sends for the callee's 2xx. A B2BUA answers the caller itself and sends an
 * INVITE of its own to the callee (RFC 7092 §3), so the callee's 2xx is ACKed by the B2BUA's own
 * UAC core, not relayed. RFC 3261 §13.2.2.4: "The UAC core MUST generate an ACK request for each
 * 2xx received from the transaction layer. The header fields of the ACK are constructed in the
 * same way as for any request sent within a dialog (see Section 12) with the exception of the CSeq
 * and the header fields related to authentication. The sequence number of the CSeq header field
 * MUST be the same as the INVITE being acknowledged, but the CSeq method MUST be ACK."
 * A proxy relays the caller's own ACK (its hops are judgeInviteHops'), so this step is the B2BUA's.
 *
 * Found by mutation testing of b2bua.ts (docs/mutation.md): a B2BUA whose ACK carried an empty
 * CSeq, or no Via at all, passed every case; the session precondition only waits for an ACK.
 */
import { header, type SipRequest } from '../../src/sip/message';
import { cseq } from '../../src/sip/headers/cseq';
import { vias } from '../../src/sip/headers/via';
import { fromTag, toTag } from '../../src/sip/headers/name-addr';
import type { TestContext } from '../../src/harness/context';
import type { Session } from '../../src/harness/session';
import { MAGIC_COOKIE } from '../../src/sip/ids';

export async function judgeSessionAck(t: TestContext, s: Session): Promise<void> {
  if (t.target.pfMode !== 'b2bua') return;
  const invite: SipRequest = s.inviteAtCallee;
  const seq = cseq(invite)?.seq;
  const inviteVia = vias(invite)[0];
  await t.step('session-ack', `The B2BUA ACKs ${s.callee.name}'s 200 (OK) in ${s.callee.name}'s dialog, with the INVITE's CSeq number and method ACK (RFC 3261 §13.2.2.4)`, 'RFC3261-13.2.2.4', () => {
    // The ACKs the callee got in the dialog of its INVITE (its Call-ID): the session precondition
    // waited for the first; a B2BUA's ACK elsewhere is no ACK of this 2xx.
    const cid = header(invite, 'Call-ID') ?? '';
    const ack = t.require(t.trace.find({ owner: s.callee.name, direction: 'received', template: { method: 'ACK', headers: { 'Call-ID': cid } } })[0], 'RFC3261-13.2.2.4', {
      message: `no ACK in ${s.callee.name}'s dialog (Call-ID ${cid}) reached it: the UAC core MUST generate an ACK for each 2xx (§13.2.2.4)`,
      expected: `ACK with Call-ID ${cid}`,
    });
    t.expect('RFC3261-13.2.2.4', ack, {
      name: `ACK of ${s.callee.name}'s 200 (OK)`,
      method: 'ACK',
      headers: {
        CSeq: { rule: `${seq ?? '?'} ACK: the INVITE's sequence number, method ACK (§13.2.2.4)`, test: (_v, m) => cseq(m)?.seq === seq && cseq(m)?.method === 'ACK' },
        // Built as any request in the dialog (§12.2.1.1): the tags of the INVITE and of the callee's 2xx.
        From: { rule: `the INVITE's From tag (${fromTag(invite) ?? '?'}) (§12.2.1.1)`, test: (_v, m) => fromTag(m) === fromTag(invite) },
        To: { rule: `${s.callee.name}'s tag from its 200 (OK) (${s.uas.localTag}) (§12.2.1.1)`, test: (_v, m) => toTag(m) === s.uas.localTag },
        // A request of its own: one Via with a branch of its own (§8.1.1.7; an ACK of a 2xx is a new transaction, §17.1.1.3).
        Via: { rule: `the B2BUA's own Via with a ${MAGIC_COOKIE} branch other than the INVITE's (§8.1.1.7)`, test: (_v, m) => {
          const v = vias(m);
          const branch = v[0]?.params.branch;
          return v.length > 0 && typeof branch === 'string' && branch.startsWith(MAGIC_COOKIE) && branch !== inviteVia?.params.branch;
        } },
      },
    }, `the ACK ${s.callee.name} got for its 200 (OK) is not the one §13.2.2.4 and §12.2.1.1 require of the B2BUA's UAC core`);
    return Promise.resolve();
  });
}
