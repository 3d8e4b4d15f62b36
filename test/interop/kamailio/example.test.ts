/**
 * The README's "Pointing it at a real server" walk-through uses a shipped Kamailio config and
 * target config (fixtures/kamailio/kamailio.cfg, fixtures/targets/kamailio.yaml). They must be
 * what the interop tests prove: the cfg is the "conformant" variant the tests run, rendered for
 * the fixed port of the example, and the target config validates and points at it.
 * `UPDATE_KAMAILIO_EXAMPLE=1 npx jest test/interop/kamailio/example.test.ts` rewrites the cfg.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VARIANTS, kamailioConfig } from './config';
import { loadTarget } from '../../../src/config';
import { DOMAIN } from './targets';

const ROOT = join(__dirname, '..', '..', '..');
const CFG = join(ROOT, 'fixtures', 'kamailio', 'kamailio.cfg');
const TARGET = join(ROOT, 'fixtures', 'targets', 'kamailio.yaml');
const EXAMPLE = { host: '127.0.0.1', port: 5070, ctlSocket: '/tmp/cpm-kamailio/kamailio_ctl' };

const rendered = () => kamailioConfig(VARIANTS.conformant, { ...EXAMPLE, domain: DOMAIN, users: [] });

test('fixtures/kamailio/kamailio.cfg is the conformant variant the interop tests run', () => {
  if (process.env.UPDATE_KAMAILIO_EXAMPLE === '1') writeFileSync(CFG, rendered());
  expect(readFileSync(CFG, 'utf8')).toBe(rendered());
});

test('fixtures/targets/kamailio.yaml validates and points at the example Kamailio', () => {
  const t = loadTarget(TARGET);
  expect([t.sut.host, t.sut.port, t.sut.domain]).toEqual([EXAMPLE.host, EXAMPLE.port, DOMAIN]);
  expect([t.participatingFunction.a, t.participatingFunction.b]).toEqual([`${EXAMPLE.host}:${EXAMPLE.port}`, `${EXAMPLE.host}:${EXAMPLE.port}`]);
  expect(t.ics.multiDevice).toBe(true);
  expect(t.local.ports.from > EXAMPLE.port || t.local.ports.to < EXAMPLE.port).toBe(true);
});
