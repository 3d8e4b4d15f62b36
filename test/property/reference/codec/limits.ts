/**
 * Work bounds for the parser. A SUT (or a fuzzer) can send anything; the harness must not spend
 * unbounded memory or time on one message. Defaults sit far above what a real SIP server emits
 * (RFC 3261 §18.1.1 keeps UDP messages under 1300 octets when possible; a datagram is < 64 KiB).
 */
export interface ParseLimits {
  /** Octets of start line + header section (excluding body). */
  maxHeaderBytes: number;
  /** Header lines (fields and folded continuations). */
  maxHeaders: number;
  /** Octets of body announced by Content-Length. */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: Readonly<ParseLimits> = {
  maxHeaderBytes: 256 * 1024,
  maxHeaders: 4096,
  maxBodyBytes: 16 * 1024 * 1024,
};
