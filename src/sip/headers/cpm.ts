/**
 * CPM identifiers (OMA CPM Conversation Functional Description; 3GPP TS 24.229 registration):
 * Conversation-ID, Contribution-ID and InReplyTo-Contribution-ID carry a single token-like
 * identifier each. They are returned trimmed; null when absent or empty.
 */
import type { SipMessage } from '../message';
import { header } from '../message';

function single(msg: Pick<SipMessage, 'headers'>, name: string): string | null {
  const v = header(msg, name)?.trim();
  return v ? v : null;
}

export function conversationId(msg: Pick<SipMessage, 'headers'>): string | null {
  return single(msg, 'conversation-id');
}

export function contributionId(msg: Pick<SipMessage, 'headers'>): string | null {
  return single(msg, 'contribution-id');
}

export function inReplyToContributionId(msg: Pick<SipMessage, 'headers'>): string | null {
  return single(msg, 'inreplyto-contribution-id');
}
