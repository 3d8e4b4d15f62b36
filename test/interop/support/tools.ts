/**
 * Availability of the external peers the interop tests drive (docs/architecture.md, Conventions: SIPp as an independent
 * UA, tshark as an independent decoder, Kamailio as an independent SUT). Outside CI a missing
 * tool skips the tests with the install command; with CI=true a missing tool is a failure, so a
 * broken CI image cannot pass.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const INSTALL_COMMAND = 'apt-get install -y sip-tester tshark';

export type Tool = 'sipp' | 'tshark' | 'kamailio';

/** Debian package of each tool (the install command names only what is missing). */
const PACKAGE: Record<Tool, string> = { sipp: 'sip-tester', tshark: 'tshark', kamailio: 'kamailio' };

/** Where a tool may live besides PATH: Debian installs kamailio in /usr/sbin, often not on a user's PATH. */
const FALLBACK: Partial<Record<Tool, string>> = { kamailio: '/usr/sbin/kamailio' };

const cache = new Map<Tool, string | null>();

/** The command that runs a tool (its name on PATH, or the fallback path), or null when it does not run. */
export function toolPath(tool: Tool): string | null {
  const known = cache.get(tool);
  if (known !== undefined) return known;
  // `sipp -v` exits non-zero on some builds; any run that produced output counts as present.
  const runs = (cmd: string) => {
    const r = spawnSync(cmd, ['-v'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
    return !r.error && `${r.stdout}${r.stderr}`.length > 0;
  };
  const fallback = FALLBACK[tool];
  const found = runs(tool) ? tool : fallback && existsSync(fallback) && runs(fallback) ? fallback : null;
  cache.set(tool, found);
  return found;
}

/** Whether a tool runs at all (bounded: a hung binary counts as missing). */
export function hasTool(tool: Tool): boolean {
  return toolPath(tool) !== null;
}

/** `apt-get install -y …` for these tools. */
export function installCommand(tools: readonly Tool[]): string {
  return `apt-get install -y ${[...new Set(tools.map((t) => PACKAGE[t]))].join(' ')}`;
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
  const reason = `${missing.join(', ')} not installed: run \`${installCommand(missing)}\``;
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
