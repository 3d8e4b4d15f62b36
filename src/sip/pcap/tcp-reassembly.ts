/**
 * TCP byte-stream reassembly per direction (RFC 9293 §3.4 sequence space, modulo 2^32):
 * segments are ordered by sequence number, retransmitted and overlapping octets are taken once,
 * and a hole splits the stream into separate runs (octets across a hole cannot be framed).
 */

export interface TcpSegmentRecord {
  seq: number;
  syn: boolean;
  payload: Buffer;
  /** Frame index and time of the packet, to attribute each octet to the frame carrying it. */
  index: number;
  timestampUs: number;
}

/** A contiguous piece of one direction's byte stream. */
export interface StreamRun {
  data: Buffer;
  /** Octets of this direction's stream before `data` (counted from the octet after the SYN, else the earliest seen). */
  start: number;
  /** Where each carrying segment starts in `data`, ascending. */
  marks: Array<{ offset: number; index: number; timestampUs: number }>;
}

/** Signed distance a-b in 32-bit sequence space. */
function seqDiff(a: number, b: number): number {
  return ((a - b) | 0);
}

export function reassemble(segments: readonly TcpSegmentRecord[]): { runs: StreamRun[]; errors: string[] } {
  const errors: string[] = [];
  if (segments.length === 0) return { runs: [], errors };
  // Base: the octet after the SYN when one was captured, else the earliest data octet seen.
  const syn = segments.find((s) => s.syn);
  let base: number;
  if (syn) base = (syn.seq + 1) >>> 0;
  else {
    base = segments[0].seq;
    for (const s of segments) if (seqDiff(s.seq, base) < 0) base = s.seq;
  }
  const withData = segments
    .filter((s) => s.payload.length > 0)
    .map((s, i) => ({ s, rel: seqDiff(s.syn ? (s.seq + 1) >>> 0 : s.seq, base), i }))
    // Stable order: sequence position, then capture order (first copy of a retransmission wins).
    .sort((a, b) => a.rel - b.rel || a.i - b.i);

  const runs: StreamRun[] = [];
  let parts: Buffer[] = [];
  let marks: StreamRun['marks'] = [];
  let runStart = 0;
  let covered = 0;
  const flush = (): void => {
    if (parts.length) runs.push({ data: Buffer.concat(parts), start: runStart, marks });
    parts = [];
    marks = [];
  };
  for (const { s, rel } of withData) {
    const end = rel + s.payload.length;
    if (end <= covered && parts.length) continue; // retransmission of octets we have
    if (rel < 0) {
      errors.push(`segment in frame ${s.index} lies before the stream start; skipped`);
      continue;
    }
    if (parts.length && rel > covered) {
      errors.push(`missing ${rel - covered} octets before frame ${s.index} (capture hole); stream split`);
      flush();
    }
    if (!parts.length) {
      runStart = rel;
      covered = rel;
    }
    const skip = covered - rel;
    marks.push({ offset: covered - runStart, index: s.index, timestampUs: s.timestampUs });
    parts.push(s.payload.subarray(skip));
    covered = end;
  }
  flush();
  return { runs, errors };
}

/** The frame that carried the octet at `offset` of a run. */
export function markAt(run: StreamRun, offset: number): { index: number; timestampUs: number } {
  let found = run.marks[0];
  for (const m of run.marks) {
    if (m.offset > offset) break;
    found = m;
  }
  return found;
}
