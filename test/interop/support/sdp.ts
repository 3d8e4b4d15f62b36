/** A minimal SDP offer/answer body (RFC 4566) for the interop calls; the media is never used. */
export function audioSdp(host: string, port: number): Buffer {
  const ipVer = host.includes(':') ? 'IP6' : 'IP4';
  return Buffer.from([
    'v=0', `o=cpm 1 1 IN ${ipVer} ${host}`, 's=-', `c=IN ${ipVer} ${host}`, 't=0 0',
    `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', '',
  ].join('\r\n'));
}
