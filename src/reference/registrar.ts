/**
 * The registrar of the reference server (RFC 3261 §10.3), hosted by PF A's address in direct
 * topology. It accepts any user (the reference server is not an authentication test) and answers
 * 200 OK listing every current binding of the AoR with its remaining `expires` (§10.3 step 8).
 */
import type { SipRequest, SipResponse } from '../sip/message';
import { addHeader, header } from '../sip/message';
import type { Flow, TransportProtocol } from '../sip/transport/address';
import { contactExpires, contactInstance, contacts, isContactStar } from '../sip/headers/contact';
import { callId } from '../sip/headers/name-addr';
import { parseNameAddr } from '../sip/headers/name-addr';
import { cseq } from '../sip/headers/cseq';
import { parseUri } from '../sip/uri';
import { createResponse } from '../sip/request-builder';
import { newTag } from '../sip/ids';
import { LocationService } from './location-service';

/** Default registration interval when the REGISTER names none (§10.2.1.1 suggests 3600 s). */
const DEFAULT_EXPIRES = 3600;

export class Registrar {
  constructor(readonly location: LocationService) {}

  /** Process one REGISTER received on `flow` and build its final response. */
  register(req: SipRequest, flow: Flow): SipResponse {
    const to = parseNameAddr(header(req, 'To') ?? '');
    if (!to || !parseUri(to.uri)) return createResponse(req, 400, 'Bad Request', { toTag: newTag() });
    const aor = to.uri;
    const headerExpires = parseExpires(header(req, 'Expires'));
    const cid = callId(req) ?? '';
    const seq = cseq(req)?.seq ?? 0;
    if (isContactStar(req)) {
      // §10.3 step 6: `*` is only valid with Expires: 0.
      if (headerExpires !== 0) return createResponse(req, 400, 'Bad Request', { toTag: newTag() });
      this.location.removeAll(aor);
    }
    for (const c of contacts(req)) {
      const uri = parseUri(c.uri);
      if (!uri) return createResponse(req, 400, 'Bad Request', { toTag: newTag() });
      const protocol = (uri.params['transport']?.toLowerCase() ?? flow.protocol) as TransportProtocol;
      this.location.update({
        aor,
        contact: c.uri,
        instanceId: contactInstance(c) ?? undefined,
        address: { host: uri.host, port: uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060) },
        protocol,
        expires: contactExpires(c) ?? headerExpires ?? DEFAULT_EXPIRES,
        callId: cid,
        cseq: seq,
      });
    }
    const res = createResponse(req, 200, 'OK', { toTag: newTag() });
    for (const b of this.location.lookup(aor)) {
      const instance = b.instanceId ? `;+sip.instance="<${b.instanceId}>"` : '';
      addHeader(res, 'Contact', `<${b.contact}>;expires=${this.location.remaining(b)}${instance}`);
    }
    return res;
  }
}

function parseExpires(v: string | undefined): number | undefined {
  return v !== undefined && /^\s*\d{1,10}\s*$/.test(v) ? Number(v) : undefined;
}
