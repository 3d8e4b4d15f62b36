/**
 * What the SDP of an MSRP media line says about the connection: a=path (RFC 4975 §8.1, §8.2: our
 * URI, or relays then our URI; the peer connects to the first) and a=setup (RFC 6135, using
 * RFC 4145's values: which side opens the TCP connection). Pure functions: a device puts these
 * into its SDP and reads the peer's, then opens the connection with connection.ts / listener.ts.
 */
import { parse as parseSdp } from 'sdp-transform';
import { formatPath, parsePath, type MsrpUri } from './uri';

export type SetupValue = 'active' | 'passive' | 'actpass' | 'holdconn';
export type ConnectionRole = 'active' | 'passive';

/** The a=path attribute value (§8.2): URIs separated by single spaces. */
export function pathAttribute(path: readonly MsrpUri[]): string {
  return formatPath(path);
}

/** The peer's a=path, with a reason for each URI that is not one (§9 MSRP-URI). */
export function parsePathAttribute(value: string): { path: MsrpUri[]; errors: string[] } {
  const { uris, errors } = parsePath(value);
  return { path: uris, errors };
}

/** An a=setup value (RFC 4145 §4: active, passive, actpass, holdconn; case-insensitive tokens). */
export function parseSetup(value: string | undefined): SetupValue | undefined {
  const v = value?.trim().toLowerCase();
  return v === 'active' || v === 'passive' || v === 'actpass' || v === 'holdconn' ? v : undefined;
}

/**
 * The answerer's a=setup for an offer (RFC 4145 §4.1 as RFC 6135 applies it to MSRP): the
 * opposite of a definite offer; for actpass (or no a=setup) our preference — passive by default,
 * so the offerer connects, as RFC 4975's own model has it and as peers that ignore a=setup expect.
 */
export function answerSetup(offer: SetupValue | undefined, prefer: ConnectionRole = 'passive'): SetupValue {
  if (offer === 'active') return 'passive';
  if (offer === 'passive') return 'active';
  if (offer === 'holdconn') return 'holdconn';
  return prefer;
}

/**
 * Which side we are, given the negotiated attributes: the side whose a=setup ends up `active`
 * opens the connection (RFC 6135, RFC 4145 §4.1). Without a=setup on either side, RFC 4975 §5.4
 * applies: the offerer opens it. Null for holdconn (no connection yet) or a contradictory pair
 * (both active or both passive), which the caller reports rather than guesses.
 */
export function connectionRole(weOffered: boolean, offer: SetupValue | undefined, answer: SetupValue | undefined): ConnectionRole | null {
  if (offer === undefined && answer === undefined) return weOffered ? 'active' : 'passive';
  if (offer === 'holdconn' || answer === 'holdconn') return null;
  // A side without a=setup follows RFC 4975's model: the offerer is active, the answerer passive.
  const answerer: SetupValue = answer ?? 'passive';
  const offerer: SetupValue = offer === undefined ? 'active' : offer === 'actpass' ? (answerer === 'active' ? 'passive' : 'active') : offer;
  if (offerer === answerer || answerer === 'actpass') return null;
  const offererRole = offerer as ConnectionRole;
  return weOffered ? offererRole : (offererRole === 'active' ? 'passive' : 'active');
}

/** What the SDP of an MSRP media line says (RFC 4975 §8.1, §8.2; RFC 6135 §4.2). */
export interface MessageMedia {
  path: MsrpUri[];
  setup: SetupValue | undefined;
  /** a=accept-types (RFC 4975 §8.6), when present. */
  acceptTypes?: string;
}

/**
 * The a=path, a=setup and a=accept-types of the first `m=message` section of an SDP body; null
 * when there is none or it names no MSRP URI. sdp-transform has no grammar for path and
 * accept-types and keeps them as the section's unparsed attributes.
 */
export function messageMedia(sdp: Buffer | undefined): MessageMedia | null {
  if (!sdp || sdp.length === 0) return null;
  let media;
  try {
    media = parseSdp(sdp.toString('utf8')).media.find((m) => m.type === 'message');
  } catch {
    return null; // not SDP at all: no MSRP media line
  }
  if (!media) return null;
  const attribute = (name: string) => media.invalid?.find((a) => a.value.startsWith(`${name}:`))?.value.slice(name.length + 1).trim();
  const path = parsePath(attribute('path') ?? '').uris;
  if (path.length === 0) return null;
  return { path, setup: parseSetup(media.setup ?? attribute('setup')), acceptTypes: attribute('accept-types') };
}
