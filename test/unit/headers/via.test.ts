import { parseVia, formatVia, vias, topVia } from '../../../src/sip/headers/via';
import type { SipRequest } from '../../../src/sip/message';

const msg = (headers: [string, string][]): SipRequest => ({
  kind: 'request', method: 'OPTIONS', uri: 'sip:x', version: 'SIP/2.0', body: Buffer.alloc(0),
  headers: headers.map(([name, value]) => ({ name, value })),
});

describe('Via (RFC 3261 §20.42)', () => {
  it('parses an IPv6 sent-by keeping every param (the `sip` package loses them)', () => {
    const v = parseVia('SIP/2.0/UDP [::1]:5070;branch=z9hG4bK-1;rport');
    expect(v).toMatchObject({ protocol: 'SIP/2.0', transport: 'UDP', host: '::1', port: 5070, branch: 'z9hG4bK-1' });
    expect(v?.params).toEqual({ branch: 'z9hG4bK-1', rport: null });
    expect(formatVia(v!)).toBe('SIP/2.0/UDP [::1]:5070;branch=z9hG4bK-1;rport');
  });

  it('accepts LWS around slashes and before params (RFC 4475 §3.1.1.1 style)', () => {
    const v = parseVia('SIP  /   2.0 /\tTCP   spindle.example.com  :  6060 ; branch = z9hG4bKkdjuw ;received=192.0.2.1');
    expect(v).toMatchObject({ transport: 'TCP', host: 'spindle.example.com', port: 6060, branch: 'z9hG4bKkdjuw' });
    expect(v?.params['received']).toBe('192.0.2.1');
  });

  it('formats changed params (received/rport added by a proxy, §18.2.1)', () => {
    const v = parseVia('SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776;rport')!;
    v.params['received'] = '192.0.2.4';
    v.params['rport'] = '5061';
    expect(formatVia(v)).toBe('SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776;rport=5061;received=192.0.2.4');
  });

  it.each(['', 'SIP/2.0 host', 'SIP/2.0/UDP', 'SIP/2.0/UDP host:abc', 'SIP/2.0/UDP [::1;branch=x', 'SIP/2.0/UDP host;branch="x'])(
    'returns null for %j', (t) => { expect(parseVia(t)).toBeNull(); });

  it('lists every Via across fields and comma lists, in order', () => {
    const m = msg([['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/TCP b:5061;branch=z9hG4bK2'], ['v', 'SIP/2.0/TLS c;branch=z9hG4bK3']]);
    expect(vias(m).map((v) => v.host)).toEqual(['a', 'b', 'c']);
    expect(topVia(m)?.branch).toBe('z9hG4bK1');
    expect(topVia(msg([]))).toBeNull();
  });
});
