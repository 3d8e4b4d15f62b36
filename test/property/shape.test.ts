/**
 * The allocation-free shape scanners that strict mode uses give the same verdicts as the typed
 * parsers they stand in for (RFC 3261 §25.1 via-parm, name-addr / addr-spec, SIP-URI,
 * media-type), on values built from grammar-significant pieces and on arbitrary strings, and on
 * sub-ranges of a longer string (how list elements are scanned in place).
 */
import fc from 'fast-check';
import { FUZZ_RUNS } from './runs';
import { isJsSpace, scanParams, parseParams, PARAMS_BAD, PARAMS_WANT_VALUE } from '../../src/sip/headers/lex';
import { parseVia, viaShape, VIA_BAD, VIA_BRANCH } from '../../src/sip/headers/via';
import { parseNameAddr, nameAddrShape, NAME_ADDR_BAD, NAME_ADDR_TAG } from '../../src/sip/headers/name-addr';
import { parseContentType, isParsableContentType } from '../../src/sip/headers/content';
import { parseUri, isParsableUri } from '../../src/sip/uri';
import { canonicalName } from '../../src/sip/message';
import { structured } from './arbitraries';
import { headerKind, H_OTHER } from '../../src/sip/lint/semantics';

const RUNS = Math.max(1000, Math.round(FUZZ_RUNS / 10));

const PIECES = ['SIP', '/', '2.0', 'UDP', 'TCP', ' ', '\t', '  ', 'host', 'a.b-c_d', '[', ']', '::1', '2001:db8::1', 'g', ':', '5060', '65536',
  '123456', ';', 'branch', 'BRANCH', 'Branch', 'tag', 'TAG', 'tAg', 'ta', 'lr', '=', '"', '\\', '"x\\"y"', '<', '>', 'sip', 'sips', 'SIP',
  'tel', '+1', '@', 'user', '?', '&', 'h=v', ',', '*', 'application', 'sdp', 'é', '\u00a0', '\u2028', '\ufeff', '\u212a', '\r', '\n',
  '\x00', '\x0b', 'x', '1', '.', '-', '%', '%41', '__proto__', 'constructor'];
const grammarish = fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }).map((p) => p.join(''));
const input = fc.oneof({ weight: 4, arbitrary: grammarish }, { weight: 4, arbitrary: structured },
  { weight: 1, arbitrary: fc.string({ maxLength: 24 }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) });
/** A value embedded in a longer string, as the list scanner sees elements. */
const framed = fc.tuple(input, grammarish, grammarish);

/**
 * `expect(actual).toBe(expected)`, paid only on a mismatch: a passing jest `expect` costs more than
 * the scanners it checks (its matcher state and an assertion error built per call), so at 20k
 * inputs per property it was most of this file's time. The failing case still gets jest's message.
 */
function agree<T>(actual: T, expected: T): void {
  if (actual !== expected) expect(actual).toBe(expected);
}

const via = (v: string): number => { const p = parseVia(v); return p === null ? VIA_BAD : p.branch !== undefined ? VIA_BRANCH : 0; };
const nameAddr = (v: string): number => {
  const p = parseNameAddr(v);
  return p === null ? NAME_ADDR_BAD : typeof p.params['tag'] === 'string' ? NAME_ADDR_TAG : 0;
};
const params = (v: string, want: string): number => {
  const p = parseParams(v, 0);
  return p === null ? PARAMS_BAD : typeof p.params[want] === 'string' ? PARAMS_WANT_VALUE : 0;
};

describe('shape scanners agree with the parsers', () => {
  it('isJsSpace is what String.prototype.trim removes', () => {
    const wrong: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (isJsSpace(c) !== (String.fromCharCode(c).trim() === '')) wrong.push(c);
    expect(wrong).toEqual([]);
  });

  it('headerKind is canonicalName restricted to the checked headers', () => {
    const names = ['via', 'v', 'From', 'f', 'TO', 't', 'Call-ID', 'i', 'CSeq', 'Max-Forwards', 'Contact', 'm', 'Route', 'Record-Route',
      'Content-Type', 'c', 'Expires', 'Min-Expires', 'Content-Length', 'l', 'k', 'Subject', 'Content-Lengthx', 'viA', 'frOm', 'c0ntact',
      'Date', 'dATE', 'Accept', 'Require', 'Proxy-Require', 'proxy-require', 'Requires'];
    const kindOf = new Map<string, number>();
    for (const n of names) {
      const k = headerKind(n);
      if (k === H_OTHER) continue;
      const c = canonicalName(n);
      if (kindOf.has(c)) agree(kindOf.get(c), k);
      kindOf.set(c, k);
    }
    expect(kindOf.size).toBe(17);
    fc.assert(fc.property(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 15 }), fc.string({ unit: 'binary', maxLength: 15 })), (n) => {
      const k = headerKind(n);
      const c = canonicalName(n);
      if (kindOf.has(c)) agree(k, kindOf.get(c));
      else agree(k, H_OTHER);
    }), { numRuns: RUNS });
  });

  it('scanParams ≡ parseParams', () => {
    fc.assert(fc.property(input, fc.constantFrom('branch', 'tag'), (v, want) => {
      agree(scanParams(v, 0, v.length, want), params(v, want));
    }), { numRuns: RUNS });
  });

  it('viaShape ≡ parseVia', () => {
    fc.assert(fc.property(framed, ([v, pre, post]) => {
      agree(viaShape(v), via(v));
      agree(viaShape(pre + v + post, pre.length, pre.length + v.length), via(v));
    }), { numRuns: RUNS });
  });

  it('nameAddrShape ≡ parseNameAddr', () => {
    fc.assert(fc.property(framed, ([v, pre, post]) => {
      agree(nameAddrShape(v), nameAddr(v));
      agree(nameAddrShape(pre + v + post, pre.length, pre.length + v.length), nameAddr(v));
    }), { numRuns: RUNS });
  });

  it('isParsableUri ≡ parseUri !== null', () => {
    fc.assert(fc.property(input, (v) => { agree(isParsableUri(v), parseUri(v) !== null); }), { numRuns: RUNS });
  });

  it('isParsableContentType ≡ parseContentType !== null', () => {
    fc.assert(fc.property(input, (v) => { agree(isParsableContentType(v), parseContentType(v) !== null); }), { numRuns: RUNS });
  });
});
