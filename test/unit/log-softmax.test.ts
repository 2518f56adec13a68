import { describe, expect, it } from 'vitest';
import { EXP_STEPS, expNeg, logitsScorer, rowStats, scoreLogits } from '../../src/lib/scoring/log-softmax';

/** The textbook definitions in float64, one row at a time: the reference. */
function naive(row: ArrayLike<number>, target: number) {
  const x = Array.from(row, Number);
  const z = x.reduce((s, v) => s + Math.exp(v), 0); // fine for the moderate logits used here
  const p = x.map((v) => Math.exp(v) / z);
  const order = x.map((_, id) => id).sort((a, b) => x[b] - x[a] || a - b);
  return {
    logprob: Math.log(p[target]),
    rank: 1 + x.filter((v) => v > x[target]).length,
    entropy: -p.reduce((s, q) => (q > 0 ? s + q * Math.log(q) : s), 0),
    top: order.map((id) => ({ id, logprob: Math.log(p[id]) })),
  };
}

/** The reference with the max subtracted first, for logits whose exp would overflow or underflow. */
function naiveShifted(row: ArrayLike<number>, target: number) {
  const max = Math.max(...Array.from(row, Number));
  return naive(Array.from(row, (v) => v - max), target);
}

function seededLogits(T: number, V: number, seed: number, scale = 4): Float32Array {
  let state = seed;
  const logits = new Float32Array(T * V);
  for (let i = 0; i < logits.length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    logits[i] = (state / 2147483648 - 0.5) * 2 * scale;
  }
  return logits;
}

// float32 logits, float64 arithmetic on both sides: they agree to rounding (~1e-12); 1e-9 leaves room
const TOLERANCE = 1e-9;

describe('scoreLogits against a naive float64 reference', () => {
  const T = 9;
  const V = 257;
  const ids = Int32Array.from({ length: T }, (_, i) => (i * 37) % V);
  const logits = seededLogits(T, V, 42);

  it.each([0, 3, 7])('from = %i', (from) => {
    const k = 5;
    const stats = scoreLogits(logits, ids, from, k);
    const n = T - 1 - from;
    expect(stats.logprob).toHaveLength(n);
    expect(stats.topIds).toHaveLength(n * k);
    for (let i = 0; i < n; i++) {
      const row = from + i;
      const ref = naive(logits.subarray(row * V, (row + 1) * V), ids[row + 1]);
      expect(Math.abs(stats.logprob[i] - ref.logprob)).toBeLessThan(TOLERANCE);
      expect(Math.abs(stats.entropy[i] - ref.entropy)).toBeLessThan(TOLERANCE);
      expect(stats.rank[i]).toBe(ref.rank);
      for (let j = 0; j < k; j++) {
        expect(stats.topIds[i * k + j]).toBe(ref.top[j].id);
        expect(Math.abs(stats.topLogprobs[i * k + j] - ref.top[j].logprob)).toBeLessThan(TOLERANCE);
      }
    }
  });

  it('stays exact for large logits, where a naive exp would overflow', () => {
    const row = Float32Array.from([1000, 999, 998, -1000]);
    const topIds = new Int32Array(2);
    const topLogprobs = new Float64Array(2);
    const s = rowStats(row, 0, 4, 1, 2, topIds, topLogprobs, 0);
    const shifted = naive([0, -1, -2, -2000], 1); // log-softmax is shift-invariant
    expect(s.logprob).toBeCloseTo(shifted.logprob, 12);
    expect(s.entropy).toBeCloseTo(shifted.entropy, 12);
    expect(s.rank).toBe(2);
    expect(Array.from(topIds)).toEqual([0, 1]);
  });

  it('breaks ties by id, and ranks a tied target first among equals', () => {
    const row = Float32Array.from([1, 3, 3, 0, 3]);
    const topIds = new Int32Array(4);
    const topLogprobs = new Float64Array(4);
    const s = rowStats(row, 0, 5, 4, 4, topIds, topLogprobs, 0);
    expect(Array.from(topIds)).toEqual([1, 2, 4, 0]);
    expect(s.rank).toBe(1); // no logit is strictly greater
  });

  it('handles -Infinity logits (masked entries) and a uniform distribution', () => {
    const masked = Float32Array.from([0, -Infinity, 0, -Infinity]);
    const s = rowStats(masked, 0, 4, 2, 0, new Int32Array(0), new Float64Array(0), 0);
    expect(s.logprob).toBeCloseTo(Math.log(0.5), 12);
    expect(s.entropy).toBeCloseTo(Math.log(2), 12);
    const uniform = new Float32Array(1000).fill(0.25);
    const u = rowStats(uniform, 0, 1000, 999, 0, new Int32Array(0), new Float64Array(0), 0);
    expect(u.entropy).toBeCloseTo(Math.log(1000), 12);
    expect(u.rank).toBe(1);
  });

  it('agrees with the reference on wide rows: a spread of 120 nats, where the table exp cuts off at 50', () => {
    const V = 4096;
    const logits = seededLogits(3, V, 7, 60); // uniform in [-60, 60]: about 58% of entries below max - 50
    const ids = Int32Array.from([0, 11, 4000]);
    const stats = scoreLogits(logits, ids, 0, 3);
    for (let i = 0; i < 2; i++) {
      const ref = naiveShifted(logits.subarray(i * V, (i + 1) * V), ids[i + 1]);
      expect(Math.abs(stats.logprob[i] - ref.logprob)).toBeLessThan(TOLERANCE);
      expect(Math.abs(stats.entropy[i] - ref.entropy)).toBeLessThan(TOLERANCE);
      expect(stats.rank[i]).toBe(ref.rank);
    }
  });

  it('fails clearly on NaN and +Infinity logits, bad shapes and out-of-range targets', () => {
    expect(() => scoreLogits(Float32Array.from([0, Number.NaN, 0, 0]), Int32Array.from([0, 1]), 0, 0)).toThrow(/NaN/);
    expect(() => scoreLogits(Float32Array.from([Number.NaN, 0, 0, 0]), Int32Array.from([0, 1]), 0, 2)).toThrow(
      /NaN logits \(vocabulary entry 0\)/,
    );
    expect(() => scoreLogits(Float32Array.from([0, Infinity, 0, 0]), Int32Array.from([0, 1]), 0, 0)).toThrow(/\+Infinity/);
    expect(() => scoreLogits(Float32Array.from([-Infinity, -Infinity, 0, 0]), Int32Array.from([0, 1]), 0, 0)).toThrow(
      /non-finite/,
    );
    expect(() => scoreLogits(new Float32Array(7), Int32Array.from([0, 1]), 0, 0)).toThrow(/one row per token/);
    expect(() => scoreLogits(new Float32Array(4), Int32Array.from([0, 5]), 0, 0)).toThrow(/target id 5/);
    expect(() => scoreLogits(new Float32Array(4), Int32Array.from([0, 1]), 0, 3)).toThrow(/only 2 entries/);
  });
});

describe('expNeg', () => {
  it('is exp(-d) to 1e-13 relative over [0, 50), at and between the table points', () => {
    let worst = 0;
    for (let i = 0; i < 50 * EXP_STEPS; i++) {
      for (const frac of [0, 0.001, 0.37, 0.5, 0.999999]) {
        const d = (i + frac) / EXP_STEPS;
        const exact = Math.exp(-d);
        worst = Math.max(worst, Math.abs(expNeg(d, d * EXP_STEPS) - exact) / exact);
      }
    }
    expect(worst).toBeLessThan(1e-13);
    expect(worst).toBeGreaterThan(0); // it is an approximation, and this test would see a broken one
  });
});

describe('logitsScorer', () => {
  it('makes one forward call per window and scores the requested rows', async () => {
    const V = 11;
    const calls: number[] = [];
    const scorer = logitsScorer(async (ids) => {
      calls.push(ids.length);
      return seededLogits(ids.length, V, ids.length);
    }, 'test');
    const ids = Int32Array.from([1, 2, 3, 4, 5, 6]);
    const stats = await scorer.scoreWindow({ ids, from: 2, k: 3 });
    expect(calls).toEqual([6]);
    expect(scorer.backend).toBe('test');
    expect(stats.logprob).toHaveLength(3);
    expect(stats.topIds).toHaveLength(9);
  });
});
