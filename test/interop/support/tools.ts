/**
 * Availability of the external peers the interop tests drive (design §8: SIPp as an independent
 * UA, tshark as an independent decoder). Outside CI a missing tool skips the tests with the
 * install command; with CI=true a missing tool is a failure, so a broken CI image cannot pass.
 */
import { spawnSync } from 'node:child_process';

export const INSTALL_COMMAND = 'apt-get install -y sip-tester tshark';

export type Tool = 'sipp' | 'tshark';

const cache = new Map<Tool, boolean>();

/** Whether a tool runs at all (bounded: a hung binary counts as missing). */
export function hasTool(tool: Tool): boolean {
  const known = cache.get(tool);
  if (known !== undefined) return known;
  // `sipp -v` exits non-zero on some builds; any run that produced output counts as present.
  const r = spawnSync(tool, ['-v'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
  const ok = !r.error && `${r.stdout}${r.stderr}`.length > 0;
  cache.set(tool, ok);
  return ok;
}

export function isCI(): boolean {
  const v = process.env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export interface ToolGate {
  /** All tools present: run the tests. */
  run: boolean;
  /** Missing tools are an error (CI): register a failing test with `reason`. */
  fail: boolean;
  reason: string;
}

export function gate(tools: readonly Tool[]): ToolGate {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return { run: true, fail: false, reason: '' };
  const reason = `${missing.join(', ')} not installed: run \`${INSTALL_COMMAND}\``;
  return { run: false, fail: isCI(), reason };
}

/**
 * `describe` that runs when the tools are present, is skipped (title says why and how to fix)
 * outside CI, and fails loudly in CI.
 */
export function describeWithTools(tools: readonly Tool[], title: string, body: () => void): void {
  const g = gate(tools);
  if (g.run) {
    describe(title, body);
  } else if (g.fail) {
    describe(title, () => {
      it('has its peer tools installed (CI=true)', () => {
        throw new Error(g.reason);
      });
    });
  } else {
    describe.skip(`${title} [skipped: ${g.reason}]`, body);
  }
}
