import { describe, expect, it } from 'vitest';
import { headKernel } from '../../src/lib/scoring/head-wasm';
import HEAD_WASM from '../../src/lib/scoring/head.wat.ts';
import {
  EXP_STEPS,
  expNeg,
  headStatus,
  logitsScorer,
  scoreLogits,
  type HeadPath,
} from '../../src/lib/scoring/log-softmax';

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
  return naive(
    Array.from(row, (v) => v - max),
    target,
  );
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

/** One row's statistics through scoreLogits on a path: the row predicts `target` (a second row pads the window). */
function rowOf(path: HeadPath, row: Float32Array, target: number, k: number) {
  const logits = new Float32Array(row.length * 2);
  logits.set(row);
  const s = scoreLogits(logits, Int32Array.from([0, target]), 0, k, path);
  return {
    logprob: s.logprob[0],
    rank: s.rank[0],
    entropy: s.entropy[0],
    topIds: s.topIds,
    topLogprobs: s.topLogprobs,
  };
}

describe.each(['js', 'simd'] as const)('scoreLogits (%s) against a naive float64 reference', (path) => {
  const T = 9;
  const V = 257;
  const ids = Int32Array.from({ length: T }, (_, i) => (i * 37) % V);
  const logits = seededLogits(T, V, 42);

  it.each([0, 3, 7])('from = %i', (from) => {
    const k = 5;
    const stats = scoreLogits(logits, ids, from, k, path);
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
    const s = rowOf(path, row, 1, 2);
    const topIds = s.topIds;
    const shifted = naive([0, -1, -2, -2000], 1); // log-softmax is shift-invariant
    expect(s.logprob).toBeCloseTo(shifted.logprob, 12);
    expect(s.entropy).toBeCloseTo(shifted.entropy, 12);
    expect(s.rank).toBe(2);
    expect(Array.from(topIds)).toEqual([0, 1]);
  });

  it('breaks ties by id, and ranks a tied target first among equals', () => {
    const row = Float32Array.from([1, 3, 3, 0, 3]);
    const s = rowOf(path, row, 4, 4);
    expect(Array.from(s.topIds)).toEqual([1, 2, 4, 0]);
    expect(s.rank).toBe(1); // no logit is strictly greater
  });

  it('handles -Infinity logits (masked entries) and a uniform distribution', () => {
    const masked = Float32Array.from([0, -Infinity, 0, -Infinity]);
    const s = rowOf(path, masked, 2, 0);
    expect(s.logprob).toBeCloseTo(Math.log(0.5), 12);
    expect(s.entropy).toBeCloseTo(Math.log(2), 12);
    const uniform = new Float32Array(1000).fill(0.25);
    const u = rowOf(path, uniform, 999, 0);
    expect(u.entropy).toBeCloseTo(Math.log(1000), 12);
    expect(u.rank).toBe(1);
  });

  it('agrees with the reference on wide rows: a spread of 120 nats, where the table exp cuts off at 50', () => {
    const V = 4096;
    const logits = seededLogits(3, V, 7, 60); // uniform in [-60, 60]: about 58% of entries below max - 50
    const ids = Int32Array.from([0, 11, 4000]);
    const stats = scoreLogits(logits, ids, 0, 3, path);
    for (let i = 0; i < 2; i++) {
      const ref = naiveShifted(logits.subarray(i * V, (i + 1) * V), ids[i + 1]);
      expect(Math.abs(stats.logprob[i] - ref.logprob)).toBeLessThan(TOLERANCE);
      expect(Math.abs(stats.entropy[i] - ref.entropy)).toBeLessThan(TOLERANCE);
      expect(stats.rank[i]).toBe(ref.rank);
    }
  });

  it('fails clearly on NaN and +Infinity logits, bad shapes and out-of-range targets', () => {
    const score = (logits: number[], ids: number[], k: number) => () =>
      scoreLogits(Float32Array.from(logits), Int32Array.from(ids), 0, k, path);
    expect(score([0, Number.NaN, 0, 0], [0, 1], 0)).toThrow(/NaN/);
    expect(score([0, 0, 0, 0, Number.NaN, 0, 0, 0, 0, 0], [0, 1], 0)).toThrow(/NaN logits \(vocabulary entry 4\)/); // V = 5: in the padded quad
    expect(score([Number.NaN, 0, 0, 0], [0, 1], 2)).toThrow(/NaN logits \(vocabulary entry 0\)/);
    expect(score([0, Infinity, 0, 0], [0, 1], 0)).toThrow(/\+Infinity/);
    expect(score([-Infinity, -Infinity, 0, 0], [0, 1], 0)).toThrow(/non-finite/);
    expect(score(new Array(7).fill(0), [0, 1], 0)).toThrow(/one row per token/);
    expect(score([0, 0, 0, 0], [0, 5], 0)).toThrow(/target id 5/);
    expect(score([0, 0, 0, 0], [0, 1], 3)).toThrow(/only 2 entries/);
  });

  it.each([1, 2, 3, 4, 5, 7, 8, 9, 31, 257, 1001])(
    'agrees with the reference for V = %i (rows not a multiple of four)',
    (V) => {
      const T = 4;
      const logits = seededLogits(T, V, V, 8);
      const ids = Int32Array.from({ length: T }, (_, i) => (i * 7) % V);
      const k = Math.min(3, V);
      const stats = scoreLogits(logits, ids, 0, k, path);
      for (let i = 0; i < T - 1; i++) {
        const ref = naive(logits.subarray(i * V, (i + 1) * V), ids[i + 1]);
        expect(Math.abs(stats.logprob[i] - ref.logprob)).toBeLessThan(TOLERANCE);
        expect(Math.abs(stats.entropy[i] - ref.entropy)).toBeLessThan(TOLERANCE);
        expect(stats.rank[i]).toBe(ref.rank);
        expect(Array.from(stats.topIds.subarray(i * k, (i + 1) * k))).toEqual(ref.top.slice(0, k).map((t) => t.id));
      }
    },
  );
});

describe('the SIMD and TypeScript paths', () => {
  it('agree to rounding on wide rows (V = 8448, a spread of 60 nats)', () => {
    const V = 8448;
    const T = 6;
    const logits = seededLogits(T, V, 3, 30);
    const ids = Int32Array.from({ length: T }, (_, i) => (i * 1999) % V);
    const a = scoreLogits(logits, ids, 0, 5, 'simd');
    const b = scoreLogits(logits, ids, 0, 5, 'js');
    for (let i = 0; i < T - 1; i++) {
      expect(Math.abs(a.logprob[i] - b.logprob[i])).toBeLessThan(1e-12);
      expect(Math.abs(a.entropy[i] - b.entropy[i])).toBeLessThan(1e-12);
    }
    expect(Array.from(a.rank)).toEqual(Array.from(b.rank));
    expect(Array.from(a.topIds)).toEqual(Array.from(b.topIds));
  });

  it('give the same full ranking (k = V) with many ties, as comparison mode asks for', () => {
    const V = 301;
    const logits = Float32Array.from(seededLogits(3, V, 11, 3), (x) => Math.round(x * 4) / 4); // about 25 distinct values
    const ids = Int32Array.from([5, 17, 300]);
    const a = scoreLogits(logits, ids, 0, V, 'simd');
    const b = scoreLogits(logits, ids, 0, V, 'js');
    expect(Array.from(a.topIds)).toEqual(Array.from(b.topIds));
    expect(Array.from(a.rank)).toEqual(Array.from(b.rank));
    for (let i = 0; i < a.topLogprobs.length; i++)
      expect(Math.abs(a.topLogprobs[i] - b.topLogprobs[i])).toBeLessThan(1e-12);
  });

  it('the module is valid WebAssembly, and SIMD is what scoreLogits uses here (Node, like Chromium, has it)', () => {
    expect(WebAssembly.validate(HEAD_WASM)).toBe(true);
    expect(headKernel()).toBeTruthy();
    scoreLogits(seededLogits(2, 8, 1), Int32Array.from([0, 1]), 0, 1);
    expect(headStatus()).toEqual({ path: 'wasm', reason: null, fallbackWindows: 0, fallbackRows: 0 });
  });

  it('expSums is exp(-d) summed to 1e-13 relative for d in [0, 50), and leaves out d >= 50', () => {
    const kernel = headKernel();
    const out = new Float64Array(2);
    let worst = 0;
    for (let step = 0; step < 50; step += 0.0137) {
      const d = -Math.fround(-step); // a float32 logit, as the row holds
      kernel.reserve(4, 0);
      kernel.row().set([-d, -d, -Infinity, -Infinity]); // max 0; two equal terms
      kernel.expSums(1, 0, out);
      const exact = 2 * Math.exp(-d);
      worst = Math.max(worst, Math.abs(out[0] - exact) / exact, d > 0 ? Math.abs(out[1] - exact * d) / (exact * d) : 0);
    }
    expect(worst).toBeLessThan(1e-13);
    expect(worst).toBeGreaterThan(0); // an approximation: this test would see a broken one
    kernel.row().set([-50, -60, Number.NaN, -Infinity]);
    kernel.expSums(1, 0, out);
    expect(Array.from(out)).toEqual([0, 0]);
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
