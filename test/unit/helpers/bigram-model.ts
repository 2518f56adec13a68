/**
 * A deterministic bigram "language model" for tests: the logits at a position depend only on the
 * token there, logits(t) = TABLE[t] (V, V). Its answers are independent of windows, so any window
 * plan must reproduce the same per-token values, which a float64 reference computes directly.
 */
import type { WindowRequest, WindowScorer } from '../../../src/lib/scoring/types';
import { logitsScorer } from '../../../src/lib/scoring/log-softmax';

/** (V, V) row-major: row a holds the logits of the token after a. */
export function bigramTable(V: number, seed = 1): Float32Array {
  const table = new Float32Array(V * V);
  let state = seed;
  for (let i = 0; i < table.length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    table[i] = (state / 2147483648 - 0.5) * 8;
  }
  return table;
}

/** Forward pass of the bigram model: ids (T) -> logits (T, V). */
export function bigramForward(table: Float32Array, V: number) {
  return async (ids: Int32Array): Promise<Float32Array> => {
    const logits = new Float32Array(ids.length * V);
    ids.forEach((id, r) => logits.set(table.subarray(id * V, (id + 1) * V), r * V));
    return logits;
  };
}

/** float64 log p(next | previous) under the bigram table. */
export function bigramLogprob(table: Float32Array, V: number, previous: number, next: number): number {
  const row = table.subarray(previous * V, (previous + 1) * V);
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x);
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  return row[next] - max - Math.log(sum);
}

/** A bigram WindowScorer that records every request it gets. */
export function recordingBigramScorer(
  V: number,
  seed = 1,
): { scorer: WindowScorer; requests: WindowRequest[]; table: Float32Array } {
  const table = bigramTable(V, seed);
  const inner = logitsScorer(bigramForward(table, V), 'bigram');
  const requests: WindowRequest[] = [];
  return {
    table,
    requests,
    scorer: {
      backend: 'bigram',
      scoreWindow(req) {
        requests.push({ ...req, ids: req.ids.slice() });
        return inner.scoreWindow(req);
      },
    },
  };
}
