/**
 * The Internet checksum (RFC 1071): one's-complement sum of 16-bit big-endian words. Used for the
 * IPv4 header (RFC 791 §3.1) and for UDP/TCP over their pseudo-headers (RFC 768, RFC 9293 §3.1,
 * RFC 8200 §8.1), so Wireshark shows the synthesized packets as "checksum good".
 */

/** Add the 16-bit words of `buf` to a running 32-bit sum (odd length padded with a zero octet). */
export function sumWords(buf: Buffer, initial = 0): number {
  let sum = initial;
  const even = buf.length & ~1;
  // Plain indexed reads: readUInt16BE's bounds check per word was a pcap's main cost (issue 14, profiled).
  for (let i = 0; i < even; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (buf.length & 1) sum += buf[buf.length - 1] << 8;
  // Fold now and then so the sum never leaves the safe-integer range on huge inputs.
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Finish a running sum: fold carries and take the one's complement. */
export function finishChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Checksum of several buffers as if concatenated (each part must have even length but the last). */
export function internetChecksum(...parts: Buffer[]): number {
  let sum = 0;
  for (const p of parts) sum = sumWords(p, sum);
  return finishChecksum(sum);
}
