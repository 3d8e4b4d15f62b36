/**
 * Bounds on what one stream connection may make us hold in memory. RFC 3261 §18.3 frames stream
 * messages by Content-Length, so a peer controls how much we wait for; a conformance harness must
 * judge a hostile or broken SUT without buffering unboundedly. Defaults sit far above real SIP
 * traffic (a large INVITE with SDP is a few KiB) so that only misbehaviour trips them.
 */
export interface StreamLimits {
  /** Largest header section (start line through the empty line) in octets. */
  maxHeaderBytes: number;
  /** Largest Content-Length we accept and wait for. */
  maxBodyBytes: number;
  /** Largest number of unprocessed octets held for one connection at any time. */
  maxBufferedBytes: number;
}

export const DEFAULT_STREAM_LIMITS: Readonly<StreamLimits> = Object.freeze({
  maxHeaderBytes: 64 * 1024,
  maxBodyBytes: 4 * 1024 * 1024,
  maxBufferedBytes: 8 * 1024 * 1024,
});

/** Defaults overridden by whatever the caller set; rejects nonsense so a bad config fails early. */
export function resolveStreamLimits(partial: Partial<StreamLimits> = {}): StreamLimits {
  const limits = { ...DEFAULT_STREAM_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`stream limit ${name} must be a positive integer, got ${String(value)}`);
  }
  // One largest legal message must fit in the buffer, or legal traffic would trip the buffer bound.
  if (limits.maxBufferedBytes < limits.maxHeaderBytes + limits.maxBodyBytes) {
    throw new RangeError('stream limit maxBufferedBytes must be at least maxHeaderBytes + maxBodyBytes');
  }
  return limits;
}
