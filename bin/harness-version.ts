/** The harness version: from the package.json above this file (dist/bin or bin), whoever started the process. */
import * as fs from 'node:fs';
import * as path from 'node:path';

function harnessVersion(): string {
  for (let dir = __dirname, i = 0; i < 5; i++, dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'cpm-conformance' && pkg.version) return pkg.version;
    } catch {
      // not here; look one level up
    }
  }
  return process.env.npm_package_version ?? '0.0.0';
}

/**
 * Read once. Not `npm_package_version` alone: npm sets it only under `npx` / `npm run`, so a run
 * started as `node dist/bin/cpm-conformance.js` (or a CI shard) reported no reference version and
 * its merged matrix differed from an `npx` run's in `sut.version`.
 */
export const HARNESS_VERSION = harnessVersion();
