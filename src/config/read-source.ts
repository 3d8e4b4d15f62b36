/**
 * Reading and parsing the config file. Syntax errors name the line and column; a missing or
 * empty file says what to do instead. Source lines are not echoed (they may hold a password).
 */
import * as fs from 'node:fs';
import YAML from 'yaml';
import { ConfigError, type ConfigIssue } from './config-error';

const SAMPLE = 'start from fixtures/targets/sample-target.yaml';

function fail(file: string, issue: ConfigIssue): never {
  throw new ConfigError([issue], file);
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail(file, { path: '(file)', message: `${file} does not exist`, hint: `check the path, or ${SAMPLE}` });
    if (code === 'EISDIR') fail(file, { path: '(file)', message: `${file} is a directory`, hint: 'name the target config file itself (.yaml, .yml or .json)' });
    if (code === 'EACCES') fail(file, { path: '(file)', message: `${file} is not readable (permission denied)`, hint: 'fix the file permissions' });
    fail(file, { path: '(file)', message: `cannot read ${file} (${code ?? (e as Error).message})` });
  }
}

/** Line and column (1-based) of a character offset. */
function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

/**
 * Where V8's JSON.parse failed. Node 20 says "… at position N", newer Node "(line L column C)",
 * and "Unexpected token" errors quote up to 10 characters either side of the token instead.
 */
function jsonErrorOffset(text: string, msg: string): number {
  const pos = /position (\d+)/.exec(msg);
  if (pos) return Number(pos[1]);
  const tok = /^Unexpected token '(.+?)', (\.\.\.)?"(.*?)"(\.\.\.)? is not valid JSON/s.exec(msg);
  if (tok) {
    const [, token, before, snippet, after] = tok;
    const at = Math.max(0, text.indexOf(snippet));
    if (before) return at + 10;
    if (after) return at + snippet.length - 10;
    return Math.max(0, text.indexOf(token));
  }
  return text.length;
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const lc = /line (\d+) column (\d+)/.exec(msg);
    const at = lc ? { line: Number(lc[1]), col: Number(lc[2]) } : lineCol(text, jsonErrorOffset(text, msg));
    // Keep only V8's first words: the quoted source snippet may contain a password.
    const what = msg.replace(/, (\.\.\.)?".*$/s, '').replace(/ in JSON at position \d+.*$/s, '').replace(/ \(line \d+ column \d+\)/, '');
    fail(file, { path: '(syntax)', message: `JSON syntax error at line ${at.line}, column ${at.col}: ${what}`, hint: 'JSON needs double-quoted keys and no trailing commas; or write the config as YAML' });
  }
}

function parseYaml(file: string, text: string): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // After the first real syntax error the parser reports every later token as unexpected too (one
    // stray "{" gave 71 lines): keep that first one and the duplicate keys, and count the rest.
    const first = doc.errors.find((e) => e.code !== 'DUPLICATE_KEY');
    const kept = doc.errors.filter((e) => e === first || e.code === 'DUPLICATE_KEY');
    const cascade = doc.errors.length - kept.length;
    const issues: ConfigIssue[] = kept.map((err) => {
      const at = err.linePos?.[0];
      const what = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      const hint = err.code === 'DUPLICATE_KEY' ? 'each key may appear only once in a mapping; remove or merge the duplicate' : 'check indentation (spaces, not tabs) and quoting around this line';
      const more = err === first && cascade > 0 ? ` (${cascade} more error${cascade === 1 ? '' : 's'} after it, most likely caused by it)` : '';
      return { path: '(syntax)', message: `YAML syntax error${at ? ` at line ${at.line}, column ${at.col}` : ''}: ${what}${more}`, hint };
    });
    throw new ConfigError(issues, file);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** The parsed document: `.json` files as JSON (strict), everything else as YAML 1.2. */
export function readConfigFile(file: string): unknown {
  const text = readText(file);
  if (text.trim() === '') fail(file, { path: '(file)', message: `${file} is empty`, hint: SAMPLE });
  const value = /\.json$/i.test(file) ? parseJson(file, text) : parseYaml(file, text);
  if (value === null || value === undefined) fail(file, { path: '(file)', message: `${file} has no content (only comments)`, hint: SAMPLE });
  return value;
}
