/**
 * How the views show an MSRP frame of the merged trace (RFC 4975): the arrow's label
 * ("MSRP SEND (chunk 1/3)", "MSRP 200 OK", "MSRP REPORT 200"), its key headers on hover, and the
 * chunk ordinals of each message. A message is sent as several SENDs sharing its Message-ID, each
 * naming its octets by Byte-Range (§5.1, §7.1.1): the ordinal is the chunk's place among the SENDs
 * of that Message-ID on the wire, which is what a reader of the ladder needs to see it reassembled.
 */
import type { TraceEntry } from '../src/sip/transport/tap';
import { H, header, type MsrpFrame } from '../src/msrp/message';

/** Header fields an MSRP arrow shows on hover, in §9 order. */
const HOVER_HEADERS = [H.toPath, H.fromPath, H.messageId, H.byteRange, H.successReport, H.failureReport, H.status, H.contentType];

export function isMsrp(e: TraceEntry): boolean {
  return e.protocol === 'msrp';
}

/**
 * "i/n" of each SEND chunk, by trace seq, over the wire messages (each traced once): only for
 * messages sent as more than one chunk, so a one-chunk message reads as plain "MSRP SEND".
 */
export function chunkOrdinals(kept: readonly TraceEntry[]): Map<number, string> {
  const byMessage = new Map<string, number[]>();
  for (const e of kept) {
    const f = e.msrp;
    if (!isMsrp(e) || !f || f.kind !== 'request' || f.method !== 'SEND' || f.body === null) continue;
    // Per hop and direction: a B2BUA's relayed copy keeps the Message-ID on its other leg.
    const [src, dst] = e.direction === 'sent' ? [e.flow.local, e.flow.remote] : [e.flow.remote, e.flow.local];
    const key = `${header(f, H.messageId) ?? ''}|${src.host}:${src.port}>${dst.host}:${dst.port}`;
    const list = byMessage.get(key);
    if (list) list.push(e.seq);
    else byMessage.set(key, [e.seq]);
  }
  const out = new Map<number, string>();
  for (const seqs of byMessage.values()) {
    if (seqs.length > 1) seqs.forEach((seq, i) => out.set(seq, `${i + 1}/${seqs.length}`));
  }
  return out;
}

/** The arrow's label: method or status of the frame, and the chunk it is of its message. */
export function msrpLabel(f: MsrpFrame | null | undefined, chunk?: string): string {
  if (!f) return 'MSRP (unparseable octets)';
  if (f.kind === 'response') return `MSRP ${f.status}${f.comment ? ` ${f.comment}` : ''}`;
  if (f.method === 'SEND' && f.body === null) return 'MSRP SEND (bodiless)';
  if (f.method === 'REPORT') {
    const status = header(f, H.status)?.split(' ')[1];
    return `MSRP REPORT${status ? ` ${status}` : ''}`;
  }
  return `MSRP ${f.method}${chunk ? ` (chunk ${chunk})` : ''}`;
}

/** Start line and key headers of a frame, for the arrow's hover text. */
export function msrpHover(f: MsrpFrame | null | undefined): string[] {
  if (!f) return [];
  const start = f.kind === 'request' ? `MSRP ${f.transactionId} ${f.method}` : `MSRP ${f.transactionId} ${f.status}`;
  const out = [start];
  for (const name of HOVER_HEADERS) {
    const v = header(f, name);
    if (v !== undefined) out.push(`${name}: ${v}`);
  }
  if (f.body && f.body.length > 0) out.push(`(${f.body.length} octets of ${header(f, H.contentType) ?? 'content'})`);
  return out;
}

/** Short text for an attachment's name: the frame's label. */
export function msrpShort(e: TraceEntry): string {
  return msrpLabel(e.msrp);
}
