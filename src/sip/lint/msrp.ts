/**
 * MSRP frames in `lint` (issue 17): recognising them, in a file or at the start of a TCP stream,
 * cutting a stream into frames and judging each with the MSRP engine's strict parser
 * (src/msrp/parse.ts and checks.ts). lint.ts turns the result into the same verdicts as SIP.
 *
 * MSRP has no length field (RFC 4975 §5.1): a frame ends at its end-line, so a stream is cut by the
 * engine's own framer (src/msrp/framer.ts) rather than by anything written here.
 */
import type { Diagnostic } from '../codec/diagnostic';
import { looksLikeSip } from '../pcap/sip-framing';
import type { StreamProtocol } from '../pcap/reader';
import { MsrpFramer } from '../../msrp/framer';
import { DEFAULT_MSRP_LIMITS } from '../../msrp/limits';
import { parseFrame } from '../../msrp/parse';
import { MSRP_RULE } from '../../msrp/rules';

const CR = 0x0d;
const LF = 0x0a;

/**
 * RFC 4975 §9 req-start / resp-start: "MSRP" SP transact-id SP method-or-status. The name is
 * matched without regard to case so that a frame spelling it "msrp" is still judged as MSRP (the
 * strict parser then reports the capitals §9 requires) instead of as a SIP message that is not one.
 */
const START = /^MSRP [^ \r\n]+ [^ \r\n]/i;

/** Whether a file is one MSRP frame: its first line begins like an MSRP start line. */
export function isMsrpFrame(raw: Buffer): boolean {
  return START.test(raw.toString('latin1', 0, Math.min(raw.length, DEFAULT_MSRP_LIMITS.maxStartLineBytes))) && !looksLikeSip(raw);
}

/** Whether a TCP stream carries MSRP: after CR/LF the framer also skips, it begins with a start line. */
export function looksLikeMsrp(data: Buffer): boolean {
  let i = 0;
  while (i < data.length && (data[i] === CR || data[i] === LF)) i++;
  return isMsrpFrame(data.subarray(i));
}

export interface MsrpCheck {
  /** The start line (`MSRP a786hjs2 SEND`), or `(not MSRP)` when no frame could be parsed. */
  summary: string;
  parsed: boolean;
  diagnostics: Diagnostic[];
}

/** One frame's octets through the strict parser; `framing` = what the stream framer said first. */
export function checkMsrpFrame(raw: Buffer, framing: readonly Diagnostic[] = []): MsrpCheck {
  const r = parseFrame(raw, { mode: 'strict' });
  const f = r.frame;
  const summary = f === null ? '(not MSRP)'
    : f.kind === 'request' ? `MSRP ${f.transactionId} ${f.method}`
      : `MSRP ${f.transactionId} ${f.status}${f.comment !== undefined ? ` ${f.comment}` : ''}`;
  return { summary, parsed: f !== null, diagnostics: [...framing, ...r.diagnostics] };
}

/** A stream-level finding, placed at the first octet of the unit it stands for. */
const stub = (rule: string, message: string): Diagnostic => ({ rule, severity: 'error', message, line: 1, column: 1 });

/**
 * Cut one reassembled TCP run into frames with the engine's framer. A capture is already in
 * memory, so the frame bound is the run itself: no frame is skipped as oversize. Octets that
 * start no frame, and a frame the stream ends inside, become units of their own so lint reports
 * them with a rule and a place, as it reports a SIP message cut short.
 */
function frameMsrpRun(data: Buffer): ReturnType<StreamProtocol['frame']> {
  const framer = new MsrpFramer({ maxFrameBytes: Math.max(data.length, DEFAULT_MSRP_LIMITS.maxStartLineBytes), maxStartLineBytes: DEFAULT_MSRP_LIMITS.maxStartLineBytes });
  const messages: ReturnType<StreamProtocol['frame']>['messages'] = [];
  let at = 0;
  // The framer drops CR/LF between frames (with a warning on the next frame); follow it to keep offsets.
  const skipLineEnds = (): void => {
    while (at < data.length && (data[at] === CR || data[at] === LF)) at++;
  };
  for (const u of framer.push(data)) {
    skipLineEnds();
    if (u.kind === 'error') {
      // The framer's words are for a live connection ("closed"); a capture is only read.
      const shown = data.subarray(at, at + 60).toString('latin1').split(/[\r\n]/)[0];
      const d = u.diagnostic.rule !== MSRP_RULE.notMsrp ? u.diagnostic
        : stub(MSRP_RULE.notMsrp, `the stream goes on with "${shown}" where an MSRP start line must begin (RFC 4975 §9 msrp-req-or-resp), so its last ${data.length - at} octets cannot be framed`);
      messages.push({ offset: at, length: data.length - at, framing: [d] });
      return { messages, errors: [] };
    }
    const length = u.kind === 'frame' ? u.octets.length : u.totalBytes;
    messages.push({ offset: at, length, framing: u.kind === 'frame' ? u.diagnostics : [u.diagnostic] });
    at += length;
  }
  if (framer.unfinished()) {
    skipLineEnds();
    messages.push({ offset: at, length: data.length - at, framing: [stub(MSRP_RULE.truncated, 'the stream ends inside this frame, before its end-line (RFC 4975 §9: every frame ends with "-------" transaction-id and a flag); a capture that stopped early does this too')] });
  }
  return { messages, errors: [] };
}

/** MSRP for the pcap reader's `streams` option. */
export const MSRP_STREAM: StreamProtocol = { name: 'msrp', detect: looksLikeMsrp, frame: frameMsrpRun };
