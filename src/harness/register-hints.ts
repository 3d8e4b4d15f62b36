/**
 * What a REGISTER finding says beyond "refused" or "no answer": the SUT's own Warning (RFC 3261
 * §20.43) when it gave one, and, when silence follows many devices over UDP, the likely cause.
 * A registrar's 200 (OK) lists every current binding of the AoR (§10.3 step 8), so it grows with
 * each device; over UDP above one datagram (65,507 octets) it cannot be sent at all (§18.1.1,
 * §18.2.2), and a SUT that tries loses it without a word.
 */
import { headerFields, type SipResponse } from '../sip/message';
import { MAX_UDP_PAYLOAD } from '../sip/transport/udp';

/** The device facts the estimate needs. */
export interface RegisteringDevice {
  readonly contact: string;
  readonly aor: string;
  readonly instanceId: string;
  readonly transport: { readonly protocol: string };
}

/** " — Warning: …" with the response's Warning values, or "". */
export function warningDetail(res: SipResponse): string {
  const w = headerFields(res, 'Warning').map((f) => f.value);
  return w.length > 0 ? ` — Warning: ${w.join('; ')}` : '';
}

/**
 * Octets a 200 (OK) listing `bindings` bindings like this device's would take at least: each
 * Contact with its expires and, for a GRUU-capable registrar, the pub-gruu (AoR + instance id).
 */
export function estimatedOkSize(d: RegisteringDevice, bindings: number): number {
  const perBinding = 'Contact: '.length + d.contact.length + ';expires=3600'.length + ';pub-gruu=""'.length + d.aor.length + ';gr='.length + d.instanceId.length + 2;
  return bindings * perBinding;
}

/** A hint for a REGISTER left unanswered, when the 200 could not have fit a UDP datagram; else "". */
export function silenceHint(d: RegisteringDevice, bindings: number): string {
  if (d.transport.protocol !== 'udp') return '';
  const size = estimatedOkSize(d, bindings);
  if (size <= MAX_UDP_PAYLOAD * 0.9) return '';
  return ` — over UDP: its 200 (OK) must list all ${bindings} bindings of the AoR (RFC 3261 §10.3 step 8), about ${size} octets or more, ` +
    `near or above the ${MAX_UDP_PAYLOAD}-octet datagram limit (§18.1.1): a SUT that sends it anyway loses it; run this many devices over TCP`;
}
