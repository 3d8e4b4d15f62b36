/**
 * Per-hop judgements for a request relayed by a Participating Function (RFC 3261 §16.6 and §16.7
 * as C.2.3.1 relies on them): what the PF received from one core and what it emitted to the next.
 */
import type { SipMessage } from '../../src/sip/message';
import { header } from '../../src/sip/message';
import { vias } from '../../src/sip/headers/via';
import type { Address } from '../../src/sip/transport/address';
import type { MessageTemplate } from '../../src/harness/template';

export function viaNames(msg: SipMessage, addr: Address): boolean {
  const v = vias(msg)[0];
  return v !== undefined && v.host === addr.host && (v.port ?? 5060) === addr.port;
}

export function viaList(msg: SipMessage): string[] {
  return vias(msg).map((v) => `${v.host}:${v.port ?? 5060};branch=${v.branch ?? ''}`);
}

const viaOf = (pick: (list: string[]) => string[]) => (msg: SipMessage): string => pick(viaList(msg)).join(' | ') || '(none)';

/**
 * A proxy relays a request (RFC 3261 §16.6): its own Via on top (step 8) of exactly the Vias it
 * received, Max-Forwards decremented by one (step 3), Call-ID, From, To and CSeq unchanged.
 */
export function proxiedRequestTemplate(received: SipMessage, pf: Address): MessageTemplate {
  const unchanged = Object.fromEntries(['Call-ID', 'From', 'To', 'CSeq'].map((h) => [h, header(received, h) ?? '(absent)']));
  return {
    method: received.kind === 'request' ? received.method : undefined,
    headers: { 'Max-Forwards': String(Number(header(received, 'Max-Forwards')) - 1), ...unchanged },
    derived: [
      { field: 'top Via', of: (m) => viaList(m)[0], is: { rule: `the PF's own Via (${pf.host}:${pf.port})`, test: (_v: string | undefined, m: SipMessage) => viaNames(m, pf) } },
      { field: 'Via below the top', of: viaOf((l) => l.slice(1)), is: viaOf((l) => l)(received) },
    ],
  };
}

/** A relayed response: exactly the Vias of the request the PF received (its own removed, §16.7 step 3), same CSeq and Call-ID. */
export function relayedResponseTemplate(requestAtPf: SipMessage, status?: number): MessageTemplate {
  return {
    ...(status === undefined ? {} : { status }),
    headers: { 'Call-ID': header(requestAtPf, 'Call-ID') ?? '(absent)', CSeq: header(requestAtPf, 'CSeq') ?? '(absent)' },
    derived: [{ field: 'Via', of: viaOf((l) => l), is: viaOf((l) => l)(requestAtPf) }],
  };
}
