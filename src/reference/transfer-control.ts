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
    if (ctx.faults.has(`${prefix}-accept-self-target`)) {
      ctx.log(`${ctx.name}: fault ${prefix}-accept-self-target: accepting a transfer to the transferor ${targetUri}`);
    } else {
      // Stryker disable next-line StringLiteral: the reason phrase is for the human user (RFC 3261 §7.2)
      return { ok: false, status: 403, reason: 'Forbidden' };
    }
  }
  const own = ctx.location.lookup(aor).find((b) => sameContact(b.contact, targetUri));
  if (own) return { ok: true, device: own };
  const other = ctx.location.findByContact(targetUri);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: 403 (another user) or 480 (not registered): the CRs name no status for a refused transfer, and either refuses it (not constrained, docs/mutation.md)
  const foreign = other ? aorKey(other.aor) !== aorKey(aor) : userOf(targetUri) !== userOf(aor);
  // Stryker disable next-line ConditionalExpression,BlockStatement: as above: without it the foreign target gets the 480 below, still a refusal
  if (foreign) {
    if (ctx.faults.has(`${prefix}-accept-foreign-target`)) {
      ctx.log(`${ctx.name}: fault ${prefix}-accept-foreign-target: accepting a transfer to ${targetUri}`);
      return other ? { ok: true, device: other } : bareDevice(targetUri);
    }
    // Stryker disable next-line StringLiteral: the reason phrase is for the human user (RFC 3261 §7.2)
    return { ok: false, status: 403, reason: 'Forbidden' };
  }
  if (ctx.faults.has(`${prefix}-accept-unregistered-target`)) {
    ctx.log(`${ctx.name}: fault ${prefix}-accept-unregistered-target: accepting a transfer to ${targetUri}`);
    return bareDevice(targetUri);
  }
  // Stryker disable next-line StringLiteral: the reason phrase is for the human user (RFC 3261 §7.2)
  return { ok: false, status: 480, reason: 'Temporarily Unavailable' };
}

/** A device known only by its URI (no binding): reached at the URI's own address, no Path. */
// Stryker disable all: fault-only: every caller is a fault of the catalogue's (a target let through PF control), proven by the selftest
export function bareDevice(uri: string): Control {
  const t = uriTarget(uri);
  if (!t) return { ok: false, status: 400, reason: 'Bad Request' };
  return { ok: true, device: { contact: uri, address: t.address, protocol: t.protocol ?? 'udp', path: [] } };
}
// Stryker restore all

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
  // Stryker disable next-line OptionalChaining: equivalent: an INVITE always has a Contact (RFC 3261 §8.1.1.8)
  const contact = contacts(req)[0]?.uri;
  const ok = from !== undefined && aorKey(from) === aorKey(t.transferorAor) && contact !== undefined && sameContact(contact, t.target.contact);
  // Stryker disable next-line ConditionalExpression,BooleanLiteral: equivalent: it guards a log line only
  if (!ok) ctx.log(`${ctx.name}: ${describe(req)} from ${from ?? '?'} / ${contact ?? '?'} is not the transfer's target ${t.target.contact}: 403`);
  return ok;
}
