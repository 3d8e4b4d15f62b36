/**
 * SIP message parser over octets. PLACEHOLDER: minimal lenient parse so other layers can start;
 * the codec work replaces the body of these functions keeping their signatures.
 */
import type { SipMessage } from '../message';
import type { Diagnostic } from './diagnostic';

export type ParseMode = 'strict' | 'lenient';

export interface ParseOptions {
  /** strict: report every RFC 3261 §25 deviation as a diagnostic; lenient: what a robust receiver accepts. Default lenient. */
  mode?: ParseMode;
  /** The input is one datagram (octets after the Content-Length body are trailing garbage) or a stream prefix. Default 'datagram'. */
  framing?: 'datagram' | 'stream';
}

export interface ParseResult {
  /** The message, or null when the octets could not be understood as one (diagnostics say why). */
  message: SipMessage | null;
  diagnostics: Diagnostic[];
  /** Octets that make up this message (start line through body). Stream framing uses it to cut the next message. */
  consumed: number;
}

/** Never throws: any input yields a message, diagnostics, or both. */
export function parseMessage(input: Buffer, options: ParseOptions = {}): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const end = input.indexOf('\r\n\r\n');
  if (end < 0) {
    return { message: null, diagnostics: [{ rule: 'RFC3261-7-no-empty-line', severity: 'error', message: 'no empty line ends the header section', line: 0, column: 0 }], consumed: 0 };
  }
  const head = input.subarray(0, end).toString('latin1').replace(/\r\n[ \t]+/g, ' ').split('\r\n');
  const first = head[0] ?? '';
  const headers = head.slice(1).map((l) => {
    const i = l.indexOf(':');
    return { name: l.slice(0, i).trim(), value: l.slice(i + 1).trim() };
  });
  const cl = headers.find((h) => /^(content-length|l)$/i.test(h.name));
  const len = cl ? parseInt(cl.value, 10) : (options.framing === 'stream' ? 0 : input.length - end - 4);
  const body = input.subarray(end + 4, end + 4 + len);
  const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(first);
  const message: SipMessage = m
    ? { kind: 'response', version: 'SIP/2.0', status: Number(m[1]), reason: m[2] ?? '', headers, body: Buffer.from(body) }
    : { kind: 'request', version: 'SIP/2.0', method: first.split(' ')[0] ?? '', uri: first.split(' ')[1] ?? '', headers, body: Buffer.from(body) };
  return { message, diagnostics, consumed: end + 4 + len };
}
