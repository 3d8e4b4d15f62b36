/**
 * Cut SIP messages out of a reassembled byte stream. Over a stream transport the message length
 * comes only from Content-Length, which is mandatory there (RFC 3261 §18.3, §20.14; compact form
 * `l`, §7.3.3). CRLF keep-alives between messages (RFC 5626 §3.5.1) are skipped.
 */

/** Start line of a request (method SP Request-URI SP SIP-Version) or a status line (§7.1, §7.2). */
const START_LINE = /^(?:SIP\/2\.0 \d{3}(?: |\r\n)|[A-Za-z0-9!%*_+`'~.-]+ \S+ SIP\/2\.0\r\n)/;
const CONTENT_LENGTH = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*(?=\r\n)/i;

/** Whether octets begin like a SIP message (after any leading CRLF keep-alives). */
export function looksLikeSip(data: Buffer): boolean {
  let i = 0;
  while (i < data.length && (data[i] === 0x0d || data[i] === 0x0a)) i++;
  // A start line is short; 2048 octets is generous for a long Request-URI.
  return START_LINE.test(data.subarray(i, i + 2048).toString('latin1'));
}

export interface FramedMessage {
  /** Offset of the message's first octet in the stream. */
  offset: number;
  length: number;
}

export interface Framing {
  messages: FramedMessage[];
  errors: string[];
}

/** Split a stream into messages; stops at the first octets that do not start a SIP message. */
export function frameSipStream(data: Buffer): Framing {
  const messages: FramedMessage[] = [];
  const errors: string[] = [];
  let off = 0;
  while (off < data.length) {
    while (off < data.length && (data[off] === 0x0d || data[off] === 0x0a)) off++;
    if (off >= data.length) break;
    const headEnd = data.indexOf('\r\n\r\n', off, 'latin1');
    if (!START_LINE.test(data.subarray(off, Math.min(data.length, off + 2048)).toString('latin1'))) {
      errors.push(`stream offset ${off}: octets do not start a SIP message; ${data.length - off} octets left unframed`);
      break;
    }
    if (headEnd < 0) {
      errors.push(`stream offset ${off}: header section not terminated by an empty line before the end of the stream`);
      messages.push({ offset: off, length: data.length - off });
      break;
    }
    // Prefix with CRLF so the first header line matches like the others.
    const head = '\r\n' + data.subarray(off, headEnd).toString('latin1').replace(/\r\n[ \t]+/g, ' ') + '\r\n';
    const m = CONTENT_LENGTH.exec(head);
    let bodyLen = 0;
    if (m) bodyLen = Number(m[1]);
    else errors.push(`stream offset ${off}: no Content-Length on a stream transport (RFC 3261 §18.3); assuming 0`);
    const end = headEnd + 4 + bodyLen;
    if (end > data.length) {
      errors.push(`stream offset ${off}: body shorter than Content-Length ${bodyLen} (stream ends)`);
      messages.push({ offset: off, length: data.length - off });
      break;
    }
    messages.push({ offset: off, length: end - off });
    off = end;
  }
  return { messages, errors };
}
