/**
 * Every binding knob of the target config (docs/cpm-sip-binding.md) and the IXIT reaches the harness: a knob the
 * schema accepts but no suite reads would be a setting that silently does nothing.
 */
import * as path from 'node:path';
import { loadTarget, parseTarget, targetSchema } from '../../../src/config';
import { serverTimers } from '../../../bin/commands/reference-server';
import { REFERENCE_IXIT, lossTolerant, referenceTimers, targetFromConfig } from '../../../bin/targets';
import { harnessTimers, type HarnessTarget } from '../../../src/harness/target';
import { minimalConfig } from '../config/helpers';

describe('targetFromConfig', () => {
  test('carries every binding knob with the value configured (non-default values)', () => {
    const binding = {
      reasonOnCancel: 'ignore', deviceAddressing: 'gruu', releaseInitiator: 'transferee', referSuccessCode: '200-or-202',
      joinCorrelation: 'replaces', pullMode: 'refer-to-psi', contributionIdOnTransfer: 'new', serviceIdentification: 'oma-sip-im',
      allowReinviteToTransferee: true, csMsrpRole: 'relay',
    };
    const base = minimalConfig();
    const users = base.users.map((u: { devices?: number }, i: number) => ({ ...u, devices: i === 0 ? 2 : 1 }));
    const cfg = { ...base, users, ics: { transfer: { pull: true } }, ixit: { transferUri: 'sip:transfer@cpm.example.com', userAgent: 'Acme tester', timers: { b: 20000 } }, binding };
    const t = targetFromConfig(parseTarget(cfg, {}));
    expect(t.binding).toEqual(binding);
    expect(t.ixit.userAgent).toBe('Acme tester');
    expect(t.ixit.timers).toEqual({ t1: 500, t2: 4000, t4: 5000, b: 20000 });
    expect(t.ixit.transferUri).toBe('sip:transfer@cpm.example.com');
  });

  test('the schema has no binding knob the harness target lacks', () => {
    const schemaKnobs = Object.keys((targetSchema.properties.binding as { properties: Record<string, unknown> }).properties).sort();
    const t = targetFromConfig(parseTarget(minimalConfig(), {}));
    expect(Object.keys(t.binding).sort()).toEqual(schemaKnobs);
  });
});

describe('fixtures/targets/reference.yaml describes `reference-server` as it runs', () => {
  const usage = (msg: string): never => {
    throw new Error(msg);
  };

  test('its IXIT timers are the standalone server\'s default timers (a case judging Timer B reads them)', () => {
    const fixture = loadTarget(path.join(__dirname, '..', '..', '..', 'fixtures', 'targets', 'reference.yaml'), {});
    expect(fixture.ixit.timers).toEqual(serverTimers(undefined, usage));
  });

  test('--t1 scales T2 and T4 in RFC 3261 ratios; out of range is a usage error naming --t1', () => {
    expect(serverTimers(500, usage)).toEqual({ t1: 500, t2: 4000, t4: 5000 });
    expect(() => serverTimers(5, usage)).toThrow(/--t1/);
    expect(() => serverTimers(Number.NaN, usage)).toThrow(/--t1/);
  });
});

describe('the built-in reference server\'s Timer B', () => {
  test('set apart from 64·T1 in a run, back at 64·T1 with datagram loss, for the server and the cases alike', () => {
    expect(referenceTimers(undefined)).toEqual({ t1: 100, t2: 800, t4: 1000, b: 4000 });
    expect(referenceTimers(0.1)).toEqual({ t1: 100, t2: 800, t4: 1000 });
    const lossy = lossTolerant({ ixit: REFERENCE_IXIT } as HarnessTarget, 0.1);
    expect(lossy.ixit.timers.b).toBeUndefined();
    expect(lossy.ixit.responseTimeoutMs).toBe(6400);
    // Without loss the cases wait the server's own 4 s.
    expect(lossTolerant({ ixit: REFERENCE_IXIT } as HarnessTarget, undefined).ixit.timers.b).toBe(4000);
  });

  test('the harness\'s own elements keep 64·T1: a device never gives up before the SUT does', () => {
    expect(harnessTimers({ ixit: REFERENCE_IXIT })).toEqual({ t1: 100, t2: 800, t4: 1000 });
  });
});

describe('the built-in reference target', () => {
  test('names the package version whoever started the process (not only under npx, where npm sets npm_package_version)', () => {
    const saved = process.env.npm_package_version;
    delete process.env.npm_package_version;
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { referenceTarget } = require('../../../bin/targets') as typeof import('../../../bin/targets');
        const server = { pfA: { host: '127.0.0.1', port: 5060 }, pfB: { host: '127.0.0.1', port: 5062 }, mode: 'proxy', transports: ['udp'] };
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const pkg = require('../../../package.json') as { version: string };
        expect(referenceTarget(server as never).version).toBe(pkg.version);
      });
    } finally {
      if (saved !== undefined) process.env.npm_package_version = saved;
    }
  });
});
