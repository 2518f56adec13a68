/**
 * The token strip's rows (lib/playground/token-rows): the shared-character cursor, the split into
 * plain runs and marked whitespace, the layout blocks and the keyboard's next selection. The heatmap,
 * the Compare panels and the exports all draw from these.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  blockStarts,
  nextSelection,
  shownRanges,
  shownText,
  stripRows,
  tokenParts,
} from '../../src/lib/playground/token-rows';

const TRICKY: { name: string; text: string }[] = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'tricky-strings.json'), 'utf8'),
).strings;

/** Tokens of `size` UTF-8 bytes each, as a byte-level tokenizer makes them: a code point's bytes share its span. */
function byteTokens(text: string, size: number): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  let at = 0;
  const bytes: { start: number; end: number }[] = [];
  for (const cp of text) {
    const n = new TextEncoder().encode(cp).length;
    for (let k = 0; k < n; k++) bytes.push({ start: at, end: at + cp.length });
    at += cp.length;
  }
  for (let i = 0; i < bytes.length; i += size) {
    const group = bytes.slice(i, i + size);
    spans.push({ start: group[0].start, end: group.at(-1)!.end });
  }
  return spans;
}

describe('shownRanges', () => {
  it('shows characters shared by tokens (the bytes of one emoji) once, on the first of them', () => {
    // 'a🐋b': the whale (2 UTF-16 units) split over two byte tokens that both span it
    const tokens = [
      { start: 0, end: 1 },
      { start: 1, end: 3 },
      { start: 1, end: 3 },
      { start: 3, end: 4 },
    ];
    const text = 'a🐋b';
    const shown = shownRanges(tokens);
    const texts = tokens.map((_, i) => shownText(text, shown, i));
    expect(texts).toEqual(['a', '🐋', '', 'b']);
  });

  it('gives back every tricky string exactly once, in order, whatever the token boundaries', () => {
    for (const { name, text } of TRICKY)
      for (const size of [1, 2, 3, 7]) {
        const tokens = byteTokens(text, size);
        const rows = stripRows(text, tokens, 4);
        for (const marks of [false, true]) {
          const joined = tokens
            .map((_, i) =>
              tokenParts(text, rows, i, marks)
                .map((p) => p.text)
                .join(''),
            )
            .join('');
          expect(joined, `${name}, ${size} bytes per token`).toBe(text);
        }
      }
  });
});

describe('tokenParts', () => {
  it('marks newlines and tabs, and spaces only when asked', () => {
    const text = 'a b\tc\n';
    const rows = stripRows(text, [{ start: 0, end: text.length }]);
    expect(tokenParts(text, rows, 0, false).map((p) => p.kind)).toEqual(['text', 'tab', 'text', 'newline']);
    expect(tokenParts(text, rows, 0, true).map((p) => p.kind)).toEqual([
      'text',
      'space',
      'text',
      'tab',
      'text',
      'newline',
    ]);
  });
});

describe('blockStarts', () => {
  it('starts a block after at least `size` tokens, only after a token ending in a newline', () => {
    // one token per character: lines of 3 characters and a newline
    const text = 'abc\ndef\nghi\njkl\n';
    const shown = shownRanges([...text].map((_, i) => ({ start: i, end: i + 1 })));
    const starts = blockStarts(text, shown, 6);
    expect(starts).toEqual([0, 8, 16].filter((s) => s < text.length));
    for (const s of starts.slice(1)) expect(text[s - 1]).toBe('\n');
    for (let b = 1; b < starts.length; b++) expect(starts[b] - starts[b - 1]).toBeGreaterThanOrEqual(6);
  });

  it('keeps a text without newlines in one block, and has none for no tokens', () => {
    const text = 'x'.repeat(1000);
    expect(blockStarts(text, shownRanges([...text].map((_, i) => ({ start: i, end: i + 1 }))), 10)).toEqual([0]);
    expect(blockStarts('', shownRanges([]), 10)).toEqual([]);
  });

  it('does not end a block on a token that shows nothing', () => {
    // the second token shares the newline with the first: the block ends after the one that shows it
    const text = 'a\nb';
    const shown = shownRanges([
      { start: 0, end: 2 },
      { start: 1, end: 2 },
      { start: 2, end: 3 },
    ]);
    expect(blockStarts(text, shown, 1)).toEqual([0, 1]);
  });
});

describe('nextSelection', () => {
  it('moves with the arrows, jumps with Home and End, clears with Escape, and stays in range', () => {
    expect(nextSelection('ArrowRight', null, 5)).toBe(0);
    expect(nextSelection('ArrowRight', 4, 5)).toBe(4);
    expect(nextSelection('ArrowLeft', null, 5)).toBe(0);
    expect(nextSelection('ArrowLeft', 0, 5)).toBe(0);
    expect(nextSelection('ArrowLeft', 3, 5)).toBe(2);
    expect(nextSelection('Home', 3, 5)).toBe(0);
    expect(nextSelection('End', null, 5)).toBe(4);
    expect(nextSelection('Escape', 3, 5)).toBeNull();
    expect(nextSelection('a', 3, 5)).toBeUndefined();
    expect(nextSelection('ArrowRight', null, 0)).toBeUndefined();
  });
});
