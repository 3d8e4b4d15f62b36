/**
 * The strict-mode changes made after ./reference was frozen, each deliberate and cited, so the
 * equivalence property can still demand identical results everywhere else (issue 16: RFC 4475
 * and RFC 5118 classified as the RFCs say). `reconcile` maps exactly these differences and
 * nothing more; any other difference between the parsers still fails the property.
 *
 * 1. Rules the oracle never emits (ADDED): new §25.1 checks (RFC 4475 §3.1.2.11–15, RFC 5118
 *    §4.5) and the application-layer findings of RFC 4475 §3.2–§3.3. They are removed from our
 *    diagnostics before comparing; their behaviour is pinned by test/unit/lint/torture.test.ts.
 * 2. Severity only (WARNING_NOW): a top Via without branch, a From without tag and a missing
 *    Max-Forwards are RFC 2543 syntax that RFC 4475 §3.1.1.7 and §3.4.1 ask elements to accept:
 *    same rule, wording, line and column, now 'warning' where the oracle says 'error'.
 * 3. Diagnostics the oracle emits and we no longer do, each recognised by its own predicate:
 *    - RFC3261-25-header-value-ctl when every CTL of the value is the escaped character of a
 *      quoted-pair inside a quoted-string (§25.1 quoted-pair; RFC 4475 §3.1.1.2 `"BEL:\<07>"`);
 *    - RFC3261-25-request-uri when the URI is a SIP URI whose userinfo, all §25.1 userinfo
 *      characters, holds a "?" before its "@" (user-unreserved; RFC 4475 §3.1.1.2).
 */
import type { Diagnostic } from '../../src/sip/codec/diagnostic';
import type { ParseResult } from '../../src/sip/codec/parse';
import { RULE } from '../../src/sip/codec/rules';

const ADDED = new Set<string>([RULE.requestUriHeaders, RULE.sipDate, RULE.addrSpecBrackets, RULE.angleSpace, RULE.displayName, RULE.viaReceived,
  RULE.branchCookieOnly, RULE.uriScheme, RULE.aorScheme, RULE.maxForwardsZero, RULE.broadcastVia, RULE.acceptSdp, RULE.requireUnknown]);

function warningNow(d: Diagnostic): boolean {
  return d.rule === 'RFC3261-8.1.1.7-via-branch' || d.rule === 'RFC3261-8.1.1.3-from-tag'
    || (d.rule === 'RFC3261-8.1.1-missing-header' && d.message === 'the mandatory Max-Forwards header is missing');
}

/** Every CTL (but HTAB) of `s` is escaped by a quoted-pair inside a quoted-string, and there is at least one CTL. */
function ctlsAllQuotedPairs(s: string): boolean {
  let quoted = false;
  let seen = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (quoted && c === 0x5c && i + 1 < s.length) {
      const n = s.charCodeAt(i + 1);
      if (n === 0x0a || n === 0x0d) return false;
      if (n < 0x20 || n === 0x7f) seen = true;
      i++;
    } else if (c === 0x22) quoted = !quoted;
    else if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return seen;
}

const USERINFO_WITH_QUERY = /^sips?:[A-Za-z0-9\-_.!~*'()%&=+$,;/:]*\?[A-Za-z0-9\-_.!~*'()%&=+$,;?/:]*@/i;

/** The oracle's diagnostic `d` is one we intentionally dropped (3. above). `lineText(n)` is line n of the input. */
function droppedByUs(d: Diagnostic, lineText: (n: number) => string, uri: string | undefined): boolean {
  if (d.rule === RULE.headerCtl) return ctlsAllQuotedPairs(lineText(d.line).slice(Math.max(d.column - 1, 0)));
  if (d.rule === 'RFC3261-25-request-uri') return uri !== undefined && USERINFO_WITH_QUERY.test(uri);
  return false;
}

/** Both diagnostic lists with the intentional differences mapped away. */
export function reconcileDiagnostics(ours: Diagnostic[], ref: Diagnostic[], lineText: (n: number) => string, uri: string | undefined): [Diagnostic[], Diagnostic[]] {
  const o = ours.filter((d) => !ADDED.has(d.rule)).map((d) => (warningNow(d) && d.severity === 'warning' ? { ...d, severity: 'error' as const } : d));
  const r = ref.filter((d) => !droppedByUs(d, lineText, uri) || o.some((x) => x.rule === d.rule && x.line === d.line && x.column === d.column));
  return [o, r];
}

/** `reconcileDiagnostics` applied to two parse results of the same input. */
export function reconcile(input: Buffer, ours: ParseResult, ref: ParseResult): [ParseResult, ParseResult] {
  const lines = input.toString('latin1').split('\n');
  const lineText = (n: number): string => (lines[n - 1] ?? '').replace(/\r$/, '');
  const m = ref.message ?? ours.message;
  const [o, r] = reconcileDiagnostics(ours.diagnostics, ref.diagnostics, lineText, m?.kind === 'request' ? m.uri : undefined);
  return [{ ...ours, diagnostics: o }, { ...ref, diagnostics: r }];
}
