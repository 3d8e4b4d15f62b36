import { REQUIREMENTS, requirement, isRequirementId } from '../../../src/harness/requirements';
import { allCases } from '../../../suites/index';

describe('requirements catalogue (docs/cpm-sip-binding.md, Requirements)', () => {
  it('has unique IDs, and every case names only catalogued requirements, a spec clause and a quoted sentence', () => {
    const ids = REQUIREMENTS.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of allCases()) {
      expect(c.requirements.length).toBeGreaterThan(0);
      for (const id of c.requirements) expect(isRequirementId(id)).toBe(true);
      expect(c.spec.sentence.length).toBeGreaterThan(20);
      expect(c.variants.length).toBeGreaterThan(0);
    }
    expect(() => requirement('NOPE')).toThrow(/unknown requirement/);
  });

  it('case ids are unique', () => {
    const ids = allCases().map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
