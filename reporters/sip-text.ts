/** Readable text of a trace entry for attachments: a header line naming the hop, then the octets. */
import type { TraceEntry } from '../src/sip/transport/tap';
import { formatHostPort } from '../src/sip/transport/address';

export function entryHeading(e: TraceEntry): string {
  const arrow = e.direction === 'sent' ? '→' : '←';
  return `#${e.seq} ${e.owner ?? '?'} ${arrow} ${formatHostPort(e.flow.remote)} (${e.flow.protocol.toUpperCase()} ${formatHostPort(e.flow.local)}) at ${new Date(e.wallMs).toISOString()}`;
}

/** The message octets as text; non-printable octets shown as \xNN so garbage is visible, not hidden. */
export function entryText(e: TraceEntry): string {
  let out = '';
  for (const b of e.raw) {
    if (b === 0x0d) continue;
    out += b === 0x0a || b === 0x09 || (b >= 0x20 && b < 0x7f) ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${entryHeading(e)}\n${out}`;
}
