/**
 * Target config pipeline: read → ${ENV} interpolation → JSON Schema (with static defaults) →
 * dependent defaults → semantic checks. Any problem ends in one ConfigError listing all issues
 * found at that stage (later stages need the earlier ones clean to say anything sensible).
 */
import * as path from 'node:path';
import { ConfigError, type ConfigIssue } from './config-error';
import { applyDependentDefaults, type SchemaValid } from './defaults';
import { interpolate } from './interpolate';
import type { PathSegment } from './paths';
import { readConfigFile } from './read-source';
import { schemaIssues } from './schema-errors';
import { schemaAt } from './schema-walk';
import { semanticIssues } from './semantic';
import type { Target } from './target';
import { targetValidator } from './validator';

export interface ParseOptions {
  /** Folder relative TLS paths are resolved against; default: the working directory. */
  baseDir?: string;
  /** File name the errors are about. */
  file?: string;
}

/**
 * An env variable always yields text, but `port: ${SUT_PORT}` means a number: where a whole value
 * was one `${...}` and the schema wants a number or boolean, convert text that spells one.
 */
function coerceInterpolated(root: unknown, paths: PathSegment[][]): void {
  for (const p of paths) {
    if (p.length === 0) continue;
    const type = schemaAt(p)?.type;
    let parent = root as Record<string | number, unknown>;
    for (const s of p.slice(0, -1)) parent = parent[s] as Record<string | number, unknown>;
    const last = p[p.length - 1];
    const text = String(parent[last]).trim();
    if ((type === 'integer' && /^-?\d+$/.test(text)) || (type === 'number' && text !== '' && Number.isFinite(Number(text)))) parent[last] = Number(text);
    else if (type === 'boolean' && (text === 'true' || text === 'false')) parent[last] = text === 'true';
  }
}

export function parseTarget(obj: unknown, env: NodeJS.ProcessEnv = process.env, options: ParseOptions = {}): Target {
  const baseDir = path.resolve(options.baseDir ?? process.cwd());
  const { value, issues: envIssues, wholeValuePaths } = interpolate(obj, env);
  coerceInterpolated(value, wholeValuePaths);

  const validate = targetValidator();
  const valid = validate(value);
  // A value with an unset variable also fails its type/pattern; the env issue says it better.
  const envPaths = new Set(envIssues.map((i) => i.path));
  const issues: ConfigIssue[] = [...envIssues, ...(valid ? [] : schemaIssues(validate.errors ?? []).filter((i) => !envPaths.has(i.path)))];
  if (issues.length > 0) throw new ConfigError(issues, options.file);

  const target = applyDependentDefaults(value as SchemaValid, baseDir);
  const semantic = semanticIssues(target, baseDir);
  if (semantic.length > 0) throw new ConfigError(semantic, options.file);
  return target;
}

/** Load a YAML (.yaml/.yml) or JSON (.json) target config; throws ConfigError, never anything else for bad input. */
export function loadTarget(file: string, env: NodeJS.ProcessEnv = process.env): Target {
  const raw = readConfigFile(file);
  return parseTarget(raw, env, { baseDir: path.dirname(path.resolve(file)), file });
}
