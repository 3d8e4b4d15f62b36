/**
 * A device's MSRP SDP (src/harness/sdp.ts msrpDescription) is written directly for speed (a load
 * flow writes two); it must stay byte for byte what sdp-transform's writer gives for the same
 * description (RFC 4566 line order, RFC 4975 §8.1/§8.2 m= and a=path, RFC 6135 a=setup).
 */
import * as sdpTransform from 'sdp-transform';
import { msrpDescription, msrpPath } from '../../../src/harness/sdp';

/** The description as sdp-transform writes it (msrpDescription before it was written directly). */
function msrpDescriptionViaSdpTransform(host: string, port: number, path: string, setup: 'active' | 'passive' | 'actpass', sessionId: number): Buffer {
  const ipVer = host.includes(':') ? 6 : 4;
  const sdp: sdpTransform.SessionDescription = {
    version: 0,
    origin: { username: '-', sessionId, sessionVersion: 1, netType: 'IN', ipVer, address: host },
    name: '-',
    timing: { start: 0, stop: 0 },
    connection: { version: ipVer, ip: host },
    media: [
      {
        type: 'message',
        port,
        protocol: path.startsWith('msrps:') ? 'TCP/TLS/MSRP' : 'TCP/MSRP',
        payloads: '*',
        rtp: [],
        fmtp: [],
        invalid: [{ value: 'accept-types:message/cpim text/plain' }, { value: `path:${path}` }],
        setup,
      },
    ],
  };
  return Buffer.from(sdpTransform.write(sdp), 'utf8');
}


const cases: Array<[string, number, string, 'active' | 'passive' | 'actpass']> = [
  ['127.0.0.1', 2000, 'msrp://127.0.0.1:2000/abc;tcp', 'actpass'],
  ['10.1.2.3', 65535, 'msrp://10.1.2.3:65535/x1y2z3;tcp', 'passive'],
  ['::1', 2001, 'msrps://[::1]:2001/s;tcp', 'active'],
  ['sut.example.com', 1, 'msrps://sut.example.com:1/q;tcp', 'passive'],
];

test.each(cases)('%s %d %s %s: the same octets as sdp-transform writes', (host, port, path, setup) => {
  const sessionId = 1796651756177;
  expect(msrpDescription(host, port, path, setup, sessionId).toString('latin1')).toBe(msrpDescriptionViaSdpTransform(host, port, path, setup, sessionId).toString('latin1'));
  expect(msrpPath(msrpDescription(host, port, path, setup, sessionId))?.path).toBe(path);
});
