/**
 * The numbers the explanations quote (src/lib/playground/explain.ts): "one of N equally likely options"
 * reads as 2^(the bits shown), and the repeated-passage split and losses. Deterministic data.
 */
import { describe, expect, it } from 'vitest';
import { equallyLikely, findRepeat, repeatLoss } from '../../src/lib/playground/explain';
import { PRESETS } from '../../src/lib/playground/presets';
import type { TokenRecord } from '../../src/lib/scoring/types';

describe('equallyLikely', () => {
  it('is 2^bits, the same number as e^nats', () => {
    for (const nats of [0, 0.01, 0.5, Math.LN2 * 3, 2.3, 7.9, 15, 30]) {
      const e = equallyLikely(nats);
      expect(e.bits).toBeCloseTo(nats / Math.LN2, 12);
      expect(Math.abs(e.count / Math.exp(nats) - 1)).toBeLessThan(1e-12);
    }
    expect(equallyLikely(Math.LN2 * 3)).toMatchObject({ bitsText: '3.00', countText: '8' });
  });

  it('shows a count that is 2^(the bits shown), within the rounding of both', () => {
    for (let nats = 0; nats < 13; nats += 0.0371) {
      const e = equallyLikely(nats);
      const shownBits = Number(e.bitsText);
      const shownCount = Number(e.countText.replace(/,/g, ''));
      // bits to 2 decimals: the true count is within a factor 2^0.005 of 2^shownBits; the count is shown
      // to 0.1 below 10 and to 1 above
      expect(
        Math.abs(shownCount - 2 ** shownBits),
        `${nats} nats: ${e.countText} vs 2^${e.bitsText}`,
      ).toBeLessThanOrEqual(2 ** shownBits * (2 ** 0.005 - 1) + 0.5);
    }
  });
});

const tok = (index: number, start: number, end: number, logprob: number | null): TokenRecord => ({
  index,
  id: index,
  text: '',
  start,
  end,
  scored: logprob !== null,
  logprob,
  rank: 1,
  entropy: 1,
  top: [],
});

describe('findRepeat and repeatLoss', () => {
  const p = 'The old sailor mended his nets by the harbour wall.';

  it('find the two copies of the repeated preset, and nothing in other texts', () => {
    const repeated = PRESETS.find((x) => x.name === 'repeated')!.text;
    const split = findRepeat(repeated)!;
    expect(split).not.toBeNull();
    expect(repeated.slice(0, split.firstEnd)).toBe(repeated.slice(split.secondStart));
    expect(findRepeat(`${p} ${p}`)).toEqual({ firstEnd: p.length, secondStart: p.length + 1 });
    expect(findRepeat(p + p)).toEqual({ firstEnd: p.length, secondStart: p.length });
    expect(findRepeat(`${p}\n\n${p}.`)).toBeNull();
    expect(findRepeat(`${p} x ${p}`)).toBeNull(); // something other than whitespace between them
    expect(findRepeat('ab ab')).toBeNull(); // too short to call a passage
    for (const x of PRESETS.filter((x) => x.name !== 'repeated')) expect(findRepeat(x.text), x.name).toBeNull();
  });

  it('average each copy over its own scored tokens, leaving out a token across the gap', () => {
    const text = `${p}\n\n${p}`;
    const a = p.length;
    const tokens = [
      tok(0, 0, 10, null), // unscored: left out
      tok(1, 10, a, -4),
      tok(2, 5, a, -2),
      tok(3, a - 1, a + 3, -100), // straddles the gap: neither copy
      tok(4, a + 2, a + 12, -3),
      tok(5, a + 12, text.length, -1),
    ];
    const r = repeatLoss(text, tokens)!;
    expect(r).toMatchObject({ first: 3, second: 2, firstTokens: 2, secondTokens: 2 });
    expect(r.drop).toBeCloseTo(1 / 3, 12);
    expect(repeatLoss(text, tokens.slice(0, 3))).toBeNull(); // no scored token in the second copy
    expect(repeatLoss(p, tokens)).toBeNull();
  });
});
