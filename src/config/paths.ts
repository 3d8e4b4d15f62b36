/** Config paths as users read them: `users[2].devices`, not JSON pointers. */

export type PathSegment = string | number;

export const ROOT_PATH = '(top level)';

export function dotted(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out === '' ? ROOT_PATH : out;
}

/** JSON pointer (ajv instancePath, RFC 6901) → segments; numeric segments become indexes. */
export function pointerSegments(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** The key a value sits under, for hints like `write transport: udp` (array items: the array's key). */
export function leafKey(segments: readonly PathSegment[]): string | undefined {
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i];
    if (typeof s === 'string') return s;
  }
  return undefined;
}
