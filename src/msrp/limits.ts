/**
 * Work bounds for one MSRP connection. RFC 4975 §5.1 frames a chunk by its end-line, not by a
 * length, so a peer controls how long we wait for one; and §7.1.1 lets a message be any size.
 * A harness judging a hostile or broken SUT must hold bounded memory, so every wait below is
 * capped; defaults sit far above real chat traffic (a chunk is a few KiB, a message rarely MiBs).
 */
export interface MsrpLimits {
  /** Largest frame (start line through end-line) held in memory; larger frames are skipped to their end-line and reported. */
  maxFrameBytes: number;
  /** Octets searched for the first line's end before the stream is declared not MSRP. */
  maxStartLineBytes: number;
  /** Largest message reassembled from chunks (§5.1); beyond it the message is refused with 413 (§10.5). */
  maxMessageBytes: number;
  /** Messages being reassembled at once per connection (each holds up to maxMessageBytes). */
  maxMessagesInProgress: number;
}

export const DEFAULT_MSRP_LIMITS: Readonly<MsrpLimits> = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  maxStartLineBytes: 1024,
  maxMessageBytes: 16 * 1024 * 1024,
  maxMessagesInProgress: 16,
});

/** Defaults overridden by whatever the caller set; rejects nonsense so a bad config fails early. */
export function resolveMsrpLimits(partial: Partial<MsrpLimits> = {}): MsrpLimits {
  const limits = { ...DEFAULT_MSRP_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`MSRP limit ${name} must be a positive integer, got ${String(value)}`);
  }
  if (limits.maxStartLineBytes > limits.maxFrameBytes) throw new RangeError('MSRP limit maxStartLineBytes must not exceed maxFrameBytes');
  return limits;
}
