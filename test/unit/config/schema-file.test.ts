/**
 * schema/target.schema.json is published from src/config/schema.ts. To regenerate after a schema
 * change: UPDATE_SCHEMA=1 npx jest test/unit/config/schema-file.test.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseTarget, targetSchema } from '../../../src/config';
import { minimalConfig, repoRoot } from './helpers';

const SCHEMA_FILE = path.join(repoRoot, 'schema/target.schema.json');
const generated = `${JSON.stringify(targetSchema, null, 2)}\n`;

describe('published schema', () => {
  test('schema/target.schema.json equals the generated schema', () => {
    if (process.env.UPDATE_SCHEMA) fs.writeFileSync(SCHEMA_FILE, generated);
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(generated);
  });

  test('a defaulted Target has exactly the keys the schema declares (Target and schema in step)', () => {
    const keyPaths = (v: unknown, prefix: string, out: Set<string>): Set<string> => {
      if (Array.isArray(v)) v.forEach((item) => keyPaths(item, `${prefix}[]`, out));
      else if (v !== null && typeof v === 'object') {
        for (const [k, item] of Object.entries(v)) {
          const p = prefix ? `${prefix}.${k}` : k;
          out.add(p);
          if (!Array.isArray(item) || typeof item[0] === 'object') keyPaths(item, p, out);
        }
      }
      return out;
    };
    const schemaPaths = (node: Record<string, unknown>, prefix: string, out: Set<string>): Set<string> => {
      const defs = targetSchema.definitions as Record<string, Record<string, unknown>>;
      const n = typeof node.$ref === 'string' ? defs[node.$ref.split('/').pop() as string] : node;
      if (n.items && (n.items as Record<string, unknown>).properties) schemaPaths(n.items as Record<string, unknown>, `${prefix}[]`, out);
      for (const [k, child] of Object.entries((n.properties as Record<string, Record<string, unknown>>) ?? {})) {
        const p = prefix ? `${prefix}.${k}` : k;
        out.add(p);
        schemaPaths(child, p, out);
      }
      return out;
    };
    // Every optional field present, so the Target shows every key it can have.
    const c = minimalConfig();
    Object.assign(c.sut as object, { version: '1', transport: 'tls', tls: { ca: __filename, cert: __filename, key: __filename, passphrase: 'p', servername: 'sut.example.com' } });
    (c.users as Record<string, unknown>[])[0] = { aor: 'sip:alice@cpm.example.com', password: 'p', realm: 'r', devices: 2 };
    const t = parseTarget({ ...c, ixit: { transferUri: 'sip:t@cpm.example.com', timers: { b: 32000 } } }, {});
    const fromSchema = schemaPaths(targetSchema as unknown as Record<string, unknown>, '', new Set());
    fromSchema.delete('$schema');
    expect([...keyPaths(t, '', new Set())].sort()).toEqual([...fromSchema].sort());
  });
});
