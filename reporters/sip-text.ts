/** Readable text of a trace entry for attachments: a header line naming the hop, then the octets. */
import type { TraceEntry } from '../src/sip/transport/tap';
import { formatHostPort } from '../src/sip/transport/address';

export function entryHeading(e: TraceEntry): string {
  const arrow = e.direction === 'sent' ? '→' : '←';
  return `#${e.seq} ${e.owner ?? '?'} ${arrow} ${formatHostPort(e.flow.remote)} (${e.protocol === 'msrp' ? 'MSRP/' : ''}${e.flow.protocol.toUpperCase()} ${formatHostPort(e.flow.local)}) at ${new Date(e.wallMs).toISOString()}`;
}

/** The message octets as text; non-printable octets shown as \xNN so garbage is visible, not hidden. */
export function entryText(e: TraceEntry): string {
  // latin1 maps each octet to the code point of its value, so one regex pass sees the octets; a
  // per-octet string concatenation here cost 2.7 s of a default run's report work (profiled).
  // Every CR goes first, natively (one per line, each a callback of the regex below otherwise).
  const out = e.raw.toString('latin1').replaceAll('\r', '').replace(/[^\n\t\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `${entryHeading(e)}\n${out}`;
}
