import {
  authorize, computeDigestResponse, createChallenge, parseDigestChallenge, parseDigestCredentials, verify,
  type DigestAlgorithm,
} from '../../../src/sip/digest';

describe('digest: published example vectors', () => {
  it('RFC 2617 §3.5 (MD5, qop=auth)', () => {
    const challenge = 'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
    const value = authorize(challenge, { username: 'Mufasa', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html' }, 1, '0a4f113b');
    const c = parseDigestCredentials(value)!;
    // The RFC's own published response value.
    expect(c.response).toBe('6629fae49393a05397450978507c4ef1');
    expect(c).toMatchObject({ qop: 'auth', nc: '00000001', cnonce: '0a4f113b', opaque: '5ccc069c403ebaf9f0171e9517f40e41' });
  });

  const rfc7616 = {
    username: 'Mufasa', password: 'Circle of Life', realm: 'http-auth@example.org', method: 'GET', uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  };
  it.each<[DigestAlgorithm, string]>([
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ])('RFC 7616 §3.9.1 (%s)', (algorithm, published) => {
    const challenge = `Digest realm="${rfc7616.realm}", qop="auth, auth-int", algorithm=${algorithm}, nonce="${rfc7616.nonce}", opaque="${rfc7616.opaque}"`;
    const value = authorize(challenge, { username: rfc7616.username, password: rfc7616.password, method: 'GET', uri: rfc7616.uri }, 1, rfc7616.cnonce);
    expect(parseDigestCredentials(value)!.response).toBe(published);
  });

  it('RFC 2069 form (no qop) hashes nonce:H(A2) directly', () => {
    const r = computeDigestResponse({ algorithm: 'MD5', username: 'u', realm: 'r', password: 'p', nonce: 'n', method: 'REGISTER', uri: 'sip:r' });
    const value = authorize('Digest realm="r", nonce="n"', { username: 'u', password: 'p', method: 'REGISTER', uri: 'sip:r' });
    const c = parseDigestCredentials(value)!;
    expect(c.response).toBe(r);
    expect(c.qop).toBeUndefined();
    expect(c.cnonce).toBeUndefined();
  });
});

describe('digest: client → server round trip', () => {
  const users: Record<string, string> = { alice: 's3cr3t "quoted"' };
  const password = (u: string): string | undefined => users[u];

  it.each<DigestAlgorithm>(['MD5', 'SHA-256', 'SHA-256-sess', 'SHA-512-256'])('%s verifies ok; wrong password, method or realm is bad', (algorithm) => {
    const challenge = createChallenge({ realm: 'cpm.test', algorithm });
    expect(parseDigestChallenge(challenge)).toMatchObject({ realm: 'cpm.test', algorithm, qop: ['auth'], stale: false });
    const value = authorize(challenge, { username: 'alice', password: users.alice, method: 'INVITE', uri: 'sip:bob@cpm.test' }, 1);
    expect(verify(value, { method: 'INVITE', realm: 'cpm.test', password })).toBe('ok');
    expect(verify(value, { method: 'BYE', realm: 'cpm.test', password })).toBe('bad');
    expect(verify(value, { method: 'INVITE', realm: 'other', password })).toBe('bad');
    expect(verify(value, { method: 'INVITE', realm: 'cpm.test', password: () => 'wrong' })).toBe('bad');
    expect(verify(value, { method: 'INVITE', realm: 'cpm.test', password: () => undefined })).toBe('bad');
    expect(verify(value, { method: 'INVITE', realm: 'cpm.test', password, uri: 'sip:carol@cpm.test' })).toBe('bad');
  });

  it('auth-int covers the body', () => {
    const challenge = createChallenge({ realm: 'cpm.test', algorithm: 'SHA-256', qop: ['auth-int'] });
    const body = Buffer.from('v=0\r\n');
    const value = authorize(challenge, { username: 'alice', password: users.alice, method: 'MESSAGE', uri: 'sip:b@cpm.test', body });
    expect(verify(value, { method: 'MESSAGE', realm: 'cpm.test', password, body })).toBe('ok');
    expect(verify(value, { method: 'MESSAGE', realm: 'cpm.test', password, body: Buffer.from('x') })).toBe('bad');
  });

  it('an expired nonce is stale, a forged one is bad', () => {
    const challenge = createChallenge({ realm: 'cpm.test', now: 1_000_000 });
    const value = authorize(challenge, { username: 'alice', password: users.alice, method: 'REGISTER', uri: 'sip:cpm.test' });
    expect(verify(value, { method: 'REGISTER', realm: 'cpm.test', password, now: 1_000_000 + 1000 })).toBe('ok');
    expect(verify(value, { method: 'REGISTER', realm: 'cpm.test', password, now: 1_000_000 + 600_000 })).toBe('stale');
    const forged = value.replace(/nonce="([^".]+)\.[^"]*"/, 'nonce="$1.AAAAAAAAAAAAAAAAAAAAAA"');
    expect(verify(forged, { method: 'REGISTER', realm: 'cpm.test', password, now: 1_000_000 })).toBe('bad');
    expect(createChallenge({ realm: 'r', stale: true })).toMatch(/stale=TRUE/);
  });

  it('never puts the password into the header value', () => {
    const challenge = createChallenge({ realm: 'cpm.test' });
    const value = authorize(challenge, { username: 'alice', password: users.alice, method: 'REGISTER', uri: 'sip:cpm.test' });
    expect(value).not.toContain('s3cr3t');
  });
});
