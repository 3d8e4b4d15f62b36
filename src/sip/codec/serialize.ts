/**
 * SIP message serializer. Emits the headers in their stored order and spelling, and sets
 * Content-Length to the body's octet count (RFC 3261 §20.14) unless told to keep it as is.
 */
import type { SipMessage } from '../message';
import { canonicalName } from '../message';

export interface SerializeOptions {
  /** Keep a Content-Length header exactly as stored even if it disagrees with the body (to send odd messages on purpose). */
  keepContentLength?: boolean;
}

export function serializeMessage(msg: SipMessage, options: SerializeOptions = {}): Buffer {
  const lines: string[] = [msg.kind === 'request' ? `${msg.method} ${msg.uri} ${msg.version}` : `${msg.version} ${msg.status} ${msg.reason}`];
  let sawLength = false;
  for (const h of msg.headers) {
    if (canonicalName(h.name) === 'content-length') {
      if (sawLength && !options.keepContentLength) continue;
      sawLength = true;
      lines.push(`${h.name}: ${options.keepContentLength ? h.value : msg.body.length}`);
    } else lines.push(`${h.name}: ${h.value}`);
  }
  if (!sawLength) lines.push(`Content-Length: ${msg.body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8'), msg.body]);
}
