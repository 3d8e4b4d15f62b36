/** Navigation over targetSchema: what the schema says at a path, and where every key lives. */
import { targetSchema } from './schema';
import type { PathSegment } from './paths';

export type SchemaNode = { [k: string]: unknown };

const definitions = targetSchema.definitions as unknown as Record<string, SchemaNode>;

function deref(node: SchemaNode): SchemaNode {
  const r = node.$ref;
  if (typeof r === 'string' && r.startsWith('#/definitions/')) return { ...definitions[r.slice('#/definitions/'.length)], ...node };
  return node;
}

/** The (dereferenced) schema node describing the value at `segments`, or undefined if none does. */
export function schemaAt(segments: readonly PathSegment[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = targetSchema as unknown as SchemaNode;
  for (const s of segments) {
    if (!node) return undefined;
    node = deref(node);
    if (typeof s === 'number') node = node.items as SchemaNode | undefined;
    else node = (node.properties as Record<string, SchemaNode> | undefined)?.[s];
  }
  return node ? deref(node) : undefined;
}

/** Every property path in the schema, e.g. `ixit.timers.t1`, `users[].devices`; for "move it under" hints. */
export function allKeyPaths(): string[] {
  const out: string[] = [];
  const walk = (node: SchemaNode, prefix: string): void => {
    const n = deref(node);
    if (n.items) walk(n.items as SchemaNode, `${prefix}[]`);
    const props = n.properties as Record<string, SchemaNode> | undefined;
    if (!props) return;
    for (const [k, child] of Object.entries(props)) {
      const p = prefix === '' ? k : `${prefix}.${k}`;
      out.push(p);
      walk(child, p);
    }
  };
  walk(targetSchema as unknown as SchemaNode, '');
  return out;
}

/**
 * Every leaf of the schema: a key whose value is a scalar or a list of scalars (`sut.port`,
 * `users[].realm`, `ixit.csMsrpHosts`), not a mapping. What a target config can set.
 */
export function leafKeyPaths(): string[] {
  return allKeyPaths().filter((p) => {
    const node = schemaAt(p.split('.').flatMap((k) => (k.endsWith('[]') ? [k.slice(0, -2), 0] : [k])));
    const items = node?.items as SchemaNode | undefined;
    return node !== undefined && node.properties === undefined && (items === undefined || deref(items).properties === undefined);
  });
}
