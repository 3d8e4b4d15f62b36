/**
 * What the CS's answers in a transfer or pull must carry, shared by the in-path, not-in-path and
 * remote-pull suites (each found by mutation testing of the reference, docs/mutation.md).
 */
import { contacts } from '../../src/sip/headers/contact';
import type { MessageTemplate } from '../../src/harness/template';

/** A 2xx carrying the SDP answer: its body labelled application/sdp (RFC 3261 §20.15: a Content-Type MUST accompany a body). */
export const SDP_ANSWER: MessageTemplate = {
  headers: {
    'Content-Type': { rule: 'application/sdp (the 2xx carries the SDP answer)', test: (v, m) => m.body.length === 0 || /^\s*application\/sdp\s*(;|$)/i.test(v ?? '') },
  },
};

/**
 * The Accepted response to an out-of-dialog REFER (the transfer request, the pull request) creates
 * the dialog of the refer subscription (RFC 3515 §2.4.4): a To tag and a Contact with one SIP URI
 * (RFC 3261 §12.1.1: "The UAS MUST add a Contact header field to the response"). Found by mutation
 * testing of transfer-nmp.ts and transfer-pull.ts: a 202 without its Contact passed.
 */
export const ACCEPTED_DIALOG: MessageTemplate = {
  headers: {
    To: /;\s*tag=[^;\s]+/i,
    Contact: { rule: 'exactly one SIP URI (the subscription dialog\'s remote target)', test: (_v, m) => { const c = contacts(m); return c.length === 1 && /^sips?:/i.test(c[0].uri); } },
  },
};
