/**
 * The repository's own rules, read from its files: the app, the CLI and the build tools never import from
 * test/ (what ships, or what the benchmark runs, must not depend on test code); the documents' relative
 * links and images resolve to files inside the repository, and their #anchors to headings.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
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

/** The targets of `[text](target)` and `![alt](target)` in Markdown, outside code blocks and spans. */
function markdownLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchors(markdown: string): Set<string> {
  const headings = markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6}\s+(.+?)\s*$/gm);
  return new Set(
    [...headings].map((m) =>
      m[1]
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );
}

/** What is wrong with the relative links of the document at `file` (its text `markdown`). */
function brokenLinks(file: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const link of markdownLinks(markdown)) {
    if (/^[a-z][a-z+.-]*:/i.test(link)) continue; // https:, mailto: and the like
    const [target, anchor] = link.split('#') as [string, string | undefined];
    const resolved = target === '' ? file : resolve(dirname(file), decodeURIComponent(target));
    const inside = relative(ROOT, resolved);
    if (inside.startsWith('..') || isAbsolute(inside)) problems.push(`${link}: outside the repository`);
    else if (!existsSync(resolved)) problems.push(`${link}: no such file`);
    else if (anchor !== undefined && resolved.endsWith('.md')) {
      const headings = headingAnchors(target === '' ? markdown : readFileSync(resolved, 'utf8'));
      if (!headings.has(anchor)) problems.push(`${link}: no such heading`);
    }
  }
  return problems;
}

describe('the documents link only to what is in the repository', () => {
  it('finds a missing file, a link outside the repository and a missing heading (the check can fail)', () => {
    const markdown = [
      '# Title',
      '![shot](test/e2e/screenshots/none.png) [design](../shared/DESIGN.md) [models](models/README.md)',
      '[here](#title) [gone](#nowhere) [site](https://example.org/) `[code](not-a-link.md)`',
      '```',
      '[fenced](not-a-link-either.md)',
      '```',
    ].join('\n');
    expect(brokenLinks(join(ROOT, 'README.md'), markdown)).toEqual([
      'test/e2e/screenshots/none.png: no such file',
      '../shared/DESIGN.md: outside the repository',
      '#nowhere: no such heading',
    ]);
  });

  it.each(['README.md', 'DEVELOPMENT.md', 'training/README.md', 'models/README.md'])('%s', (name) => {
    const file = join(ROOT, name);
    expect(brokenLinks(file, readFileSync(file, 'utf8'))).toEqual([]);
  });

  it("reads the README's links (the tour's screenshots among them)", () => {
    const links = markdownLinks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(links.filter((l) => l.startsWith('test/e2e/screenshots/')).length).toBeGreaterThanOrEqual(5);
    expect(links).toContain('DEVELOPMENT.md');
  });
});
