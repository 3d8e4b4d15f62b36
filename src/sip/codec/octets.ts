/**
 * Octet-level scans of the header section for the strict parser (RFC 3261 §25.1: CTL, UTF-8,
 * line ends), kept apart from parse.ts so each stays readable.
 */

/** `scanOctets` bits: a CTL (§25.1, %x00-1F / %x7F) other than HTAB, CR, LF; a non-ASCII octet; a CR not followed by LF. */
const CR = 0x0d;
const LF = 0x0a;
const HT = 0x09;

export const OCT_CTL = 1;
export const OCT_HIGH = 2;
export const OCT_LONE_CR = 4;

/** Class of one octet at `j` of [.., e) for `scanOctets` (LF ends lines, HTAB is LWS: both fine). */
function octetClass(b: Buffer, j: number, e: number): number {
  const c = b[j]!;
  if (c < 0x20) {
    if (c === CR) return j + 1 < e && b[j + 1] === LF ? 0 : OCT_LONE_CR;
    return c === HT || c === LF ? 0 : OCT_CTL;
  }
  return c < 0x7f ? 0 : c === 0x7f ? OCT_CTL : OCT_HIGH;
}

/**
 * One pass over the header-section octets [s, e) answering what strict mode needs before looking
 * at any line: are there CTLs or lone CRs (then each value is checked, §25.1 TEXT-UTF8char
 * excludes CTL) and non-ASCII octets (then values are UTF-8 decoded and validated)? Reads four
 * octets at a time: a word can only hold such an octet if one of its bytes is below 0x20 or
 * above 0x7E, which the classic SWAR tests decide exactly ((w - 0x20..) & ~w flags a byte
 * below 0x20, w flags >= 0x80, w + 0x01.. flags 0x7F); only flagged words (in practice those
 * holding CR LF) are looked at octet by octet.
 */
export function scanOctets(b: Buffer, s: number, e: number): number {
  let r = 0;
  let i = s;
  const off = b.byteOffset;
  while (i < e && ((off + i) & 3) !== 0) r |= octetClass(b, i++, e);
  const words = (e - i) >> 2;
  if (words > 0) {
    const w32 = new Int32Array(b.buffer, off + i, words);
    for (let k = 0; k < words; k++) {
      const w = w32[k]!;
      if ((((w - 0x20202020) & ~w) | w | (w + 0x01010101)) & 0x80808080) {
        const j = i + (k << 2);
        r |= octetClass(b, j, e) | octetClass(b, j + 1, e) | octetClass(b, j + 2, e) | octetClass(b, j + 3, e);
      }
    }
    i += words << 2;
  }
  while (i < e) r |= octetClass(b, i++, e);
  return r;
}

/**
 * Index of the first CTL (§25.1: %x00-1F / %x7F, HTAB excepted as LWS) in `s` that is not the
 * escaped character of a quoted-pair inside a quoted-string, or -1. RFC 3261 §25.1:
 * quoted-pair = "\\" (%x00-09 / %x0B-0C / %x0E-7F), so `"BEL:\\<07>"` is legal (RFC 4475
 * §3.1.1.2 puts BEL, NUL and DEL in a display name that way) while CR and LF never are. Outside a
 * quoted-string a backslash escapes nothing. A quoted-string folded across lines is seen one line
 * at a time: a quote opened on an earlier line is not tracked (such CTLs are still reported).
 */
export function bareCtlAt(s: string): number {
  let inQuote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inQuote && c === 0x5c) {
      const n = s.charCodeAt(i + 1);
      if (n === CR || n === LF) return i + 1;
      i++;
    } else if (c === 0x22) inQuote = !inQuote;
    else if ((c < 0x20 && c !== HT) || c === 0x7f) return i;
  }
  return -1;
}
