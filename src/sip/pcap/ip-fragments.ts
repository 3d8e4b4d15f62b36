/**
 * IP fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5), enough for SIP over UDP: a large INVITE
 * on a real network arrives as several fragments and only the first carries the UDP header.
 */
interface Pending {
  parts: Array<{ offset: number; data: Buffer }>;
  /** Total length, known once the last fragment (more-fragments clear) arrived. */
  total: number | null;
}

export class FragmentReassembler {
  private readonly pending = new Map<string, Pending>();

  /** Add a fragment; returns the whole payload when the datagram is complete, else null. */
  add(key: string, offset: number, more: boolean, data: Buffer): Buffer | null {
    let p = this.pending.get(key);
    if (!p) {
      p = { parts: [], total: null };
      this.pending.set(key, p);
    }
    p.parts.push({ offset, data });
    if (!more) p.total = offset + data.length;
    if (p.total === null) return null;
    p.parts.sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const part of p.parts) {
      if (part.offset > covered) return null; // a hole remains
      covered = Math.max(covered, part.offset + part.data.length);
    }
    if (covered < p.total) return null;
    const out = Buffer.alloc(p.total);
    for (const part of p.parts) part.data.copy(out, part.offset, 0, Math.max(0, Math.min(part.data.length, p.total - part.offset)));
    this.pending.delete(key);
    return out;
  }

  /** Keys of datagrams still missing fragments (reported as errors at the end of a file). */
  incomplete(): string[] {
    return [...this.pending.keys()];
  }
}
