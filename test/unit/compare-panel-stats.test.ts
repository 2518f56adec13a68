import { describe, expect, it } from 'vitest';
import { impliedPplPerToken, panelStats, spread } from '../../src/lib/compare/panel-stats';
import { formatNumber } from '../../src/lib/format';
import { readGolden } from '../fixtures/golden';

describe('panel statistics', () => {
  it('PPL per token = 2^(bits per byte x bytes per token) when every token is scored (golden totals)', () => {
    const golden = readGolden('tiny-byte');
    if (!golden) return; // written by training/export.py
    for (const ref of golden.texts.filter((t) => t.text.length > 0 && t.totals.bits_per_byte !== null)) {
      const s = panelStats(ref.totals, ref.text);
      expect(s.tokens).toBe(ref.totals.tokens);
      // a BOS model scores every token, so the identity is exact up to rounding
      const implied = impliedPplPerToken(s.bitsPerByte!, s.bytesPerToken);
      expect(Math.abs(Math.log(implied) - Math.log(s.ppl)), ref.name).toBeLessThan(1e-9);
      expect(s.bitsTotal).toBeCloseTo(ref.totals.nats_total / Math.LN2, 9);
    }
  });

  it('characters and bytes per token count code points and UTF-8 bytes', () => {
    const totals = {
      tokens: 2,
      nats_total: 1,
      ppl: 1.6,
      bits_per_byte: 0.1,
      bits_per_char: 0.2,
      word_ppl: 2,
    } as Parameters<typeof panelStats>[0];
    const s = panelStats(totals, 'a👋'); // 2 code points, 5 bytes
    expect(s.charsPerToken).toBe(1);
    expect(s.bytesPerToken).toBe(2.5);
    expect(impliedPplPerToken(1.5, 4)).toBe(64);
  });

  it('spread and number formatting', () => {
    expect(spread([2, 8, 4, null])).toBe(4);
    expect(spread([3])).toBeNaN();
    expect(formatNumber(1234.567)).toBe('1,235');
    expect(formatNumber(0.012345)).toBe('0.01235');
    expect(formatNumber(3.14159, 3)).toBe('3.14');
    expect(formatNumber(2.4035, 3)).toBe('2.40');
    expect(formatNumber(12_817.4)).toBe('12,817');
    expect(formatNumber(409.389, 3)).toBe('409');
    expect(formatNumber(null)).toBe('–');
    expect(formatNumber(Infinity)).toBe('∞');
  });
});
