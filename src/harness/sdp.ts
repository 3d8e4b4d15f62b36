/**
 * CPM session SDP (docs/cpm-sip-binding.md, CPM Session Invitation): an MSRP offer/answer,
 * `m=message <port> TCP/MSRP *` with `a=path` (RFC 4975 §8.2), read with sdp-transform.
 */
import * as sdpTransform from 'sdp-transform';

export interface MsrpSdp {
  host: string;
  port: number;
  path: string;
}

/**
 * An MSRP offer/answer. `host` is where the peer reaches us — the advertised host behind NAT — and
 * goes into o= and c= (RFC 4566 §5.2, §5.7) and the a=path URI (RFC 4975 §8.2, §9); `port` into
 * m= and a=path.
 */
export function msrpOffer(host: string, port: number, sessionId: string, setup: 'active' | 'passive' | 'actpass' = 'actpass'): Buffer {
  return msrpDescription(host, port, `msrp://${host.includes(':') ? `[${host}]` : host}:${port}/${sessionId};tcp`, setup);
}

/**
 * The same description around a given a=path (RFC 4975 §8.2: the URI of a listener that really
 * accepts, see msrp-endpoint.ts) and a=setup (RFC 6135 §4.2); `port` is the m= line's (§8.1: the
 * port of the a=path URI), TCP/TLS-MSRP for an msrps path (§8.1).
 */
export function msrpDescription(host: string, port: number, path: string, setup: 'active' | 'passive' | 'actpass', sessionId: number = Date.now()): Buffer {
  // Written directly, line by line as sdp-transform's writer orders them (test/unit/harness/sdp-writer.test.ts
  // holds the two equal): a device writes one per offer and answer, and the generic writer was a
  // twelfth of a load flow's CPU (docs/load.md).
  const ip = `IP${host.includes(':') ? 6 : 4} ${host}`;
  return Buffer.from(
    `v=0\r\no=- ${sessionId} 1 IN ${ip}\r\ns=-\r\nc=IN ${ip}\r\nt=0 0\r\n` +
      `m=message ${port} ${path.startsWith('msrps:') ? 'TCP/TLS/MSRP' : 'TCP/MSRP'} *\r\na=setup:${setup}\r\na=accept-types:message/cpim text/plain\r\na=path:${path}\r\n`,
    'utf8',
  );
}

/** The MSRP `a=path` of an SDP body, or null (RFC 4975 §8.2). */
export function msrpPath(body: Buffer): MsrpSdp | null {
  if (body.length === 0) return null;
  const sdp = sdpTransform.parse(body.toString('utf8'));
  const m = sdp.media.find((x) => x.type === 'message');
  if (!m) return null;
  const pathLine = (m.invalid ?? []).map((i) => i.value).find((v) => v.startsWith('path:'));
  if (!pathLine) return null;
  const first = pathLine.slice(5).trim().split(/\s+/).pop() ?? '';
  const u = /^msrps?:\/\/\[?([^\]/]+?)\]?:(\d+)\//.exec(first);
  if (!u) return null;
  return { host: u[1], port: Number(u[2]), path: first };
}
