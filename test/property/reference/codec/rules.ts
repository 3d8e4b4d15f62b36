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
} as const;
