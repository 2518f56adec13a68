import { describe, expect, it } from 'vitest';
import { computeTotals, countWords, scoredText } from '../../src/lib/scoring/totals';
import type { TokenRecord } from '../../src/lib/scoring/types';
import { codePointLength, utf8ByteLength } from '../../src/lib/tokens/utf8';
import { TRICKY_STRINGS } from './helpers/fixtures';

function record(index: number, logprob: number | null, start = 0, end = 0): TokenRecord {
  return {
    index,
    id: index,
    text: '',
    start,
    end,
    scored: logprob !== null,
    logprob,
    rank: logprob === null ? null : 1,
    entropy: null,
    top: [],
  };
}

describe('computeTotals', () => {
  it('computes every field from its definition', () => {
    const text = 'héllo wörld 👋'; // 13 code points, 18 UTF-8 bytes, 3 words
    const tokens = [record(0, -1), record(1, -2), record(2, -3.5)];
    const t = computeTotals(tokens, text);
    const nats = 6.5;
    expect(t).toEqual({
      tokens: 3,
      tokens_scored: 3,
      nats_total: nats,
      nats_per_token: nats / 3,
      bits_per_token: nats / 3 / Math.LN2,
      ppl: Math.exp(nats / 3),
      bytes: 18,
      bits_per_byte: nats / Math.LN2 / 18,
      chars: 13,
      bits_per_char: nats / Math.LN2 / 13,
      words: 3,
      word_ppl: Math.exp(nats / 3),
    });
  });

  it('skips unscored tokens', () => {
    const t = computeTotals([record(0, null), record(1, -2)], 'ab');
    expect(t.tokens).toBe(2);
    expect(t.tokens_scored).toBe(1);
    expect(t.nats_total).toBe(2);
  });

  it('gives null per-word perplexity for a text with no words', () => {
    const t = computeTotals([record(0, -1)], ' \n\t');
    expect(t.words).toBe(0);
    expect(t.word_ppl).toBeNull();
    expect(t.bits_per_byte).toBeCloseTo(1 / Math.LN2 / 3, 12);
  });

  it('gives null per-byte and per-character values for an empty scored text', () => {
    const t = computeTotals([record(0, null), record(1, -1)], '');
    expect([t.bytes, t.bits_per_byte, t.chars, t.bits_per_char]).toEqual([0, null, 0, null]);
  });

  it('throws when nothing is scored', () => {
    expect(() => computeTotals([record(0, null)], 'a')).toThrow(/no scored tokens/);
  });
});

describe('units', () => {
  it('counts UTF-8 bytes and code points as TextEncoder and the spread operator do', () => {
    for (const { text } of TRICKY_STRINGS) {
      expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).length);
      expect(codePointLength(text)).toBe([...text].length);
    }
    expect(utf8ByteLength('\ud800')).toBe(3); // a lone surrogate is written as U+FFFD
  });

  it('counts whitespace-separated words (Unicode White_Space, as Python str.split)', () => {
    expect(countWords('')).toBe(0);
    expect(countWords(' \t \n\n   \n')).toBe(0);
    expect(countWords('  leading and trailing  ')).toBe(3);
    expect(countWords('a\u00a0b\u3000c\u2028d')).toBe(4);
    // zero-width space and byte order mark are not whitespace
    expect(countWords('zero\u200bwidth\ufeffbom')).toBe(1);
  });

  it('takes the scored text after the first token only without BOS', () => {
    const tokens = [{ end: 4 }, { end: 9 }];
    expect(scoredText('Call me', tokens, true)).toBe('Call me');
    expect(scoredText('Call me', tokens, false)).toBe(' me');
  });
});
