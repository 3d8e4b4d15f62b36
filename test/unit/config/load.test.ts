/** Valid configs load with every default filled; fixtures load; ${ENV} interpolation. */
import * as path from 'node:path';
import YAML from 'yaml';
import { ConfigError, loadTarget, parseTarget, type Target } from '../../../src/config';
import { cleanupTmp, minimalConfig, repoRoot, writeTmp } from './helpers';

afterAll(cleanupTmp);

describe('defaults', () => {
  test('a minimal config gets every default', () => {
    const t = parseTarget(minimalConfig(), {});
    const expected: Target = {
      sut: { name: 'Acme CS', host: '127.0.0.1', domain: 'cpm.example.com', port: 5060, transport: 'udp' },
      topology: 'direct',
      local: { host: '127.0.0.1', advertisedHost: '127.0.0.1', ports: { from: 20000, to: 29999 } },
      participatingFunction: { mode: 'proxy', a: '127.0.0.1:5060', b: '127.0.0.1:5060' },
      users: [
        { aor: 'sip:alice@cpm.example.com', username: 'alice', devices: 1 },
        { aor: 'sip:bob@cpm.example.com', username: 'bob', devices: 1 },
      ],
      ics: { sessionLeaving: true, multiDevice: false, transfer: { csInMediaPath: false, csNotInMediaPath: false, pull: false } },
      ixit: { timers: { t1: 500, t2: 4000, t4: 5000 }, responseTimeoutMs: 8000, quietPeriodMs: 1000, registrationExpires: 600, csMsrpHosts: ['127.0.0.1'], userAgent: 'cpm-conformance' },
      binding: {
        reasonOnCancel: 'recommended',
        deviceAddressing: 'contact',
        releaseInitiator: 'either',
        referSuccessCode: '202',
        joinCorrelation: 'target-dialog',
        pullMode: 'invite-replaces',
        contributionIdOnTransfer: 'keep',
        serviceIdentification: 'cpm-icsi',
        allowReinviteToTransferee: false,
        csMsrpRole: 'b2bua',
      },
    };
    expect(t).toEqual(expected);
  });

  test('partial sections keep what is given and default the rest', () => {
    const c = { ...minimalConfig(), ixit: { timers: { t1: 200 } }, binding: { referSuccessCode: '200-or-202' } };
    const t = parseTarget(c, {});
    expect(t.ixit.timers).toEqual({ t1: 200, t2: 4000, t4: 5000 });
    expect(t.binding.referSuccessCode).toBe('200-or-202');
    expect(t.binding.pullMode).toBe('invite-replaces');
  });

  test('tls: port 5061 by default, servername from host, paths absolute from the config folder', () => {
    writeTmp('tls/certs/ca.pem', 'ca\n');
    writeTmp('tls/certs/client.pem', 'cert\n');
    writeTmp('tls/certs/client.key', 'key\n');
    const c = minimalConfig();
    Object.assign(c.sut as object, { host: 'sut.example.com', transport: 'tls', tls: { ca: 'certs/ca.pem', cert: 'certs/client.pem', key: './certs/client.key' } });
    const file = writeTmp('tls/target.yaml', YAML.stringify(c));
    const t = loadTarget(file, {});
    expect(t.sut.port).toBe(5061);
    expect(t.participatingFunction.a).toBe('sut.example.com:5061');
    expect(t.sut.tls).toEqual({ insecure: false, servername: 'sut.example.com', ca: path.join(path.dirname(file), 'certs/ca.pem'), cert: path.join(path.dirname(file), 'certs/client.pem'), key: path.join(path.dirname(file), 'certs/client.key') });
  });

  test('tls transport without a tls section uses system CAs; no SNI for an IP literal host (RFC 6066 §3)', () => {
    const c = minimalConfig();
    (c.sut as Record<string, unknown>).transport = 'tls';
    expect(parseTarget(c, {}).sut.tls).toEqual({ insecure: false });
  });

  test('IPv6 SUT and PF addresses', () => {
    const c = { ...minimalConfig(), participatingFunction: { a: '[::1]:5060', b: '[::1]:5062' } };
    (c.sut as Record<string, unknown>).host = '::1';
    const t = parseTarget(c, {});
    expect(t.sut.host).toBe('::1');
    expect(t.participatingFunction.b).toBe('[::1]:5062');
  });

  test('a JSON file loads the same as YAML', () => {
    const json = writeTmp('t.json', JSON.stringify(minimalConfig()));
    const yaml = writeTmp('t.yaml', YAML.stringify(minimalConfig()));
    expect(loadTarget(json, {})).toEqual(loadTarget(yaml, {}));
  });

  test('issues of one stage are all reported together', () => {
    const c = minimalConfig();
    Object.assign(c.sut as object, { transport: 'sctp', port: 0, colour: 'red' });
    try {
      parseTarget(c, {});
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).issues.map((i) => i.path).sort()).toEqual(['sut.colour', 'sut.port', 'sut.transport']);
    }
  });
});

describe('fixtures', () => {
  test('sample-target.yaml loads with its passwords from the environment', () => {
    const env = { ALICE_PASSWORD: 'a-pw', BOB_PASSWORD: 'b-pw', CAROL_PASSWORD: 'c-pw' };
    const t = loadTarget(path.join(repoRoot, 'fixtures/targets/sample-target.yaml'), env);
    expect(t.sut.name).toBe('Acme CPM Conversation Server');
    expect(t.sut.version).toBe('2.1');
    expect(t.users.map((u) => [u.username, u.password, u.devices])).toEqual([
      ['alice', 'a-pw', 3],
      ['bob', 'b-pw', 2],
      ['carol', 'c-pw', 1],
    ]);
    expect(t.participatingFunction).toEqual({ mode: 'proxy', a: '127.0.0.1:5060', b: '127.0.0.1:5061' });
  });

  test('sample-target.yaml without the passwords names each unset variable', () => {
    try {
      loadTarget(path.join(repoRoot, 'fixtures/targets/sample-target.yaml'), {});
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as ConfigError).issues.map((i) => i.path)).toEqual(['users[0].password', 'users[1].password', 'users[2].password']);
    }
  });

  test('reference.yaml: loopback, PF A/B on consecutive ports, six users with 1-5 devices, no passwords', () => {
    const t = loadTarget(path.join(repoRoot, 'fixtures/targets/reference.yaml'), {});
    expect(t.sut.host).toBe('127.0.0.1');
    expect(t.participatingFunction).toEqual({ mode: 'proxy', a: '127.0.0.1:5060', b: '127.0.0.1:5061' });
    expect(t.users.map((u) => u.username)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank']);
    expect(t.users.every((u) => u.password === undefined && u.devices >= 1 && u.devices <= 5)).toBe(true);
    expect(new Set(t.users.map((u) => u.devices))).toEqual(new Set([1, 2, 3, 4, 5]));
  });

  test('reference.yaml takes the ports the server got from the environment', () => {
    const t = loadTarget(path.join(repoRoot, 'fixtures/targets/reference.yaml'), { REFERENCE_PF_A_PORT: '40100', REFERENCE_PF_B_PORT: '40101', REFERENCE_TRANSPORT: 'tcp', REFERENCE_PF_MODE: 'b2bua' });
    expect(t.sut.port).toBe(40100);
    expect(t.sut.transport).toBe('tcp');
    expect(t.participatingFunction).toEqual({ mode: 'b2bua', a: '127.0.0.1:40100', b: '127.0.0.1:40101' });
  });
});

describe('${ENV} interpolation', () => {
  const withValue = (value: string, env: NodeJS.ProcessEnv): string | undefined => {
    const c = minimalConfig();
    (c.sut as Record<string, unknown>).version = value;
    return parseTarget(c, env).sut.version;
  };

  test('${VAR} and ${VAR:-default}', () => {
    expect(withValue('${UA}', { UA: 'x' })).toBe('x');
    expect(withValue('${UA:-fallback}', {})).toBe('fallback');
    expect(withValue('${UA:-fallback}', { UA: '' })).toBe('fallback');
    expect(withValue('${UA:-}', {})).toBe('');
    expect(withValue('a-${UA}-${V:-1.0}', { UA: 'ua' })).toBe('a-ua-1.0');
  });

  test('$${ writes a literal ${', () => {
    expect(withValue('$${UA}', {})).toBe('${UA}');
  });

  test('a set but empty variable without default is used as is', () => {
    const c = minimalConfig();
    (c.users as Record<string, unknown>[])[0].password = '${PW}';
    expect(parseTarget(c, { PW: '' }).users[0].password).toBe('');
  });

  test('whole-value variables become numbers and booleans where the schema wants them', () => {
    const c = { ...minimalConfig(), ics: { multiDevice: '${MD}' }, ixit: { timers: { t1: '${T1:-250}' } } };
    (c.sut as Record<string, unknown>).port = '${PORT}';
    (c.users as Record<string, unknown>[])[0].devices = '${DEVICES}';
    const t = parseTarget(c, { PORT: '5070', MD: 'true', DEVICES: '2' });
    expect(t.sut.port).toBe(5070);
    expect(t.ics.multiDevice).toBe(true);
    expect(t.ixit.timers.t1).toBe(250);
    expect(t.users[0].devices).toBe(2);
  });

  test('numeric-looking variables stay text in text fields', () => {
    const c = minimalConfig();
    (c.users as Record<string, unknown>[])[0].password = '${PW}';
    expect(parseTarget(c, { PW: '12345' }).users[0].password).toBe('12345');
  });

  test('keys are never interpolated, and the env defaults to process.env', () => {
    process.env.CPM_CONFIG_TEST_UA = 'from-process-env';
    try {
      expect(parseTarget({ ...minimalConfig(), ixit: { userAgent: '${CPM_CONFIG_TEST_UA}' } }).ixit.userAgent).toBe('from-process-env');
    } finally {
      delete process.env.CPM_CONFIG_TEST_UA;
    }
    expect(() => parseTarget({ ...minimalConfig(), '${X:-ics}': {} }, {})).toThrow(ConfigError);
  });

  test('an invalid variable name is an error', () => {
    expect(() => withValue('${1ABC}', {})).toThrow(/invalid variable reference/);
  });
});
