/**
 * `cpm-conformance lint`: judge raw SIP messages — one file = one UDP datagram (RFC 3261 §18.3),
 * or every SIP message of a pcap/pcapng capture — with the strict parser, and report each
 * diagnostic with where it is. A message is well formed when the parser produced it and found
 * no error-severity diagnostic (warnings and infos are shown but do not fail).
 */
import { readFileSync } from 'node:fs';
import { parseMessage } from '../codec/parse';
import type { Diagnostic } from '../codec/diagnostic';
import { readPcap } from '../pcap/reader';

export interface LintedMessage {
  /** File name, with `#<record index>` and the flow for messages from a capture. */
  source: string;
  /** `INVITE sip:...` / `200 OK`, or `(not SIP)` when no message could be parsed. */
  summary: string;
  diagnostics: Diagnostic[];
  wellFormed: boolean;
}

export interface LintOutcome {
  messages: LintedMessage[];
  /** Files that could not be read, captures with damaged records: usage-level problems. */
  problems: string[];
}

/** Lint one message's octets. `stream` = it came from a TCP stream (Content-Length is mandatory). */
export function lintMessage(raw: Buffer, source: string, stream = false): LintedMessage {
  const r = parseMessage(raw, { mode: 'strict', framing: stream ? 'stream' : 'datagram' });
  const diagnostics = [...r.diagnostics];
  if (r.needMore) {
    diagnostics.push({ rule: 'RFC3261-18.3-incomplete', severity: 'error', message: 'the stream ended inside this message (fewer octets than the header section and Content-Length need)', line: 0, column: 0 });
  }
  const m = r.message;
  const summary = m === null ? '(not SIP)' : m.kind === 'request' ? `${m.method} ${m.uri}` : `${m.status} ${m.reason}`;
  return { source, summary, diagnostics, wellFormed: m !== null && !diagnostics.some((d) => d.severity === 'error') };
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
      out.messages.push(lintMessage(buf, file));
      continue;
    }
    const cap = readPcap(buf);
    for (const e of cap.errors) out.problems.push(`${file}: ${e}`);
    for (const p of cap.payloads) {
      out.messages.push(lintMessage(p.payload, `${file}#${p.index} ${p.transport} ${p.src} -> ${p.dst}`, p.transport === 'tcp'));
    }
  }
  return out;
}

/** Human-readable report, one line per diagnostic: `source:line:column: severity rule: message`. */
export function formatLint(outcome: LintOutcome): string {
  const lines: string[] = [];
  for (const m of outcome.messages) {
    lines.push(`${m.source}: ${m.wellFormed ? 'ok' : 'NOT WELL FORMED'} — ${m.summary}`);
    for (const d of m.diagnostics) lines.push(`  ${m.source}:${d.line}:${d.column}: ${d.severity} ${d.rule}: ${d.message}`);
  }
  for (const p of outcome.problems) lines.push(p);
  const bad = outcome.messages.filter((m) => !m.wellFormed).length;
  lines.push(`${outcome.messages.length} message(s), ${bad} not well formed`);
  return lines.join('\n') + '\n';
}
