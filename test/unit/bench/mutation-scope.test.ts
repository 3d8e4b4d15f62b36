/** Which suites judge a mutant of which reference file (bench/mutation-scope.ts, docs/mutation.md). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { extraPasses, suitesFor } from '../../../bench/mutation-scope';
import { SUITES } from '../../../suites/index';

describe('mutation scope', () => {
  it('names only suites that exist, for every file of the reference server', () => {
    const known = new Set(SUITES.map((s) => s.name));
    for (const f of readdirSync(join(__dirname, '../../../src/reference'))) {
      const suites = suitesFor([`src/reference/${f}`]);
      expect(suites.length).toBeGreaterThan(0);
      for (const s of suites) expect(known.has(s)).toBe(true);
    }
  });

  it('runs only the suites of the feature a file serves, every suite for the shared PF core', () => {
    expect(suitesFor(['src/reference/mld.ts'])).toEqual(['multi-device']);
    expect(suitesFor(['src/reference/transfer-mp.ts'])).toEqual(SUITES.filter((s) => s.name.startsWith('session-transfer/')).map((s) => s.name));
    expect(suitesFor(['src/reference/proxy.ts'])).toEqual(SUITES.map((s) => s.name));
    expect(suitesFor([])).toEqual(SUITES.map((s) => s.name));
    expect(suitesFor(['src/reference/mld.ts', 'src/reference/leaving-role.ts'])).toEqual(['session-leaving', 'multi-device']);
  });

  it('adds the passes a file needs beyond the default binding, with suites that exist', () => {
    const known = new Set(SUITES.map((s) => s.name));
    expect(extraPasses(['src/reference/registrar.ts']).map((x) => x.binding)).toEqual([{ deviceAddressing: 'gruu' }]);
    // The pull by REFER to the transfer PSI, the PSI in the service domain (transfer.ts psiInDomain).
    for (const f of ['src/reference/transfer.ts', 'src/reference/transfer-pull.ts']) {
      const [x, ...rest] = extraPasses([f]);
      expect(rest).toEqual([]);
      expect(x).toMatchObject({ binding: { pullMode: 'refer-to-psi' }, transferUriInDomain: true });
      for (const s of x.suites) expect(known.has(s)).toBe(true);
    }
    expect(extraPasses(['src/reference/transfer-mp.ts'])).toEqual([]);
    expect(extraPasses(['src/reference/mld.ts'])).toEqual([]);
  });

  it('runs the suites again under the knob only a file\'s behaviour needs, naming suites that exist', () => {
    const known = new Set(SUITES.map((s) => s.name));
    expect(extraPasses(['src/reference/transfer-registry.ts'])).toEqual([{ suites: ['session-transfer/remote-pull'], binding: { pullMode: 'refer-to-psi' } }]);
    expect(extraPasses(['src/reference/transfer-control.ts']).map((x) => x.binding)).toEqual([{ deviceAddressing: 'gruu' }]);
    expect(extraPasses(['src/reference/mld.ts'])).toEqual([]);
    for (const x of extraPasses(['src/reference/transfer-registry.ts', 'src/reference/registrar.ts'])) for (const s of x.suites) expect(known.has(s)).toBe(true);
  });
});
