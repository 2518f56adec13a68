/**
 * The repository's own rules, read from its files: the app, the CLI and the build tools never import from
 * test/ (what ships, or what the benchmark runs, must not depend on test code).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures';

const SOURCE = /\.(ts|js|mjs|cjs|svelte)$/;

/** Every file under `dir` whose name matches `pattern`, recursively. */
function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && pattern.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** The module specifiers of `source`: static imports and re-exports, side-effect imports, import(). */
function moduleSpecifiers(source: string): string[] {
  const found: string[] = [];
  const pattern = /\b(?:from|import)\s*\(?\s*(['"`])([^'"`]+)\1/g;
  for (const m of source.matchAll(pattern)) found.push(m[2]);
  return found;
}

/** The relative imports of `file` (given its text) that land under ROOT/test. */
function importsFromTest(file: string, source: string): string[] {
  const testDir = join(ROOT, 'test') + sep;
  return moduleSpecifiers(source).filter((s) => s.startsWith('.') && resolve(dirname(file), s).startsWith(testDir));
}

describe('nothing in src/, cli/ or tools/ imports from test/', () => {
  it('finds such an import when there is one (the check can fail)', () => {
    const file = join(ROOT, 'cli', 'x.ts');
    const source = [
      "import { a } from '../test/e2e/helper';",
      "export { b } from '../test/real-artefacts';",
      "const c = await import('../test/unit/helpers/fixtures');",
      "import '../test/setup';",
      "import { d } from '../src/lib/format';",
      "import fs from 'node:fs';",
    ].join('\n');
    expect(importsFromTest(file, source)).toEqual([
      '../test/e2e/helper',
      '../test/real-artefacts',
      '../test/unit/helpers/fixtures',
      '../test/setup',
    ]);
  });

  it.each(['src', 'cli', 'tools'])('%s/', (dir) => {
    const files = filesUnder(join(ROOT, dir), SOURCE);
    expect(files.length).toBeGreaterThan(0);
    const offending = files.flatMap((file) =>
      importsFromTest(file, readFileSync(file, 'utf8')).map((s) => `${relative(ROOT, file)}: ${s}`),
    );
    expect(offending).toEqual([]);
  });
});
