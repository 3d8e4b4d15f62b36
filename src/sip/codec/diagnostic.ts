/** A finding of the parser or linter about one message (RFC 3261 §25 grammar or §8/§20 semantics). */
export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  /** Stable rule id, e.g. `RFC3261-25.1-header-colon`, `RFC3261-8.1.1-missing-header`. */
  rule: string;
  severity: Severity;
  /** Plain-words explanation a vendor's engineer understands without reading the RFC. */
  message: string;
  /** 1-based line and column of the offending octets in the raw message (0 when not tied to a place). */
  line: number;
  column: number;
}
