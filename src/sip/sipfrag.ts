/**
 * message/sipfrag bodies (RFC 3420) as the refer event package carries them (RFC 3515 §2.4.5): a
 * NOTIFY reports the progress of the referenced request by the status line of its latest response.
 */

/** The status line a message/sipfrag body starts with (`SIP/2.0 200 OK`), or null when it starts with none. */
export function sipfragStatus(body: Buffer): { status: number; reason: string } | null {
  const m = /^SIP\/2\.0 (\d{3})(?: ([^\r\n]*))?/.exec(body.toString('utf8'));
  return m ? { status: Number(m[1]), reason: m[2] ?? '' } : null;
}

/** A message/sipfrag body holding only a status line (RFC 3515 §2.4.5: the minimum a NOTIFY carries). */
export function sipfrag(status: number, reason: string): Buffer {
  return Buffer.from(`SIP/2.0 ${status} ${reason}\r\n`, 'utf8');
}
