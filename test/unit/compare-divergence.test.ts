import { describe, expect, it } from 'vitest';
import {
  compareSameTokenizer,
  defaultPair,
  klRows,
  klTopKLowerBound,
  sharesTokenizer,
} from '../../src/lib/compare/divergence';
import type { BundledModel } from '../../src/lib/models/bundled-manifest';
import type { ScoreResult, TokenRecord } from '../../src/lib/scoring/types';

/** A deterministic pseudo-random log-distribution over V entries. */
function logDist(V: number, seed: number, sharpness = 3): Float32Array {
  let s = seed;
  const x = Array.from({ length: V }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * sharpness * 4;
  });
  const max = Math.max(...x);
  const lse = max + Math.log(x.reduce((a, v) => a + Math.exp(v - max), 0));
  return Float32Array.from(x, (v) => v - lse);
}

/** A token record at one position from a full distribution: its top k and the actual token `id`. */
function record(index: number, id: number, row: Float32Array, k: number): TokenRecord {
  const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a]);
  return {
    index,
    id,
    text: 'x',
    start: index,
    end: index + 1,
    scored: true,
    logprob: row[id],
    rank: order.indexOf(id) + 1,
    entropy: 0,
    top: order.slice(0, k).map((i) => ({ id: i, text: '', logprob: row[i] })),
  };
}

const result = (model: string, tokens: TokenRecord[], ppl = 1): ScoreResult => ({
  model,
  n_ctx: 16,
  stride: 8,
  backend: 'test',
  tokens,
  totals: { ppl } as ScoreResult['totals'],
});

describe('KL divergence', () => {
  const V = 64;

  it('klRows is zero for identical rows and matches the definition', () => {
    const p = logDist(V, 1);
    const q = logDist(V, 2);
    expect(klRows(p, 0, p, 0, V)).toBeLessThan(1e-6);
    let expected = 0;
    for (let v = 0; v < V; v++) expected += Math.exp(p[v]) * (p[v] - q[v]);
    expect(klRows(p, 0, q, 0, V)).toBeCloseTo(expected, 9);
    expect(klRows(p, 0, q, 0, V)).toBeGreaterThan(0);
  });

  it('the top-k value is a lower bound of the exact KL, and tightens as k grows', () => {
    for (let seed = 1; seed < 40; seed++) {
      const p = logDist(V, seed, 1 + (seed % 4));
      const q = logDist(V, seed + 1000, 1 + ((seed + 1) % 4));
      const exact = klRows(p, 0, q, 0, V);
      const target = seed % V;
      let previous = -1;
      for (const k of [1, 4, 16, V]) {
        const bound = klTopKLowerBound(record(0, target, p, k), record(0, target, q, k))!;
        // float32 rows: allow rounding
        expect(bound, `seed ${seed} k ${k}`).toBeLessThanOrEqual(exact + 1e-5);
        expect(bound, `seed ${seed} k ${k}`).toBeGreaterThanOrEqual(previous - 1e-5);
        previous = bound;
      }
      // with every entry known the bound is the exact value
      expect(previous).toBeCloseTo(exact, 5);
    }
  });

  it('compares two results of the same tokens: exact with distributions, a bound without', () => {
    const T = 5;
    const ids = [3, 9, 1, 40, 7];
    const rowsA = Array.from({ length: T }, (_, i) => logDist(V, 10 + i));
    const rowsB = Array.from({ length: T }, (_, i) => logDist(V, 100 + i));
    const a = result(
      'a',
      ids.map((id, i) => record(i, id, rowsA[i], 4)),
      10,
    );
    const b = result(
      'b',
      ids.map((id, i) => record(i, id, rowsB[i], 4)),
      20,
    );
    const flat = (rows: Float32Array[]) => {
      const out = new Float32Array(rows.length * V);
      rows.forEach((r, i) => out.set(r, i * V));
      return out;
    };
    const exact = compareSameTokenizer(
      a,
      b,
      { vocab: V, first: 0, logprobs: flat(rowsA) },
      { vocab: V, first: 0, logprobs: flat(rowsB) },
    );
    expect(exact.method).toBe('exact');
    exact.tokens.forEach((t, i) => {
      expect(t.kl!).toBeCloseTo(klRows(rowsA[i], 0, rowsB[i], 0, V), 9);
      expect(t.deltaLogprob!).toBeCloseTo(rowsB[i][ids[i]] - rowsA[i][ids[i]], 6);
    });
    expect(exact.maxKl).toBe(Math.max(...exact.tokens.map((t) => t.kl!)));
    expect(exact.tokens[exact.maxKlAt].kl).toBe(exact.maxKl);
    const bound = compareSameTokenizer(a, b);
    expect(bound.method).toBe('top-k lower bound');
    expect(bound.k).toBe(4);
    expect(bound.meanKl).toBeLessThanOrEqual(exact.meanKl + 1e-9);
    // the same model twice: nothing differs
    const self = compareSameTokenizer(a, a);
    expect(self.maxKl).toBeLessThan(1e-6);
    expect(self.sameTop).toBe(1);
    expect(self.meanDeltaLogprob).toBe(0);
  });

  it('refuses results with different tokens', () => {
    const row = logDist(V, 5);
    const a = result('a', [record(0, 1, row, 2)]);
    const b = result('b', [record(0, 2, row, 2)]);
    expect(() => compareSameTokenizer(a, b)).toThrow(/different tokens/);
  });
});

describe('the default pair', () => {
  const model = (id: string, extra: Partial<BundledModel> = {}): BundledModel => ({
    id,
    path: `${id}/`,
    model_type: 'gpt2',
    n_ctx: 256,
    vocab_size: 8192,
    n_layer: 4,
    n_embd: 192,
    bos_token_id: 8191,
    tokenizer_kind: 'byte-bpe',
    files: { 'tokenizer.json': 1000, 'onnx/model.onnx': 5 },
    ...extra,
  });
  const snap = (of: string, fraction: number) =>
    model(`${of}@${String(Math.round(fraction * 100)).padStart(3, '0')}`, {
      snapshot: { of, fraction, step: 1, bytes: 1, test_nats_per_token: 1, test_bits_per_byte: 1 },
    });

  it('prefers the default model and its snapshot nearest 10%', () => {
    const models = [
      model('tiny-bpe8k'),
      snap('tiny-bpe8k', 0.01),
      snap('tiny-bpe8k', 0.1),
      model('tiny-byte', { vocab_size: 257 }),
    ];
    expect(defaultPair(models)).toEqual({ reference: 'tiny-bpe8k', test: 'tiny-bpe8k@010' });
  });

  it('falls back to two models sharing a tokenizer, else none', () => {
    expect(defaultPair([model('a'), model('b', { files: { 'tokenizer.json': 1000 } })])).toEqual({
      reference: 'a',
      test: 'b',
    });
    expect(defaultPair([model('a'), model('b', { files: { 'tokenizer.json': 999 } })])).toBeNull();
    expect(sharesTokenizer(model('a'), model('a'))).toBe(false);
  });
});
