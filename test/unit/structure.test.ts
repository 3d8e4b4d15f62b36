/**
 * The codebase's shape, held by a test so it cannot drift (docs/architecture.md "Layers" and
 * "Conventions"): layers point one way, no import cycle between files, one concept per file under
 * 400 lines, and no non-null assertion in the suites (a suite narrows with `t.require`, which turns
 * a missing message into a finding instead of a TypeError).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const TREES = ['src', 'suites', 'bin', 'reporters'];
const MAX_LINES = 400;

/**
 * Which areas each area may import (besides itself). src/sip and src/msrp are one wire layer: the
 * trace tap records both protocols' messages and the linter checks both, so they may import each
 * other (file cycles between them are still refused below).
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  'src/sip': ['src/msrp'],
  'src/msrp': ['src/sip'],
  'src/config': [],
  'src/harness': ['src/sip', 'src/msrp', 'src/config'],
  'src/reference': ['src/sip', 'src/msrp'],
  suites: ['reporters', 'src/harness', 'src/sip', 'src/msrp', 'src/config'],
  reporters: ['suites', 'src/harness', 'src/sip', 'src/msrp', 'src/config'],
  bin: ['suites', 'reporters', 'src/harness', 'src/sip', 'src/msrp', 'src/config', 'src/reference'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

function areaOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'src' ? `${parts[0]}/${parts[1]}` : parts[0];
}

interface Parsed {
  text: string;
  source: ts.SourceFile;
  /** Relative imports resolved to project files (type-only ones too: a cycle of types is still a tangle). */
  imports: string[];
}

const FILES = TREES.flatMap(sourceFiles).sort();
const KNOWN = new Set(FILES);

function resolveImport(from: string, spec: string): string | undefined {
  const base = normalize(join(dirname(from), spec));
  return [`${base}.ts`, join(base, 'index.ts'), base].find((c) => KNOWN.has(c));
}

function parse(file: string): Parsed {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const imports: string[] = [];
  const visit = (node: ts.Node): void => {
    let spec: ts.Expression | undefined;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) spec = node.moduleSpecifier;
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) spec = node.arguments[0];
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith('.')) {
      const target = resolveImport(file, spec.text);
      if (target) imports.push(target);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { text, source, imports };
}

const PARSED = new Map(FILES.map((f) => [f, parse(f)]));

/** Tarjan's strongly connected components of the file import graph: any component of two or more files is a cycle. */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) {
      onStack.delete(w);
      component.push(w);
    }
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const f of graph.keys()) if (!index.has(f)) connect(f);
  return cycles;
}

function nonNullAssertions(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isNonNullExpression(node)) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart());
      found.push(`${source.fileName}:${line + 1}: ${node.getText().slice(0, 60)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Imports that cross into an area the importer's area may not use. */
function layerViolations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  return [...graph].flatMap(([f, imports]) => {
    const from = areaOf(f);
    const allowed = MAY_IMPORT[from];
    if (!allowed) return [`${f}: area ${from} has no layer (add it to docs/architecture.md and this test)`];
    return imports.filter((t) => areaOf(t) !== from && !allowed.includes(areaOf(t))).map((t) => `${f} → ${t}`);
  });
}

const GRAPH: ReadonlyMap<string, readonly string[]> = new Map(FILES.map((f) => [f, PARSED.get(f)?.imports ?? []]));

describe('codebase structure (docs/architecture.md)', () => {
  it('sees the project: every tree holds source files', () => {
    for (const tree of TREES) expect(FILES.some((f) => f.startsWith(`${tree}/`))).toBe(true);
    expect(FILES.length).toBeGreaterThan(100);
  });

  it(`no file over ${MAX_LINES} lines in ${TREES.join(', ')}`, () => {
    const long = FILES.map((f) => ({ f, lines: (PARSED.get(f)?.text ?? '').split('\n').length - 1 })).filter((x) => x.lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it('layers point one way: each area imports only the areas below it', () => {
    expect(layerViolations(GRAPH)).toEqual([]);
  });

  it('no import cycle between files', () => {
    expect(importCycles(GRAPH)).toEqual([]);
  });

  it('no non-null assertion in suites/ (t.require narrows, and a missing value becomes a finding)', () => {
    const suites = FILES.filter((f) => f.startsWith('suites/'));
    expect(suites.flatMap((f) => {
      const source = PARSED.get(f)?.source;
      return source ? nonNullAssertions(source) : [];
    })).toEqual([]);
  });

  it('the checks can fail: a planted cycle, an upward import and a non-null assertion are each found', () => {
    const planted = new Map([
      ['src/sip/a.ts', ['src/harness/b.ts']],
      ['src/harness/b.ts', ['src/sip/a.ts']],
      ['src/reference/c.ts', ['src/harness/b.ts']],
    ]);
    expect(importCycles(planted)).toEqual([['src/harness/b.ts', 'src/sip/a.ts']]);
    expect(layerViolations(planted)).toEqual(['src/sip/a.ts → src/harness/b.ts', 'src/reference/c.ts → src/harness/b.ts']);
    const source = ts.createSourceFile('suites/x.ts', 'const a = b!.c;', ts.ScriptTarget.Latest, true);
    expect(nonNullAssertions(source)).toEqual(['suites/x.ts:1: b!']);
  });
});
