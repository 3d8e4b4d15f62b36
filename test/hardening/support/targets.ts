/** HarnessTargets for the hardening tests: a plain SUT address with a pool of provisioned users. */
import type { HarnessTarget } from '../../../src/harness/target';
import { REFERENCE_BINDING } from '../../../bin/targets';
import type { CaseVariant, TestCase, TransportName } from '../../../src/harness/test-case';

export function plainTarget(host: string, port: number, transports: TransportName[], over: Partial<HarnessTarget> = {}): HarnessTarget {
  return {
    name: 'hostile test SUT',
    isReference: false,
    domain: 'cpm.example.com',
    pfA: { host, port },
    pfB: { host, port },
    pfMode: 'proxy',
    transports,
    topologies: ['direct', 'core-emulation'],
    localHost: '127.0.0.1',
    users: ['alice', 'bob', 'carol', 'dave'].map((n) => ({ aor: `sip:${n}@cpm.example.com`, username: n, password: `pw-${n}`, devices: 4 })),
    ics: { sessionLeaving: true, multiDevice: true, transfer: { csInMediaPath: true, csNotInMediaPath: true, pull: true } },
    ixit: { timers: { t1: 100, t2: 400, t4: 500 }, responseTimeoutMs: 700, quietPeriodMs: 100, registrationExpires: 600 },
    binding: { ...REFERENCE_BINDING },
    ...over,
  };
}

/** One variant of the case over this transport (direct topology first). */
export function variantFor(c: TestCase, transport: TransportName): CaseVariant | undefined {
  const mine = c.variants.filter((v) => v.transport === transport);
  return mine.find((v) => v.topology === 'direct') ?? mine[0] ?? (c.variants[0] ? { ...c.variants[0], transport } : undefined);
}

export async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

/** Poll until the process holds no more handles than `baseline` (closes finish on the next ticks), bounded. */
export async function settledResources(baseline: string[], timeoutMs = 3000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const extra = (): string[] => {
    const now = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    const left = [...baseline];
    return now.filter((r) => {
      const i = left.indexOf(r);
      if (i >= 0) {
        left.splice(i, 1);
        return false;
      }
      return true;
    });
  };
  let e = extra();
  while (e.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    e = extra();
  }
  return e;
}
