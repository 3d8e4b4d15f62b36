/**
 * Per-hop judgements for a request relayed by a Participating Function (RFC 3261 §16.6 and §16.7
 * as C.2.3.1 relies on them): what the PF received from one core and what it emitted to the next.
 */
import type { SipMessage } from '../../src/sip/message';
import { header } from '../../src/sip/message';
import { vias } from '../../src/sip/headers/via';
import type { Address } from '../../src/sip/transport/address';
import type { Mismatch } from '../../src/harness/template';

export function viaNames(msg: SipMessage, addr: Address): boolean {
  const v = vias(msg)[0];
  return v !== undefined && v.host === addr.host && (v.port ?? 5060) === addr.port;
}

export function viaList(msg: SipMessage): string[] {
  return vias(msg).map((v) => `${v.host}:${v.port ?? 5060};branch=${v.branch ?? ''}`);
}

/** A proxy relays a request: its own Via on top of exactly the Vias it received, Max-Forwards − 1, dialog identifiers unchanged. */
export function proxiedRequestMismatches(received: SipMessage, emitted: SipMessage, pf: Address): Mismatch[] {
  const out: Mismatch[] = [];
  if (!viaNames(emitted, pf)) out.push({ field: 'top Via', expected: `the PF's own Via (${pf.host}:${pf.port})`, actual: viaList(emitted)[0] ?? '(none)' });
  const inV = viaList(received).join(' | ');
  const outV = viaList(emitted).slice(1).join(' | ');
  if (inV !== outV) out.push({ field: 'Via below the top', expected: inV, actual: outV });
  const mfIn = Number(header(received, 'Max-Forwards'));
  const mfOut = Number(header(emitted, 'Max-Forwards'));
  if (mfOut !== mfIn - 1) out.push({ field: 'Max-Forwards', expected: String(mfIn - 1), actual: header(emitted, 'Max-Forwards') ?? '(absent)' });
  for (const h of ['Call-ID', 'From', 'To', 'CSeq']) {
    if (header(received, h) !== header(emitted, h)) out.push({ field: h, expected: header(received, h) ?? '(absent)', actual: header(emitted, h) ?? '(absent)' });
  }
  return out;
}

/** A relayed response: exactly the Vias of the request the PF received (its own removed, §16.7 step 3), same CSeq. */
export function relayedResponseMismatches(requestAtPf: SipMessage, response: SipMessage): Mismatch[] {
  const out: Mismatch[] = [];
  const want = viaList(requestAtPf).join(' | ');
  const got = viaList(response).join(' | ');
  if (want !== got) out.push({ field: 'Via', expected: want, actual: got });
  if (header(requestAtPf, 'CSeq') !== header(response, 'CSeq')) out.push({ field: 'CSeq', expected: header(requestAtPf, 'CSeq') ?? '', actual: header(response, 'CSeq') ?? '(absent)' });
  if (header(requestAtPf, 'Call-ID') !== header(response, 'Call-ID')) out.push({ field: 'Call-ID', expected: header(requestAtPf, 'Call-ID') ?? '', actual: header(response, 'Call-ID') ?? '(absent)' });
  return out;
}
