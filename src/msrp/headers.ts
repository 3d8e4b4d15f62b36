/**
 * Typed values of the MSRP header fields (RFC 4975 §9): Message-ID, Byte-Range, Status,
 * Success-Report, Failure-Report, Content-Type. Each parser returns null for a value that breaks
 * the grammar, so the strict parser can say so and a lenient reader can fall back to defaults.
 */

/** §9 ident = ALPHANUM 3*31ident-char; ident-char = ALPHANUM / "." / "-" / "+" / "%" / "=" (transaction ids and Message-IDs). */
const IDENT = /^[A-Za-z0-9][A-Za-z0-9.\-+%=]{3,31}$/;

export function isIdent(s: string): boolean {
  return IDENT.test(s);
}

/** §9 Byte-Range: range-start "-" range-end "/" total, `*` meaning not known (yet). Positions are 1-based (§7.1.1). */
export interface ByteRange {
  start: number;
  end: number | '*';
  total: number | '*';
}

function digits(s: string): number | null {
  if (!/^\d{1,15}$/.test(s)) return null;
  return Number(s);
}

export function parseByteRange(value: string): ByteRange | null {
  const m = /^(\d+)-(\d+|\*)\/(\d+|\*)$/.exec(value);
  if (!m) return null;
  const start = digits(m[1]!);
  const end = m[2] === '*' ? '*' : digits(m[2]!);
  const total = m[3] === '*' ? '*' : digits(m[3]!);
  if (start === null || end === null || total === null) return null;
  return { start, end, total };
}

export function formatByteRange(r: ByteRange): string {
  return `${r.start}-${r.end}/${r.total}`;
}

/**
 * Where a range cannot be right whatever the body (§7.1.1: the first octet is position 1; the end
 * is not before the start, except the `1-0/0` of an empty message; nothing lies past the total).
 */
export function byteRangeProblem(r: ByteRange): string | null {
  if (r.start < 1) return 'range-start is 0, but the first octet of a message is at position 1';
  if (r.end !== '*' && r.end < r.start - 1) return `range-end ${r.end} lies before range-start ${r.start}`;
  if (r.total !== '*' && r.end !== '*' && r.end > r.total) return `range-end ${r.end} lies beyond the total ${r.total}`;
  if (r.total !== '*' && r.start > r.total + 1) return `range-start ${r.start} lies beyond the total ${r.total}`;
  return null;
}

/** §9 Status = namespace SP status-code [SP text-reason]; namespace "000" for RFC 4975's codes. */
export interface MsrpStatus {
  namespace: string;
  code: number;
  text?: string;
}

export function parseStatus(value: string): MsrpStatus | null {
  const m = /^(\d{3}) (\d{3})(?: (.*))?$/.exec(value);
  if (!m) return null;
  const s: MsrpStatus = { namespace: m[1]!, code: Number(m[2]) };
  if (m[3] !== undefined) s.text = m[3];
  return s;
}

export function formatStatus(s: MsrpStatus): string {
  return `${s.namespace} ${String(s.code).padStart(3, '0')}${s.text !== undefined ? ` ${s.text}` : ''}`;
}

export type SuccessReport = 'yes' | 'no';
export type FailureReport = 'yes' | 'no' | 'partial';

/** §9 Success-Report: "yes" / "no" (ABNF literals: case-insensitive). */
export function parseSuccessReport(value: string): SuccessReport | null {
  const v = value.toLowerCase();
  return v === 'yes' || v === 'no' ? v : null;
}

/** §9 Failure-Report: "yes" / "no" / "partial". */
export function parseFailureReport(value: string): FailureReport | null {
  const v = value.toLowerCase();
  return v === 'yes' || v === 'no' || v === 'partial' ? v : null;
}

/** §9 media-type = type "/" subtype *( ";" gen-param ), gen-param = pname [ "=" pval ], pval = token / quoted-string. */
export interface MediaType {
  type: string;
  subtype: string;
  params: Array<{ name: string; value?: string }>;
}

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export function parseMediaType(value: string): MediaType | null {
  const slash = value.indexOf('/');
  if (slash < 0) return null;
  const type = value.slice(0, slash);
  let i = slash + 1;
  let j = i;
  while (j < value.length && value[j] !== ';') j++;
  const subtype = value.slice(i, j);
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return null;
  const params: MediaType['params'] = [];
  i = j;
  while (i < value.length) {
    // value[i] === ';'
    i++;
    let k = i;
    while (k < value.length && value[k] !== '=' && value[k] !== ';') k++;
    const name = value.slice(i, k);
    if (!TOKEN.test(name)) return null;
    if (value[k] !== '=') {
      params.push({ name });
      i = k;
      continue;
    }
    k++;
    let v: string;
    if (value[k] === '"') {
      // quoted-string (RFC 3261 §25.1): quoted-pair escapes one character.
      let q = k + 1;
      while (q < value.length && value[q] !== '"') q += value[q] === '\\' ? 2 : 1;
      if (q >= value.length) return null;
      v = value.slice(k, q + 1);
      k = q + 1;
    } else {
      let q = k;
      while (q < value.length && value[q] !== ';') q++;
      v = value.slice(k, q);
      if (!TOKEN.test(v)) return null;
      k = q;
    }
    if (k < value.length && value[k] !== ';') return null;
    params.push({ name, value: v });
    i = k;
  }
  return { type, subtype, params };
}

/** The `type/subtype` of a Content-Type value, lower-cased, for comparisons (MIME types are case-insensitive). */
export function mediaTypeOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
}
