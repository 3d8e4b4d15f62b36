/**
 * Rule ids of the parser's diagnostics, one place so reports and tests name them alike.
 * Ids cite the RFC 3261 section the rule comes from (§25 = the ABNF).
 */
export const RULE = {
  emptyDatagram: 'RFC3261-7-empty-message',
  noEmptyLine: 'RFC3261-7-no-empty-line',
  bareLf: 'RFC3261-7-bare-lf',
  startLine: 'RFC3261-25-start-line',
  startLineSpacing: 'RFC3261-25-start-line-spacing',
  method: 'RFC3261-25-method-token',
  versionGrammar: 'RFC3261-25-sip-version',
  statusCode: 'RFC3261-25-status-code',
  reasonPhrase: 'RFC3261-25-reason-phrase',
  requestUri: 'RFC3261-25-request-uri',
  foldAfterStartLine: 'RFC3261-7.3.1-fold-after-start-line',
  headerColon: 'RFC3261-25-header-colon',
  headerName: 'RFC3261-25-header-name',
  headerCtl: 'RFC3261-25-header-value-ctl',
  utf8: 'RFC3261-25-utf8',
  contentLengthValue: 'RFC3261-20.14-content-length-value',
  contentLengthConflict: 'RFC3261-20.14-content-length-conflict',
  contentLengthMissingStream: 'RFC3261-18.3-content-length-missing',
  contentLengthAbsent: 'RFC3261-20.14-content-length-absent',
  bodyTruncated: 'RFC3261-18.3-body-truncated',
  trailingOctets: 'RFC3261-18.3-trailing-octets',
  limitHeaderBytes: 'LIMIT-header-bytes',
  limitHeaders: 'LIMIT-header-count',
  limitBody: 'LIMIT-body-bytes',
  internal: 'INTERNAL-parser-fault',
  // Grammar checks added for the SIP torture tests (RFC 4475 §3.1.2.11–15, RFC 5118 §4.5).
  requestUriHeaders: 'RFC3261-19.1.1-request-uri-headers',
  sipDate: 'RFC3261-25-sip-date',
  addrSpecBrackets: 'RFC3261-20.10-addr-spec-brackets',
  angleSpace: 'RFC3261-25-laquot-raquot',
  displayName: 'RFC3261-25-display-name',
  viaReceived: 'RFC3261-25-via-received',
  // Semantic findings (RFC 4475 §3.2–§3.4): the message is well formed; what an element does with it.
  branchCookieOnly: 'RFC3261-8.1.1.7-branch-cookie-only',
  uriScheme: 'RFC3261-8.2.2.1-uri-scheme',
  aorScheme: 'RFC3261-10.2-aor-scheme',
  maxForwardsZero: 'RFC3261-16.3-max-forwards-zero',
  broadcastVia: 'RFC4475-3.3.10-broadcast-via',
  acceptSdp: 'RFC4475-3.3.15-accept-sdp',
  requireUnknown: 'RFC3261-8.2.2.3-require-unknown',
} as const;

/**
 * Rules about what a well-formed message means rather than how it is written (RFC 4475 §3.3
 * "Application-Layer Semantics"): an error among them makes a message semantically wrong, not
 * syntactically invalid. Every other rule is grammar, value range or framing.
 */
export const SEMANTIC_RULES: ReadonlySet<string> = new Set([
  'RFC3261-8.1.1-missing-header', 'RFC3261-7.3.1-duplicate-header', RULE.contentLengthConflict, 'RFC3261-8.1.1.3-from-tag',
  'RFC3261-8.1.1.7-via-branch', RULE.branchCookieOnly, RULE.uriScheme, RULE.aorScheme, RULE.maxForwardsZero, RULE.broadcastVia,
  RULE.acceptSdp, RULE.requireUnknown, RULE.contentLengthAbsent,
]);
