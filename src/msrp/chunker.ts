/**
 * Splitting a message into SEND chunks (RFC 4975 §5.1, §7.1.1). Every chunk carries the same
 * Message-ID, its own transaction id, a Byte-Range of 1-based octet positions with the message's
 * total, and the continuation flag `+` except the last, which ends with `$`. A sender may also
 * interrupt a chunk mid-body (§5.1: to let another message through) and resume the rest later in
 * a new SEND; `interruptChunk` builds that pair.
 */
import type { MsrpRequest } from './message';
import { H, header } from './message';
import { buildSend, type SendFields } from './build';
import { formatByteRange, parseByteRange } from './headers';
import { newMessageId, transactionIdFor } from './ids';

export interface ChunkFields extends Omit<SendFields, 'body' | 'byteRange' | 'flag' | 'transactionId' | 'messageId'> {
  messageId?: string;
  body: Buffer;
  /** Octets of body per SEND. */
  chunkSize: number;
}

/** The SENDs carrying `body`, in order. A zero-octet body is one SEND with Byte-Range 1-0/0. */
export function chunkMessage(f: ChunkFields): MsrpRequest[] {
  if (!Number.isSafeInteger(f.chunkSize) || f.chunkSize <= 0) throw new RangeError(`chunkSize must be a positive integer, got ${String(f.chunkSize)}`);
  const messageId = f.messageId ?? newMessageId();
  const total = f.body.length;
  const out: MsrpRequest[] = [];
  let offset = 0;
  do {
    const part = f.body.subarray(offset, offset + f.chunkSize);
    const last = offset + part.length >= total;
    out.push(buildSend({
      ...f, messageId, body: part,
      byteRange: { start: offset + 1, end: offset + part.length, total },
      flag: last ? '$' : '+',
    }));
    offset += part.length;
  } while (offset < total);
  return out;
}

function withRange(send: MsrpRequest, value: string): MsrpRequest['headers'] {
  return send.headers.map((h) => (h.name.toLowerCase() === 'byte-range' ? { name: h.name, value } : h));
}

/**
 * A chunk cut after `keep` body octets, as a sender interrupting it writes it (§5.1: the
 * end-line comes early with `+`; the Byte-Range end is `*` because the sender could not know
 * where the chunk would stop), and the SEND that resumes from the next octet with the original
 * flag. The receiver counts the octets that actually arrived.
 */
export function interruptChunk(send: MsrpRequest, keep: number): [MsrpRequest, MsrpRequest] {
  const body = send.body ?? Buffer.alloc(0);
  const range = parseByteRange(header(send, H.byteRange) ?? '') ?? { start: 1, end: body.length, total: '*' as const };
  if (!(keep >= 0 && keep < body.length)) throw new RangeError(`keep must be below the chunk's ${body.length} octets, got ${keep}`);
  const head = body.subarray(0, keep);
  const rest = body.subarray(keep);
  const cut: MsrpRequest = {
    ...send, transactionId: transactionIdFor(head), body: head, flag: '+',
    headers: withRange(send, formatByteRange({ start: range.start, end: '*', total: range.total })),
  };
  const resumed: MsrpRequest = {
    ...send, transactionId: transactionIdFor(rest), body: rest,
    headers: withRange(send, formatByteRange({ start: range.start + keep, end: range.start + body.length - 1, total: range.total })),
  };
  return [cut, resumed];
}
