/**
 * Every way a target config can be wrong ends here: a list of issues, each naming the JSON path
 * and, where we can tell, what to write instead. format() is what users read, so it never carries
 * a stack trace or a secret value.
 */

export interface ConfigIssue {
  /** Dotted path into the config (`users[2].devices`), or `(file)` / `(syntax)` for file-level problems. */
  path: string;
  message: string;
  /** What to write instead, or where to look. */
  hint?: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  /** The config file the issues are about, when it came from a file. */
  readonly file?: string;

  constructor(issues: ConfigIssue[], file?: string) {
    const first = issues[0];
    super(first ? `${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}` : 'invalid target config');
    this.name = 'ConfigError';
    this.issues = issues;
    this.file = file;
  }

  /** Human text: a header line, then one line per issue (`path: message — hint`). */
  format(): string {
    const where = this.file ?? 'target config';
    const n = this.issues.length;
    const head = `${where}: invalid target config (${n} problem${n === 1 ? '' : 's'})`;
    return [head, ...this.issues.map((i) => `  ${formatIssue(i)}`)].join('\n');
  }
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.path}: ${i.message}${i.hint ? ` — ${i.hint}` : ''}`;
}
