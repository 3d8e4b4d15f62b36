/**
 * `cpm-conformance lint`: judge raw SIP messages — one file = one UDP datagram (RFC 3261 §18.3),
 * or every SIP message of a pcap/pcapng capture — with the strict parser, and report each
 * diagnostic with where it is.
 *
 * Verdicts (RFC 4475's three families): `valid` — the parser produced the message and found no
 * error (warnings and infos are shown but do not fail); `invalid` — an error of grammar, value
 * range or framing (RFC 4475 §3.1.2); `semantic` — syntactically valid, but an error of meaning
 * (RFC 4475 §3.3: missing or repeated single-valued headers, a REGISTER whose To is no SIP URI).
 *
 * MSRP frames (RFC 4975) get the same verdicts (msrp.ts): a file whose first line is an MSRP start
 * line is one frame, and with --pcap TCP streams that begin with one are cut into frames. Their
 * semantic rules are the MSRP engine's (MSRP_SEMANTIC_RULES: §7.1.1 SEND, §7.1.2 REPORT, §7.2).
 */
import { readFileSync } from 'node:fs';
import { parseMessage } from '../codec/parse';
import type { Diagnostic } from '../codec/diagnostic';
import { RULE, SEMANTIC_RULES } from '../codec/rules';
import { readPcap } from '../pcap/reader';
import { MSRP_SEMANTIC_RULES } from '../../msrp/rules';
import { MSRP_STREAM, checkMsrpFrame, isMsrpFrame } from './msrp';

export type LintVerdict = 'valid' | 'invalid' | 'semantic';

/** A diagnostic placed in the octets: `offset` is the 0-based octet of `line`:`column` in the message's input (-1 when not tied to a place). */
export interface LintFinding extends Diagnostic {
  kind: 'syntax' | 'semantic';
  offset: number;
}

export interface LintedMessage {
  /** Which parser judged it (not in the JSON output, whose fields stay those of SIP; the summary tells). */
  protocol: 'sip' | 'msrp';
  /** File name, with `#<record index>` and the flow for messages from a capture (and `msrp@<stream octet>` for MSRP frames). */
  source: string;
  /** `INVITE sip:...` / `200 OK` / `MSRP a786hjs2 SEND`, or `(not SIP)` / `(not MSRP)` when nothing could be parsed. */
  summary: string;
  diagnostics: LintFinding[];
  /** No error-severity finding (the verdict is `valid`). */
  wellFormed: boolean;
  verdict: LintVerdict;
}

export interface LintOutcome {
  messages: LintedMessage[];
  /** Files that could not be read, captures with damaged records: usage-level problems. */
  problems: string[];
}

/** 0-based octet offset of 1-based `line`:`column` in `raw` (lines end with LF, as the parser counts them). */
function offsetOf(raw: Buffer, line: number, column: number): number {
  if (line < 1) return -1;
  let at = 0;
  for (let l = 1; l < line; l++) {
    const lf = raw.indexOf(0x0a, at);
    if (lf < 0) return -1;
    at = lf + 1;
  }
  return Math.min(at + Math.max(column, 1) - 1, raw.length);
}

/**
 * Line and column of the first Content-Length value in the header section, or null. The parser
 * ties a truncated body to the start line; lint points at the value that promised the octets.
 */
function contentLengthAt(raw: Buffer): { line: number; column: number } | null {
  const end = raw.indexOf('\r\n\r\n');
  const lines = raw.toString('latin1', 0, end < 0 ? raw.length : end).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(?:content-length|l)[ \t]*:[ \t]*/i.exec(lines[i]!);
    if (m) return { line: i + 1, column: m[0].length + 1 };
  }
  return null;
}

/** Lint one message's octets. `stream` = it came from a TCP stream (Content-Length is mandatory). */
export function lintMessage(raw: Buffer, source: string, stream = false): LintedMessage {
  const r = parseMessage(raw, { mode: 'strict', framing: stream ? 'stream' : 'datagram' });
  const diagnostics: Diagnostic[] = [...r.diagnostics];
  if (r.needMore) {
    diagnostics.push({ rule: 'RFC3261-18.3-incomplete', severity: 'error', message: 'the stream ended inside this message (fewer octets than the header section and Content-Length need)', line: 0, column: 0 });
  }
  const placed = diagnostics.map((d) => {
    const at = d.rule === RULE.bodyTruncated ? contentLengthAt(raw) : null;
    return at ? { ...d, ...at } : d;
  });
  const m = r.message;
  const summary = m === null ? '(not SIP)' : m.kind === 'request' ? `${m.method} ${m.uri}` : `${m.status} ${m.reason}`;
  return judge('sip', raw, source, summary, m !== null, placed, SEMANTIC_RULES);
}

/** Lint one MSRP frame's octets; `framing` = what the stream framer said about it (pcap). */
export function lintMsrpFrame(raw: Buffer, source: string, framing: readonly Diagnostic[] = []): LintedMessage {
  const c = checkMsrpFrame(raw, framing);
  return judge('msrp', raw, source, c.summary, c.parsed, c.diagnostics, MSRP_SEMANTIC_RULES);
}

/** The verdict, shared by SIP and MSRP: nothing parsed or a syntax error is invalid, other errors are semantic. */
function judge(protocol: LintedMessage['protocol'], raw: Buffer, source: string, summary: string, parsed: boolean, diagnostics: readonly Diagnostic[], semantic: ReadonlySet<string>): LintedMessage {
  const findings: LintFinding[] = diagnostics.map((d) => ({ ...d, kind: semantic.has(d.rule) ? 'semantic' : 'syntax', offset: offsetOf(raw, d.line, d.column) }));
  const errors = findings.filter((d) => d.severity === 'error');
  const verdict: LintVerdict = !parsed || errors.some((d) => d.kind === 'syntax') ? 'invalid' : errors.length > 0 ? 'semantic' : 'valid';
  return { protocol, source, summary, diagnostics: findings, wellFormed: verdict === 'valid', verdict };
}

export function lintFiles(files: readonly string[], options: { pcap?: boolean } = {}): LintOutcome {
  const out: LintOutcome = { messages: [], problems: [] };
  for (const file of files) {
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch (err) {
      out.problems.push(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      continue;
    }
    if (!options.pcap) {
      out.messages.push(isMsrpFrame(buf) ? lintMsrpFrame(buf, file) : lintMessage(buf, file));
      continue;
    }
    const cap = readPcap(buf, { streams: [MSRP_STREAM] });
    for (const e of cap.errors) out.problems.push(`${file}: ${e}`);
    for (const p of cap.payloads) {
      const source = `${file}#${p.index} ${p.transport} ${p.src} -> ${p.dst}`;
      out.messages.push(p.protocol === MSRP_STREAM.name
        // The stream octet tells frames apart that one TCP segment carried together.
        ? lintMsrpFrame(p.payload, `${source} msrp@${p.streamOffset ?? 0}`, p.framing)
        : lintMessage(p.payload, source, p.transport === 'tcp'));
    }
  }
  return out;
}

const LABEL: Record<LintVerdict, string> = { valid: 'ok', invalid: 'NOT WELL FORMED', semantic: 'WELL FORMED, SEMANTICALLY WRONG' };

/** Human-readable report, one line per diagnostic: `source:line:column: severity rule: message (octet N)`. */
export function formatLint(outcome: LintOutcome): string {
  const lines: string[] = [];
  for (const m of outcome.messages) {
    lines.push(`${m.source}: ${LABEL[m.verdict]} — ${m.summary}`);
    for (const d of m.diagnostics) lines.push(`  ${m.source}:${d.line}:${d.column}: ${d.severity} ${d.rule}: ${d.message}${d.offset >= 0 ? ` (octet ${d.offset})` : ''}`);
  }
  for (const p of outcome.problems) lines.push(p);
  const invalid = outcome.messages.filter((m) => m.verdict === 'invalid').length;
  const semantic = outcome.messages.filter((m) => m.verdict === 'semantic').length;
  const msrp = outcome.messages.filter((m) => m.protocol === 'msrp').length;
  lines.push(`${outcome.messages.length} message(s)${msrp > 0 ? ` (${msrp} MSRP)` : ''}, ${invalid} not well formed${semantic > 0 ? `, ${semantic} semantically wrong` : ''}`);
  return lines.join('\n') + '\n';
}

/** Machine-readable report for CI: one JSON object per message, one per line (JSON Lines). */
export function formatLintJson(outcome: LintOutcome): string {
  return outcome.messages.map((m) => JSON.stringify({
    source: m.source,
    summary: m.summary,
    verdict: m.verdict,
    findings: m.diagnostics.map((d) => ({ rule: d.rule, severity: d.severity, kind: d.kind, line: d.line, column: d.column, offset: d.offset, message: d.message })),
  })).map((l) => l + '\n').join('');
}
