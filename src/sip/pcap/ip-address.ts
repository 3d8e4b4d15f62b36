/**
 * IP literal <-> octets, for the pcap writer and reader. Node has no inet_pton, and the tap's
 * addresses are text (`Address.host`, IPv6 without brackets, maybe with a zone id or in the
 * IPv4-mapped form a dual-stack socket reports, RFC 4291 §2.5.5.2).
 */

/** Parse dotted-quad IPv4 text; null when it is not one. */
export function parseIPv4(text: string): Buffer | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return null;
    const n = Number(parts[i]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** Parse IPv6 text (RFC 4291 §2.2, incl. `::` and a trailing dotted quad; zone id ignored). */
export function parseIPv6(text: string): Buffer | null {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  if (!t.includes(':')) return null;
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const words = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const groups = s.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIPv4(g);
        if (!v4) return null;
        out.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/** Octets of an address: 4 for IPv4, 16 for IPv6; `localhost` is taken as the loopback. */
export function ipToBytes(host: string): Buffer | null {
  if (host === 'localhost') return Buffer.from([127, 0, 0, 1]);
  return parseIPv4(host) ?? parseIPv6(host);
}

/** The embedded IPv4 address of an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else null. */
export function unmapIPv4(addr: Buffer): Buffer | null {
  if (addr.length !== 16) return null;
  for (let i = 0; i < 10; i++) if (addr[i] !== 0) return null;
  if (addr[10] !== 0xff || addr[11] !== 0xff) return null;
  return addr.subarray(12, 16);
}

/** IPv4-mapped IPv6 form of an IPv4 address. */
export function mapIPv4(addr: Buffer): Buffer {
  const out = Buffer.alloc(16);
  out[10] = 0xff;
  out[11] = 0xff;
  addr.copy(out, 12);
  return out;
}

/** Text of an address: dotted quad, or RFC 5952 canonical IPv6 (longest zero run compressed). */
export function bytesToIp(addr: Buffer): string {
  if (addr.length === 4) return Array.from(addr).join('.');
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push(addr.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    // RFC 5952 §4.2.2: a single zero group is not compressed.
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = w.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** `host:port`, IPv6 in brackets (RFC 3986 §3.2.2), as `Address` text elsewhere in the engine. */
export function formatEndpoint(addr: Buffer, port: number): string {
  const host = bytesToIp(addr);
  return addr.length === 16 ? `[${host}]:${port}` : `${host}:${port}`;
}
