/**
 * SIP message serializer. Emits the start line and the headers in their stored order and
 * spelling (`Name: value`), and sets Content-Length to the body's octet count (RFC 3261 §20.14)
 * unless told to keep it as is. A message parsed from well-formed octets re-serializes to the
 * same octets, except that folded lines come out unfolded (§7.3.1 makes both equivalent) and
 * spacing around the colon is normalised.
 *
 * To put deliberately malformed or byte-exact octets on the wire (RFC 4475 style), do not build a
 * SipMessage at all: pass a Buffer to `Transport.send` (transport/transport.ts), which sends
 * caller-supplied octets unchanged. `rawMessage` below only turns text into such a Buffer.
 */
import type { SipMessage } from '../message';

export interface SerializeOptions {
  /** Keep a Content-Length header exactly as stored even if it disagrees with the body (to send odd messages on purpose). */
  keepContentLength?: boolean;
}

function isContentLength(name: string): boolean {
  return name.length === 1 ? name === 'l' || name === 'L' : name.length === 14 && name.toLowerCase() === 'content-length';
}

export function serializeMessage(msg: SipMessage, options: SerializeOptions = {}): Buffer {
  let head = msg.kind === 'request' ? `${msg.method} ${msg.uri} ${msg.version}\r\n` : `${msg.version} ${msg.status} ${msg.reason}\r\n`;
  let sawLength = false;
  for (const h of msg.headers) {
    if (isContentLength(h.name)) {
      if (options.keepContentLength) head += `${h.name}: ${h.value}\r\n`;
      else if (!sawLength) head += `${h.name}: ${msg.body.length}\r\n`;
      sawLength = true;
    } else head += `${h.name}: ${h.value}\r\n`;
  }
  if (!sawLength) head += `Content-Length: ${msg.body.length}\r\n`;
  head += '\r\n';
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  return Buffer.concat([Buffer.from(head, 'utf8'), msg.body]);
}

/**
 * Octets for `Transport.send` from text written with LF or CRLF line ends: LF becomes CRLF in the
 * header section only; the body (after the first empty line) is kept byte for byte.
 */
export function rawMessage(text: string, body: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8'), body]);
}
