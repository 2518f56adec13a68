import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alignedSpan, overlapping, spanCost } from '../../src/lib/compare/aligned-spans';
import { loadTokenizer } from '../../src/lib/tokens/tokenizer';
import { MODELS_DIR, readJSON, TRICKY_STRINGS } from './helpers/fixtures';

const tok = (start: number, end: number, logprob: number | null = -Math.LN2) => ({
  start,
  end,
  logprob,
  scored: logprob !== null,
});

describe('aligned spans', () => {
  // "the whale": bytes vs words
  const bytes = Array.from('the whale', (_, i) => tok(i, i + 1));
  const words = [tok(0, 3, -4 * Math.LN2), tok(3, 9, -6 * Math.LN2)];
  const odd = [tok(0, 5), tok(5, 9)]; // "the w" | "hale"

  it('finds the tokens overlapping a span', () => {
    expect(overlapping(bytes, { start: 4, end: 6 })).toEqual({ first: 4, last: 5 });
    expect(overlapping(words, { start: 4, end: 5 })).toEqual({ first: 1, last: 1 });
    expect(overlapping(words, { start: 9, end: 10 })).toBeNull();
  });

  it('grows a span until its ends are token boundaries in every list', () => {
    // one byte of "whale" -> the word token " whale"
    expect(alignedSpan([bytes, words], { start: 5, end: 6 })).toEqual({ start: 3, end: 9 });
    // "the" and " whale" are cut across by "the w": the whole text
    expect(alignedSpan([bytes, words, odd], { start: 0, end: 1 })).toEqual({ start: 0, end: 9 });
    // a span that already is aligned stays
    expect(alignedSpan([bytes, words], { start: 0, end: 3 })).toEqual({ start: 0, end: 3 });
  });

  it('sums what each model paid for the span, in bits', () => {
    const span = alignedSpan([bytes, words], { start: 5, end: 6 });
    expect(spanCost(bytes, span)).toEqual({ indexes: [3, 4, 5, 6, 7, 8], bits: 6, unscored: 0 });
    expect(spanCost(words, span).bits).toBeCloseTo(6, 12);
    const unscoredFirst = [tok(0, 3, null), tok(3, 9, -Math.LN2)];
    expect(spanCost(unscoredFirst, { start: 0, end: 9 })).toEqual({ indexes: [0, 1], bits: 1, unscored: 1 });
  });

  it('on the bundled tokenizers and the tricky strings: aligned spans cover whole tokens in every model', () => {
    const tokenizers = ['tiny-byte', 'tiny-bpe1k'].map((id) =>
      loadTokenizer(readJSON(join(MODELS_DIR, id, 'tokenizer.json'))),
    );
    for (const { name, text } of TRICKY_STRINGS) {
      if (!text) continue;
      const lists = tokenizers.map((t) => {
        const e = t.encode(text);
        return Array.from(e.ids, (_, i) => tok(e.start[i], e.end[i]));
      });
      for (const [li, list] of lists.entries()) {
        for (const seed of list) {
          const span = alignedSpan(lists, seed);
          expect(span.start <= seed.start && span.end >= seed.end, `${name}: contains the seed`).toBe(true);
          for (const other of lists) {
            const hit = overlapping(other, span)!;
            // every overlapping token lies inside the span: the ends are boundaries in this list too
            expect(other[hit.first].start, `${name} list ${li}`).toBeGreaterThanOrEqual(span.start);
            expect(other[hit.last].end, `${name} list ${li}`).toBeLessThanOrEqual(span.end);
            expect(Math.min(...other.slice(hit.first, hit.last + 1).map((t) => t.start))).toBe(span.start);
            expect(Math.max(...other.slice(hit.first, hit.last + 1).map((t) => t.end))).toBe(span.end);
          }
        }
      }
    }
  });
});
