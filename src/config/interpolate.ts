/**
 * `${VAR}` / `${VAR:-default}` interpolation in string values, so secrets live in the environment
 * and not in the file (docs/target-config.md). Shell semantics: `:-` uses the default when the variable is
 * unset or empty; `$${` writes a literal `${`. Only values are interpolated, never keys.
 */
import type { ConfigIssue } from './config-error';
import { dotted, type PathSegment } from './paths';

export interface Interpolated {
  value: unknown;
  issues: ConfigIssue[];
  /** Paths whose whole value was one `${...}`: the loader may turn "5060" into 5060 there. */
  wholeValuePaths: PathSegment[][];
}

const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const EXPR = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

export function interpolate(input: unknown, env: NodeJS.ProcessEnv): Interpolated {
  const issues: ConfigIssue[] = [];
  const wholeValuePaths: PathSegment[][] = [];

  const visitString = (s: string, path: PathSegment[]): string => {
    let whole = false;
    const out = s.replace(TOKEN, (match: string, expr: string | undefined, offset: number) => {
      if (match === '$${') return '${';
      if (expr === undefined) {
        issues.push({ path: dotted(path), message: 'has "${" without a closing "}"', hint: 'write ${NAME} or ${NAME:-default}; write $${ for a literal ${' });
        return match;
      }
      const m = EXPR.exec(expr);
      if (!m) {
        issues.push({ path: dotted(path), message: `has an invalid variable reference "\${${expr}}"`, hint: 'variable names are letters, digits and _, not starting with a digit: ${NAME} or ${NAME:-default}' });
        return match;
      }
      const [, name, fallback] = m;
      const value = env[name];
      whole = offset === 0 && match.length === s.length;
      if (value !== undefined && (value !== '' || fallback === undefined)) return value;
      if (fallback !== undefined) return fallback;
      issues.push({ path: dotted(path), message: `uses environment variable ${name}, which is not set`, hint: `export ${name}=… before running, or write \${${name}:-default}` });
      return match;
    });
    if (whole) wholeValuePaths.push(path);
    return out;
  };

  const visit = (v: unknown, path: PathSegment[]): unknown => {
    if (typeof v === 'string') return v.includes('$') ? visitString(v, path) : v;
    if (Array.isArray(v)) return v.map((item, i) => visit(item, [...path, i]));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      // defineProperty: a "__proto__" key must stay a plain (and then unknown) key, not a prototype.
      for (const [k, item] of Object.entries(v)) Object.defineProperty(out, k, { value: visit(item, [...path, k]), enumerable: true, writable: true, configurable: true });
      return out;
    }
    return v;
  };

  return { value: visit(input, []), issues, wholeValuePaths };
}
