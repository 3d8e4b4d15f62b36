/**
 * Fresh MSRP identifiers, drawn from the SIP engine's pooled CSPRNG (src/sip/ids.ts) so both
 * engines share one source and one cost per identifier. Hex digits are ALPHANUM, so every id is a
 * valid §9 ident (4..32 characters) or session-id.
 */
import { newCallId, newTag } from '../sip/ids';

/** A transaction id (RFC 4975 §9 transact-id): 48 random bits, 12 hex digits; unique per connection is enough (§7.1). */
export function newTransactionId(): string {
  return newTag();
}

/** A Message-ID (§7.1.1: unique within the session, and across sessions for REPORTs to be matched): 96 random bits. */
export function newMessageId(): string {
  return newCallId();
}

/** The session-id of an MSRP URI: 96 random bits, because it is what makes the URI unguessable, which RFC 4975's security considerations (§14) rely on. */
export function newSessionId(): string {
  return newCallId();
}

/**
 * A transaction id whose end-line does not occur in `body` (§9: data MUST NOT contain the end-line;
 * §7.1: the sender picks the transaction id so that it does not). Random ids make a clash
 * astronomically rare; the loop makes it impossible.
 */
export function transactionIdFor(body: Buffer | null): string {
  for (;;) {
    const id = newTransactionId();
    if (body === null || body.indexOf(`-------${id}`, 0, 'latin1') < 0) return id;
  }
}
