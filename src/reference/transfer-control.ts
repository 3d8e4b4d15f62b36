/**
 * PF control of a CPM Session transfer at PF A (OMA CPM CR 5.2.5.1.1 ¶2 and ¶4, 5.2.5.1.2 ¶3):
 * for the transferor, the target must be another registered device (binding) of the transferor's
 * AoR (another user 403, not registered 480, itself 403 (5.2.5.1 ¶1: "to another CPM enabled device"), not exactly one Refer-To 400, RFC 3515
 * §2.4.1); for the target, its invitation must come from the device the transfer named, of the
 * transferor's user (403 otherwise).
 */
import type { SipRequest } from '../sip/message';
import { header, headerValues } from '../sip/message';
import type { ServerTransaction } from '../sip/transaction/types';
import { createResponse } from '../sip/request-builder';
import { contacts } from '../sip/headers/contact';
import { parseReferTo } from '../sip/headers/refer-to';
import { targetDialog, type TargetDialog } from '../sip/headers/dialog-id';
import { describe, type PfContext } from './pf-context';
import { uriTarget } from './routing';
import { aorKey, sameContact } from './location-service';
import { uriOf, userOf, type Control, type Transfer } from './transfer-model';

/**
 * PF control for the transferor: the transfer's target must be another registered device of `aor`
 * (403 `transferorContact` itself, 403 another user, 480 not registered). `prefix` names the
 * faults that let a wrong target through.
 */
export function transferorControl(ctx: PfContext, aor: string, named: string, transferorContact: string | undefined, prefix: 'trf-mp' | 'trf-nmp'): Control {
  // A device named by its GRUU (RFC 5627 §6) is the binding of that instance; an unknown GRUU stays as named.
  const targetUri = ctx.location.resolveGruu(named)?.contact ?? named;
  if (transferorContact && sameContact(targetUri, transferorContact)) {
    if (!ctx.faults.has(`${prefix}-accept-self-target`)) return { ok: false, status: 403, reason: 'Forbidden' };
    ctx.log(`${ctx.name}: fault ${prefix}-accept-self-target: accepting a transfer to the transferor ${targetUri}`);
  }
  const own = ctx.location.lookup(aor).find((b) => sameContact(b.contact, targetUri));
  if (own) return { ok: true, device: own };
  const other = ctx.location.findByContact(targetUri);
  const foreign = other ? aorKey(other.aor) !== aorKey(aor) : userOf(targetUri) !== userOf(aor);
  if (foreign) {
    if (!ctx.faults.has(`${prefix}-accept-foreign-target`)) return { ok: false, status: 403, reason: 'Forbidden' };
    ctx.log(`${ctx.name}: fault ${prefix}-accept-foreign-target: accepting a transfer to ${targetUri}`);
    return other ? { ok: true, device: other } : bareDevice(targetUri);
  }
  if (ctx.faults.has(`${prefix}-accept-unregistered-target`)) {
    ctx.log(`${ctx.name}: fault ${prefix}-accept-unregistered-target: accepting a transfer to ${targetUri}`);
    return bareDevice(targetUri);
  }
  return { ok: false, status: 480, reason: 'Temporarily Unavailable' };
}

/** A device known only by its URI (no binding): reached at the URI's own address, no Path. */
export function bareDevice(uri: string): Control {
  const t = uriTarget(uri);
  if (!t) return { ok: false, status: 400, reason: 'Bad Request' };
  return { ok: true, device: { contact: uri, address: t.address, protocol: t.protocol ?? 'udp', path: [] } };
}

/** Exactly one Refer-To with a URI (RFC 3515 §2.4.1); null after answering 400. */
export function referTarget(tx: ServerTransaction): string | null {
  const values = headerValues(tx.request, 'Refer-To');
  const rt = values.length === 1 ? parseReferTo(values[0]) : null;
  if (!rt || !rt.parsedUri) {
    void tx.respond(createResponse(tx.request, 400, values.length === 1 ? 'Bad Refer-To' : 'Exactly One Refer-To Required'));
    return null;
  }
  return rt.uri;
}

/**
 * An out-of-dialog transfer request to the CS transfer URI: its one Refer-To and the dialog its
 * Target-Dialog names (RFC 4538 §4); null after answering 400 when either is missing.
 */
export function psiRefer(tx: ServerTransaction): { targetUri: string; td: TargetDialog } | null {
  const targetUri = referTarget(tx);
  if (targetUri === null) return null;
  const td = targetDialog(tx.request);
  if (!td) {
    void tx.respond(createResponse(tx.request, 400, 'Missing Target-Dialog'));
    return null;
  }
  return { targetUri, td };
}

/** PF control for the target: the transferor's user, from the device the transfer named. */
export function isTargetDevice(ctx: PfContext, req: SipRequest, t: Transfer): boolean {
  const from = uriOf(header(req, 'From'));
  const contact = contacts(req)[0]?.uri;
  const ok = from !== undefined && aorKey(from) === aorKey(t.transferorAor) && contact !== undefined && sameContact(contact, t.target.contact);
  if (!ok) ctx.log(`${ctx.name}: ${describe(req)} from ${from ?? '?'} / ${contact ?? '?'} is not the transfer's target ${t.target.contact}: 403`);
  return ok;
}
