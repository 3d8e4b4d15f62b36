/**
 * Nothing in the target schema is left unused (issue 12, "Network config honoured"): a walk over
 * every leaf of src/config/schema.ts sets a non-default value and shows that the HarnessTarget the
 * run uses changes — or the leaf is in CONSUMED_ELSEWHERE with how it is consumed. A leaf added to
 * the schema that neither changes the target nor is justified fails here. The local.* leaves are
 * also shown at the socket level: a Topology built from the config binds and advertises by them.
 */
import { parseTarget, type Target } from '../../../src/config';
import { leafKeyPaths, schemaAt } from '../../../src/config/schema-walk';
import { targetFromConfig } from '../../../bin/targets';
import type { HarnessTarget } from '../../../src/harness/target';
import { Topology } from '../../../src/harness/topology';
import { PortRange } from '../../../src/harness/port-range';
import { Tap } from '../../../src/sip/transport/tap';
import { cleanupTmp, minimalConfig, writeTmp, type RawConfig } from '../config/helpers';

/** Leaves no HarnessTarget field can show, each with how it is consumed. */
const CONSUMED_ELSEWHERE: Record<string, string> = {
  $schema: 'a pointer for editors that speak JSON Schema (yaml-language-server, VS Code); the harness itself never needs it',
};

type Patch = (c: RawConfig) => void;
/** Leaves whose schema example is the default, or that need other keys set: the probe to use. */
interface Probe {
  /** Applied to both sides: what the leaf needs around it (TLS transport, a key beside a cert). */
  base?: Patch;
  value: unknown;
}

const tlsFile = (name: string) => writeTmp(`tls/${name}.pem`, `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n`);
const tlsBase = (c: RawConfig) => {
  c.sut.transport = 'tls';
};
const withClientCert = (c: RawConfig) => {
  tlsBase(c);
  c.sut.tls = { cert: tlsFile('cert-a'), key: tlsFile('key-a') };
};

const PROBES: Record<string, () => Probe> = {
  'sut.host': () => ({ value: '192.0.2.5' }),
  'sut.tls.ca': () => ({ base: tlsBase, value: tlsFile('ca') }),
  'sut.tls.cert': () => ({ base: withClientCert, value: tlsFile('cert-b') }),
  'sut.tls.key': () => ({ base: withClientCert, value: tlsFile('key-b') }),
  'sut.tls.passphrase': () => ({ base: withClientCert, value: 'not-a-real-passphrase' }),
  'sut.tls.servername': () => ({ base: tlsBase, value: 'sut.example.com' }),
  'sut.tls.insecure': () => ({ base: tlsBase, value: true }),
  'local.host': () => ({ value: '127.0.0.3' }),
  'local.advertisedHost': () => ({ value: '192.0.2.10' }),
  'participatingFunction.a': () => ({ value: '127.0.0.1:5070' }),
  'participatingFunction.b': () => ({ value: '127.0.0.1:5080' }),
  'users[].aor': () => ({ value: 'sip:carol@cpm.example.com' }),
  'users[].username': () => ({ value: 'alice-login' }),
  'users[].password': () => ({ value: 'not-a-real-password' }),
  'users[].devices': () => ({ value: 3 }),
  'ixit.csMsrpHosts': () => ({ value: ['192.0.2.7'] }),
  'ixit.userAgent': () => ({ value: 'Acme tester' }),
};

/** A value other than the default, from the schema's own annotations. */
function autoValue(leaf: string): unknown {
  const n = schemaAt(segments(leaf)) ?? {};
  const examples = n.examples as unknown[] | undefined;
  if (Array.isArray(n.enum)) return (n.enum as unknown[]).find((v) => v !== n.default);
  if (n.type === 'boolean') return !(n.default ?? false);
  if (n.type === 'integer') {
    const base = (n.default ?? examples?.[0] ?? n.minimum) as number;
    return base + 1 <= ((n.maximum as number | undefined) ?? Infinity) ? base + 1 : base - 1;
  }
  return examples?.[0];
}

function segments(leaf: string): Array<string | number> {
  return leaf.split('.').flatMap((k) => (k.endsWith('[]') ? [k.slice(0, -2), 0] : [k]));
}

function setLeaf(c: RawConfig, leaf: string, value: unknown): void {
  const segs = segments(leaf);
  let node = c as unknown as Record<string | number, unknown>;
  for (const s of segs.slice(0, -1)) {
    node[s] ??= {};
    node = node[s] as Record<string | number, unknown>;
  }
  node[segs[segs.length - 1]] = value;
}

/** A config every claim and knob can be set on: a user with two devices, a transfer URI. */
function richConfig(): RawConfig {
  const c = minimalConfig();
  c.users = c.users.map((u, i) => ({ ...u, devices: i === 0 ? 2 : 1 }));
  c.ixit = { transferUri: 'sip:transfer@cpm.example.com' };
  return c;
}

const parse = (c: RawConfig): Target => parseTarget(JSON.parse(JSON.stringify(c)), {});

/** Whether a non-default value of the leaf changes what `toHarness` makes of the config; or why it could not be tried. */
function changes(leaf: string, toHarness: (t: Target) => HarnessTarget = targetFromConfig): true | string {
  const probe = PROBES[leaf]?.() ?? { value: autoValue(leaf) };
  if (probe.value === undefined) return `no value to try for ${leaf}: give it a probe in PROBES`;
  const before = richConfig();
  probe.base?.(before);
  const after = JSON.parse(JSON.stringify(before)) as RawConfig;
  setLeaf(after, leaf, probe.value);
  let a: HarnessTarget;
  let b: HarnessTarget;
  try {
    a = toHarness(parse(before));
    b = toHarness(parse(after));
  } catch (e) {
    return `${leaf} = ${JSON.stringify(probe.value)} is not a valid config (${(e as Error).message}): give it a probe in PROBES`;
  }
  const norm = (t: HarnessTarget) => JSON.stringify(t);
  return norm(a) !== norm(b) ? true : `${leaf}: a non-default value changes nothing in the HarnessTarget — wire it through (bin/targets.ts targetFromConfig) or say in CONSUMED_ELSEWHERE how it is consumed`;
}

afterAll(() => cleanupTmp());

describe('every leaf of the target schema is consumed', () => {
  const leaves = leafKeyPaths();

  test('the walk covers the schema: every section, 45+ leaves', () => {
    expect(leaves.length).toBeGreaterThanOrEqual(45);
    for (const section of ['sut.', 'local.', 'participatingFunction.', 'users[].', 'ics.', 'ixit.', 'binding.']) {
      expect(leaves.some((l) => l.startsWith(section))).toBe(true);
    }
    expect(leaves).toEqual(expect.arrayContaining(['local.ports.from', 'local.ports.to', 'local.advertisedHost', 'users[].realm', 'sut.tls.passphrase', 'ixit.csMsrpHosts']));
  });

  test('no stale entry: every probe and justification names a leaf of the schema', () => {
    expect([...Object.keys(PROBES), ...Object.keys(CONSUMED_ELSEWHERE)].filter((k) => !leaves.includes(k))).toEqual([]);
    for (const why of Object.values(CONSUMED_ELSEWHERE)) expect(why.length).toBeGreaterThan(20);
  });

  test.each(leafKeyPaths().filter((l) => !(l in CONSUMED_ELSEWHERE)))('%s: a non-default value changes the HarnessTarget', (leaf) => {
    expect(changes(leaf)).toBe(true);
  });

  test('the walk fails a leaf nothing consumes (checked by dropping what targetFromConfig does with two leaves)', () => {
    const dropRealm = (t: Target) => ({ ...targetFromConfig(t), users: targetFromConfig(t).users.map(({ realm: _r, ...u }) => u) });
    expect(changes('users[].realm', dropRealm)).toMatch(/changes nothing in the HarnessTarget/);
    const dropPorts = (t: Target) => ({ ...targetFromConfig(t), localPorts: undefined });
    expect(changes('local.ports.to', dropPorts)).toMatch(/changes nothing/);
  });
});

describe('local.host, local.ports and local.advertisedHost reach the sockets', () => {
  test('a Topology built from the config binds on local.host inside local.ports and advertises local.advertisedHost', async () => {
    const c = richConfig();
    c.local = { host: '127.0.0.3', advertisedHost: '127.0.0.2', ports: { from: 23900, to: 23949 } };
    const target = targetFromConfig(parse(c));
    const variant = { transport: 'udp' as const, topology: 'core-emulation' as const, devices: [2, 1] };
    const range = new PortRange('127.0.0.3', { from: 23900, to: 23949 });
    const topology = await Topology.build(target, variant, new Tap(), Topology.pickUsers(target, variant, target.users));
    try {
      const sockets = topology.localAddresses;
      expect(sockets).toHaveLength(5);
      for (const a of sockets) {
        expect(a.host).toBe('127.0.0.3');
        expect(range.contains(a.port)).toBe(true);
      }
      // Devices: contact and MSRP port (inside the range, not the SIP port + 1 by chance of the kernel).
      for (const d of topology.devices) {
        expect(d.contactUri).toBe(`sip:${d.contactUri.slice(4).split('@')[0]}@127.0.0.2:${d.address.port}`);
        expect(range.contains(d.msrpPort)).toBe(true);
      }
      expect(topology.cores.map((x) => x.routeUri('t2'))).toEqual(topology.cores.map((x) => `sip:127.0.0.2:${x.address.port};lr;hop=t2`));
      expect(range.inUse).toBe(8); // 5 sockets + 3 MSRP ports
    } finally {
      await topology.close();
    }
    expect(range.inUse).toBe(0);
  });
});
