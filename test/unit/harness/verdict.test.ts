import { applyStrict, exitCodeFor, worse, worst } from '../../../src/harness/verdict';

describe('verdicts (docs/architecture.md, Verdicts)', () => {
  it('worst wins: pass < non-strict < inconclusive < fail < error; n/a never hides a verdict', () => {
    expect(worst(['pass', 'non-strict'])).toBe('non-strict');
    expect(worst(['non-strict', 'inconclusive', 'pass'])).toBe('inconclusive');
    expect(worst(['inconclusive', 'fail'])).toBe('fail');
    expect(worst(['fail', 'error'])).toBe('error');
    expect(worst(['n/a', 'pass'])).toBe('pass');
    expect(worst([], 'pass')).toBe('pass');
    expect(worse('fail', 'pass')).toBe('fail');
  });

  it('--strict turns non-strict into fail and nothing else', () => {
    expect(applyStrict('non-strict', true)).toBe('fail');
    expect(applyStrict('non-strict', false)).toBe('non-strict');
    expect(applyStrict('inconclusive', true)).toBe('inconclusive');
  });

  it('exit codes: 0 clean, 1 any fail, 3 inconclusive/error only', () => {
    expect(exitCodeFor(['pass', 'non-strict', 'n/a'])).toBe(0);
    expect(exitCodeFor(['pass', 'inconclusive', 'fail'])).toBe(1);
    expect(exitCodeFor(['pass', 'error'])).toBe(3);
    expect(exitCodeFor(['inconclusive'])).toBe(3);
  });
});
