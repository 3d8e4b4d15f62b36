/** maskSecrets: no password, passphrase or TLS key path survives into what reports print. */
import { maskSecrets, parseTarget } from '../../../src/config';
import { cleanupTmp, minimalConfig, writeTmp } from './helpers';

afterAll(cleanupTmp);

describe('maskSecrets', () => {
  test('masks every password, the key passphrase and the key path; keeps the rest', () => {
    const key = writeTmp('mask/client.key', 'k\n');
    const cert = writeTmp('mask/client.pem', 'c\n');
    const c = minimalConfig();
    Object.assign(c.sut as object, { transport: 'tls', tls: { cert, key, passphrase: 'pp-secret' } });
    c.users = [
      { aor: 'sip:alice@cpm.example.com', password: 'alice-secret' },
      { aor: 'sip:bob@cpm.example.com', password: 'bob-secret', devices: 2 },
      { aor: 'sip:carol@cpm.example.com' },
    ];
    const t = parseTarget(c, {});
    const masked = maskSecrets(t) as unknown as typeof t;
    const text = JSON.stringify(masked);
    for (const secret of ['alice-secret', 'bob-secret', 'pp-secret', key]) expect(text).not.toContain(secret);
    expect(masked.users.map((u) => u.password)).toEqual(['***', '***', undefined]);
    expect(masked.sut.tls?.key).toBe('***');
    expect(masked.sut.tls?.passphrase).toBe('***');
    expect(masked.sut.tls?.cert).toBe(cert);
    expect(masked.users[1].devices).toBe(2);
  });

  test('returns a copy: the target keeps its secrets', () => {
    const c = minimalConfig();
    (c.users as Record<string, unknown>[])[0].password = 'pw';
    const t = parseTarget(c, {});
    maskSecrets(t);
    expect(t.users[0].password).toBe('pw');
  });

  test('works on raw input too', () => {
    expect(maskSecrets({ a: [{ Password: 'x', other: 'y' }] })).toEqual({ a: [{ Password: '***', other: 'y' }] });
  });
});
