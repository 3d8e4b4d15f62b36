/**
 * Rule ids of the MSRP parser's and framer's diagnostics, in one place so reports and tests name
 * them alike. Each cites the RFC 4975 section it comes from (§9 = the ABNF); `LIMIT-` and
 * `HARNESS-` rules are this harness's own bounds, not protocol requirements.
 */
export const MSRP_RULE = {
  // Framing (§9 msrp-req-or-resp, end-line).
  startLine: 'RFC4975-9-start-line',
  transactionId: 'RFC4975-9-transact-id',
  method: 'RFC4975-9-method',
  statusCode: 'RFC4975-9-status-code',
  comment: 'RFC4975-9-comment',
  endLine: 'RFC4975-9-end-line',
  endLineCrlf: 'RFC4975-9-end-line-crlf',
  bareLf: 'RFC4975-9-bare-lf',
  betweenFrames: 'RFC4975-9-octets-between-frames',
  // Header fields (§9 headers, header, ext-header).
  headerColon: 'RFC4975-9-header-colon',
  headerName: 'RFC4975-9-header-name',
  headerSpace: 'RFC4975-9-header-sp',
  headerText: 'RFC4975-9-utf8text',
  toPathFirst: 'RFC4975-9-to-path-first',
  fromPathSecond: 'RFC4975-9-from-path-second',
  duplicateHeader: 'RFC4975-9-duplicate-header',
  uri: 'RFC4975-9-msrp-uri',
  messageId: 'RFC4975-9-message-id',
  byteRange: 'RFC4975-9-byte-range',
  successReport: 'RFC4975-9-success-report',
  failureReport: 'RFC4975-9-failure-report',
  status: 'RFC4975-9-status',
  contentType: 'RFC4975-9-content-type',
  contentTypeLast: 'RFC4975-9-content-type-last',
  mimeHeaderPlace: 'RFC4975-9-mime-header-place',
  bodyWithoutContentType: 'RFC4975-9-body-without-content-type',
  contentTypeWithoutBody: 'RFC4975-9-content-type-without-body',
  responseBody: 'RFC4975-9-response-body',
  // Semantics of well-formed frames (§7.1.1 SEND, §7.1.2 REPORT, §7.2 responses).
  missingToPath: 'RFC4975-7.1-missing-to-path',
  missingFromPath: 'RFC4975-7.1-missing-from-path',
  sendMessageId: 'RFC4975-7.1.1-send-message-id',
  byteRangeLength: 'RFC4975-7.1.1-byte-range-length',
  reportStatus: 'RFC4975-7.1.2-report-status',
  reportMessageId: 'RFC4975-7.1.2-report-message-id',
  reportReportHeaders: 'RFC4975-7.1.2-report-report-headers',
  responsePath: 'RFC4975-7.2-response-path',
  // Work bounds of this harness.
  limitFrame: 'LIMIT-msrp-frame-bytes',
  limitStartLine: 'LIMIT-msrp-start-line-bytes',
  truncated: 'HARNESS-msrp-stream-truncated',
  notMsrp: 'HARNESS-msrp-stream-not-msrp',
  internal: 'INTERNAL-msrp-parser-fault',
} as const;

/**
 * Rules about what a well-formed frame means (header presence, REPORT contents): an error among
 * them makes a frame semantically wrong, not syntactically invalid — the SIP codec's split too.
 */
export const MSRP_SEMANTIC_RULES: ReadonlySet<string> = new Set([
  MSRP_RULE.missingToPath, MSRP_RULE.missingFromPath, MSRP_RULE.sendMessageId, MSRP_RULE.byteRangeLength,
  MSRP_RULE.reportStatus, MSRP_RULE.reportMessageId, MSRP_RULE.reportReportHeaders, MSRP_RULE.responsePath,
]);
