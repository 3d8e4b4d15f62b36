/**
 * MSRP frame serializer (RFC 4975 §9): start line, the header fields in their stored order and
 * spelling (`Name: value`, one SP as §9 requires), then — when the frame has a body — an empty
 * line, the body and a CRLF (§9 content-stuff), and the end-line with the continuation flag.
 *
 * A frame parsed from well-formed octets serializes back to the same octets. To put deliberately
 * malformed octets on the wire, write a Buffer instead (connection.ts `writeRaw`).
 */
import { endLine, startLine, type MsrpFrame } from './message';

/** Whether `body` holds the end-line of transaction `transactionId` (it would end the frame early, §9 data). */
export function bodyHoldsEndLine(body: Buffer | null, transactionId: string): boolean {
  return body !== null && body.indexOf(`-------${transactionId}`, 0, 'latin1') >= 0;
}

/** Throws RangeError when the body contains the frame's own end-line: no receiver could frame it. */
export function serializeFrame(frame: MsrpFrame): Buffer {
  if (bodyHoldsEndLine(frame.body, frame.transactionId)) {
    throw new RangeError(`the body contains the end-line of transaction ${frame.transactionId}; choose another transaction id (RFC 4975 §9 data)`);
  }
  let head = `${startLine(frame)}\r\n`;
  for (const h of frame.headers) head += `${h.name}: ${h.value}\r\n`;
  const end = `${endLine(frame.transactionId, frame.flag)}\r\n`;
  if (frame.body === null) return Buffer.from(head + end, 'utf8');
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'utf8'), frame.body, Buffer.from(`\r\n${end}`, 'latin1')]);
}
