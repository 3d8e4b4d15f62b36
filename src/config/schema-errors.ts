/**
 * ajv errors → ConfigIssues that name the path and say what to write instead. ajv runs with
 * `verbose` so each error carries its schema node (title / examples / properties) and the value.
 */
import type { ErrorObject } from 'ajv';
import YAML from 'yaml';
import type { ConfigIssue } from './config-error';
import { closest } from './did-you-mean';
import { dotted, leafKey, pointerSegments, type PathSegment } from './paths';
import { allKeyPaths, schemaAt, type SchemaNode } from './schema-walk';
import { isSecretKey, MASK } from './secrets';

const TYPE_NAMES: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'text (a string)',
  boolean: 'true or false',
  object: 'a mapping (key: value lines)',
  array: 'a list',
};

/** The value as the user would recognise it, secrets masked, long strings cut. */
function show(v: unknown, key: string | undefined): string {
  if (isSecretKey(key)) return MASK;
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

/** A value rendered as one line of YAML, for `write key: value` hints. */
export function yamlInline(v: unknown): string {
  return YAML.stringify(v, { collectionStyle: 'flow', lineWidth: 0 }).trim();
}

function exampleOf(node: SchemaNode | undefined): unknown {
  const ex = node?.examples;
  return Array.isArray(ex) && ex.length > 0 ? ex[0] : undefined;
}

function writeHint(key: string | undefined, node: SchemaNode | undefined, value?: unknown): string | undefined {
  const v = value !== undefined ? value : exampleOf(node);
  if (v === undefined) return undefined;
  return key === undefined ? `write ${yamlInline(v)}` : `write ${key}: ${yamlInline(v)}`;
}

function unknownKeyIssue(segments: PathSegment[], key: string, parent: SchemaNode): ConfigIssue {
  const known = Object.keys((parent.properties as Record<string, unknown> | undefined) ?? {});
  const path = dotted([...segments, key]);
  const guess = closest(key, known);
  if (guess) return { path, message: `unknown key "${key}"`, hint: `did you mean "${guess}"?` };
  // A right key at the wrong level (e.g. `timers` at the top instead of under `ixit`).
  const elsewhere = allKeyPaths().filter((p) => p.split('.').pop() === key || p.endsWith(`].${key}`));
  if (elsewhere.length > 0) return { path, message: `unknown key "${key}" here`, hint: `it belongs at ${elsewhere.join(' or ')}; move it there` };
  return { path, message: `unknown key "${key}"`, hint: known.length > 0 ? `known keys here: ${known.join(', ')}` : undefined };
}

function issueFor(e: ErrorObject): ConfigIssue | undefined {
  const segments = pointerSegments(e.instancePath);
  const path = dotted(segments);
  const key = leafKey(segments);
  const node = (e.parentSchema as SchemaNode | undefined) ?? schemaAt(segments);
  const got = show(e.data, key);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return unknownKeyIssue(segments, String(params.additionalProperty), node ?? {});
    case 'required': {
      const missing = String(params.missingProperty);
      const child = schemaAt([...segments, missing]);
      const d = child?.description;
      const what = typeof d === 'string' ? ` (${d.charAt(0).toLowerCase()}${d.slice(1).replace(/\.$/, '')})` : '';
      return { path: dotted([...segments, missing]), message: `is required but missing${what}`, hint: writeHint(missing, child) && `add ${writeHint(missing, child)?.slice('write '.length)}` };
    }
    case 'type': {
      const message = segments.length === 0 ? `must be ${TYPE_NAMES[String(params.type)] ?? params.type} of sections (sut:, users:, …) (got ${got})` : `must be ${TYPE_NAMES[String(params.type)] ?? params.type} (got ${got})`;
      const hint =
        segments.length === 0
          ? 'start from fixtures/targets/sample-target.yaml'
          : params.type === 'object'
            ? `write ${key}: on its own line, then its keys indented below it (see fixtures/targets/sample-target.yaml)`
            : writeHint(key, schemaAt(segments));
      return { path, message, hint };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const guess = closest(String(e.data), allowed) ?? allowed[0];
      return { path, message: `must be one of ${allowed.join(', ')} (got ${got})`, hint: writeHint(key, node, guess) };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const words: Record<string, string> = { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'more than', exclusiveMaximum: 'less than' };
      const n = schemaAt(segments);
      const range = typeof n?.minimum === 'number' && typeof n?.maximum === 'number' ? `use a value from ${n.minimum} to ${n.maximum}` : undefined;
      return { path, message: `must be ${words[e.keyword]} ${String(params.limit)} (got ${got})`, hint: range ?? writeHint(key, n) };
    }
    case 'minItems': {
      const n = Number(params.limit);
      const count = Array.isArray(e.data) ? e.data.length : 0;
      return { path, message: `must have at least ${n} entr${n === 1 ? 'y' : 'ies'} (got ${count})`, hint: typeof node?.description === 'string' ? node.description : undefined };
    }
    case 'minLength':
      return { path, message: 'must not be empty', hint: writeHint(key, schemaAt(segments)) };
    case 'pattern':
    case 'format':
    case 'anyOf': {
      // Failures of the branches inside an anyOf are reported once, by the anyOf itself.
      if (e.keyword !== 'anyOf' && e.schemaPath.includes('/anyOf/')) return undefined;
      const n = schemaAt(segments);
      const title = typeof n?.title === 'string' ? n.title : `valid (${e.message ?? e.keyword})`;
      return { path, message: `must be ${title} (got ${got})`, hint: writeHint(key, n) };
    }
    default:
      return { path, message: `${e.message ?? 'is invalid'} (got ${got})`, hint: writeHint(key, schemaAt(segments)) };
  }
}

/** One issue per path (a wrong type also fails enum/pattern; the first error says it best). */
export function schemaIssues(errors: readonly ErrorObject[]): ConfigIssue[] {
  const byPath = new Map<string, ConfigIssue>();
  for (const e of errors) {
    const issue = issueFor(e);
    if (issue && !byPath.has(issue.path)) byPath.set(issue.path, issue);
  }
  return [...byPath.values()];
}
