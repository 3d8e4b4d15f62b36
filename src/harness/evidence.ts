/**
 * Whether evidence crossed the SUT. A requirement is never PASS on a message that did not pass the
 * SUT: a proxy that does not Record-Route (RFC 3261 §16.6 step 4) leaves the dialog's later
 * requests going device to device, and a harness judging what its own other device answered
 * would judge itself. The SUT's addresses are the Participating Functions the target names.
 */
import type { Dialog } from '../sip/dialog';
import type { SipMessage } from '../sip/message';
import { vias } from '../sip/headers/via';
import { sameAddress, type Address } from '../sip/transport/address';
import { uriAddress } from './addressing';
import type { HarnessTarget } from './target';

/** PF A and PF B (one address when a single node plays both). */
export function sutAddresses(target: Pick<HarnessTarget, 'pfA' | 'pfB'>): Address[] {
  return sameAddress(target.pfA, target.pfB) ? [target.pfA] : [target.pfA, target.pfB];
}

export function isSutAddress(target: Pick<HarnessTarget, 'pfA' | 'pfB'>, a: Address | null): boolean {
  return a !== null && sutAddresses(target).some((s) => sameAddress(s, a));
}

/**
 * Whether a dialog's in-dialog requests pass the SUT (§12.2.1.1): a route set entry (Record-Route
 * the SUT inserted) or the remote target (a B2BUA's own Contact) names one of its addresses.
 */
export function dialogCrossesSut(target: Pick<HarnessTarget, 'pfA' | 'pfB'>, dialog: Pick<Dialog, 'routeSet' | 'remoteTarget'>): boolean {
  return [...dialog.routeSet, dialog.remoteTarget].some((u) => isSutAddress(target, uriAddress(u)));
}

/** `host:port` of a Via, with the default port (RFC 3261 §18.1.1). */
function viaAddress(v: { host: string; port?: number }): Address {
  return { host: v.host, port: v.port ?? 5060 };
}

/**
 * The hops of a relayed request, read from its Vias (§16.6 step 8: each relaying element pushes
 * exactly one): the Vias above the sender's own, and which of them name the SUT. Judged from this,
 * a single node serving as PF A and PF B is right with one traversal or two.
 */
export function relayHops(target: Pick<HarnessTarget, 'pfA' | 'pfB'>, received: SipMessage, sentVia: { branch?: string }): { added: Address[]; foreign: Address[]; senderViaFound: boolean } {
  const vs = vias(received);
  const i = vs.findIndex((v) => v.branch !== undefined && v.branch === sentVia.branch);
  const above = (i < 0 ? vs : vs.slice(0, i)).map(viaAddress);
  return { added: above, foreign: above.filter((a) => !isSutAddress(target, a)), senderViaFound: i >= 0 };
}

/**
 * Whether a request a device received passed the SUT: a proxy pushed its Via (§16.6 step 8), a
 * B2BUA sent it with its own (§8.1.1.7). A request holding only harness Vias went device to device.
 */
export function crossedSut(target: Pick<HarnessTarget, 'pfA' | 'pfB'>, msg: SipMessage): boolean {
  return vias(msg).some((v) => isSutAddress(target, viaAddress(v)));
}

/**
 * Core-emulation: whether a request a device received came through the device's SIP/IP Core: the
 * core's Via on top (a proxy pushes one, §16.6 step 8, §16.11). Always true with no core (direct).
 */
export function crossedCore(core: { address: Address; advertised: Address } | undefined, msg: SipMessage): boolean {
  if (!core) return true;
  const top = vias(msg)[0];
  return top !== undefined && [core.address, core.advertised].some((a) => sameAddress(a, viaAddress(top)));
}
