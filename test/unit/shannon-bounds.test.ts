/**
 * Shannon's bounds on worked examples, each computed by hand in the comments. Tolerance: 1e-12 for
 * numbers that are exact in binary (sums of k·2^-n), 1e-9 where a log2 of a non-power of two enters
 * (the hand values are written to 9-10 significant digits).
 */
import { describe, expect, it } from 'vitest';
import {
  branchingFactor,
  guessCountHistogram,
  guessFrequencies,
  shannonBounds,
  shannonLowerBound,
  shannonUpperBound,
} from '../../src/lib/shannon/bounds';

const EXACT = 1e-12;
const HAND = 1e-9;

describe('guess-count frequencies', () => {
  it('count each guess count, up to the largest seen', () => {
    expect(guessCountHistogram([1, 1, 3])).toEqual([2, 0, 1]);
    expect(guessFrequencies([1, 1, 3, 1])).toEqual([0.75, 0, 0.25]);
  });

  it('refuse counts that are not positive integers', () => {
    expect(() => guessCountHistogram([1, 0])).toThrow(/positive integer, got 0/);
    expect(() => guessCountHistogram([1.5])).toThrow(/1.5/);
  });

  it('go beyond 26 (a keyboard has ~95 characters, the byte model 257 tokens)', () => {
    const q = guessFrequencies([1, 30]);
    expect(q).toHaveLength(30);
    expect(q[0]).toBe(0.5);
    expect(q[29]).toBe(0.5);
    expect(q.slice(1, 29).every((x) => x === 0)).toBe(true);
  });
});

describe("Shannon's bounds", () => {
  it('every position guessed the first time: both bounds are 0', () => {
    // q_1 = 1.  F_upper = −1·log2 1 = 0.  F_lower = 1·(q_1 − q_2)·log2 1 = 1·1·0 = 0.
    const b = shannonBounds([1, 1, 1, 1, 1, 1])!;
    expect(b.q).toEqual([1]);
    expect(b.upper).toBe(0);
    expect(b.lower).toBe(0);
    expect(b.crossed).toBe(false);
  });

  it('a short game: 3 of 4 first time, one at the second guess', () => {
    // counts 1, 1, 2, 1: q_1 = 3/4, q_2 = 1/4.
    // F_upper = −(3/4·log2 3/4 + 1/4·log2 1/4) = 3/4·0.4150374993 + 1/4·2 = 0.3112781245 + 0.5 = 0.8112781245
    // F_lower = 1·(3/4 − 1/4)·log2 1 + 2·(1/4 − 0)·log2 2 = 0 + 0.5 = 0.5
    const b = shannonBounds([1, 1, 2, 1])!;
    expect(b.positions).toBe(4);
    expect(Math.abs(b.upper - 0.8112781245)).toBeLessThan(HAND);
    expect(Math.abs(b.lower - 0.5)).toBeLessThan(EXACT);
  });

  it('a worked example with falling q_i: 8 positions', () => {
    // counts 1,1,1,1,2,2,3,4: q = (1/2, 1/4, 1/8, 1/8).
    // F_upper = 1/2·1 + 1/4·2 + 1/8·3 + 1/8·3 = 0.5 + 0.5 + 0.375 + 0.375 = 1.75
    // F_lower = 2·(1/4 − 1/8)·1 + 3·(1/8 − 1/8)·log2 3 + 4·(1/8 − 0)·2 = 0.25 + 0 + 1 = 1.25
    const b = shannonBounds([1, 1, 1, 1, 2, 2, 3, 4])!;
    expect(b.q).toEqual([0.5, 0.25, 0.125, 0.125]);
    expect(Math.abs(b.upper - 1.75)).toBeLessThan(EXACT);
    expect(Math.abs(b.lower - 1.25)).toBeLessThan(EXACT);
    expect(b.crossed).toBe(false);
    // as branching factors: 2^1.25 = 2.3784142300 to 2^1.75 = 3.3635856610 equally likely characters
    expect(Math.abs(branchingFactor(b.lower) - 2.37841423)).toBeLessThan(1e-8);
    expect(Math.abs(branchingFactor(b.upper) - 3.363585661)).toBeLessThan(1e-8);
  });

  it('the same counts in any order give the same bounds', () => {
    const a = shannonBounds([4, 3, 2, 2, 1, 1, 1, 1])!;
    const b = shannonBounds([1, 1, 1, 1, 2, 2, 3, 4])!;
    expect(a.upper).toBe(b.upper);
    expect(a.lower).toBe(b.lower);
  });

  it('guess counts beyond 26: uniform over 1..32 pins both bounds to log2 32 = 5', () => {
    // q_i = 1/32 for i = 1..32. F_upper = −32·(1/32)·log2(1/32) = 5.
    // F_lower: q_i − q_{i+1} = 0 for i < 32, so only i = 32 remains: 32·(1/32 − 0)·log2 32 = 5.
    const counts = Array.from({ length: 32 }, (_, i) => i + 1);
    const b = shannonBounds(counts)!;
    expect(b.q).toHaveLength(32);
    expect(Math.abs(b.upper - 5)).toBeLessThan(EXACT);
    expect(Math.abs(b.lower - 5)).toBeLessThan(EXACT);
  });

  it("uniform over Shannon's 27 symbols: no knowledge at all, log2 27 = 4.7548875022 bits", () => {
    const b = shannonBounds(Array.from({ length: 27 }, (_, i) => i + 1))!;
    expect(Math.abs(b.upper - 4.7548875022)).toBeLessThan(HAND);
    expect(Math.abs(b.lower - 4.7548875022)).toBeLessThan(HAND);
  });

  it('a count beyond 26 with a gap: the formula as written, and the bounds cross', () => {
    // counts 1, 30: q_1 = 1/2, q_30 = 1/2, all others 0.
    // F_upper = −2·(1/2·log2 1/2) = 1.
    // F_lower: only i = 29 and i = 30 have q_i ≠ q_{i+1}:
    //   29·(q_29 − q_30)·log2 29 = 29·(−1/2)·4.8579809951 = −70.4407244293
    //   30·(q_30 − 0)·log2 30    = 30·(1/2)·4.9068905956  =  73.6033589341
    //   F_lower = 3.1626345048 > F_upper: q_i does not fall, as it would for an ideal guesser
    const b = shannonBounds([1, 30])!;
    expect(Math.abs(b.upper - 1)).toBeLessThan(EXACT);
    expect(Math.abs(b.lower - 3.1626345048)).toBeLessThan(HAND);
    expect(b.crossed).toBe(true);
  });

  it('every position at the second guess: F_upper = 0 but F_lower = 2·1·1 = 2 (crossed)', () => {
    const b = shannonBounds([2, 2, 2])!;
    expect(b.upper).toBe(0);
    expect(b.lower).toBe(2);
    expect(b.crossed).toBe(true);
  });

  it('never cross while q_i falls (Shannon: F_lower ≤ F ≤ F_upper for an ideal guesser)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let trial = 0; trial < 500; trial++) {
      const n = 1 + Math.floor(random() * 60);
      const raw = Array.from({ length: n }, random).sort((a, b) => b - a);
      const sum = raw.reduce((s, x) => s + x, 0);
      const q = raw.map((x) => x / sum);
      expect(shannonLowerBound(q)).toBeLessThanOrEqual(shannonUpperBound(q) + 1e-12);
    }
  });

  it('no positions: no bounds', () => {
    expect(shannonBounds([])).toBeNull();
  });
});

describe('branching factor', () => {
  it('is 2^bits', () => {
    expect(branchingFactor(0)).toBe(1);
    expect(branchingFactor(1)).toBe(2);
    expect(branchingFactor(5)).toBe(32);
  });
});
