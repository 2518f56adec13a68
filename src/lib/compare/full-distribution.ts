/**
 * Full predicted distributions for exact KL divergence (comparison mode, "same tokenizer, two models").
 * The scoring engine keeps only the top k alternatives per position; asking the scorer for k = V gives
 * every vocabulary entry, sorted by probability. This wrapper asks for that, keeps each row as a
 * log-probability vector indexed by token id, and hands the engine the k it asked for. Pure.
 *
 * The engine scores every position once, window after window, in order (DESIGN.md "Scoring semantics"),
 * so the captured rows are the scored tokens in order.
 */
import type { WindowRequest, WindowScorer, WindowStats } from '../scoring/types';

/** Full distributions over a text's scored tokens. */
export interface FullDistributions {
  /** Vocabulary size V (the row length). */
  vocab: number;
  /** Index of the token row 0 predicts (0 with a BOS token, 1 without). */
  first: number;
  /** (rows, V) row-major natural-log probabilities, indexed by token id. */
  logprobs: Float32Array;
}

/**
 * Vocabulary sizes up to which full distributions are cheap: the CPU scorer's top-k is an insertion
 * sort, about 0.4 ms per position at V = 1,024 and 40 ms at V = 8,192 (measured in Node).
 */
export const FULL_DISTRIBUTION_CHEAP_VOCAB = 2048;
/** Positions x V^2 above which the full distribution is not worth the wait (about 10 s of CPU). */
export const FULL_DISTRIBUTION_MAX_WORK = 128 * 8192 * 8192;

/**
 * Whether a text of `tokens` tokens with a vocabulary of `vocab` entries gets full distributions.
 * @example wantFullDistribution(300, 1280) // true; wantFullDistribution(3000, 8192) // false
 */
export function wantFullDistribution(tokens: number, vocab: number): boolean {
  return vocab <= FULL_DISTRIBUTION_CHEAP_VOCAB || tokens * vocab * vocab <= FULL_DISTRIBUTION_MAX_WORK;
}

/**
 * Wrap a scorer so that it captures every position's full distribution.
 * @example
 * const capture = captureDistributions(scorer, config.vocab_size);
 * await scoreText(text, { ...options, scorer: capture.scorer });
 * capture.result(bos === null ? 1 : 0) // { vocab, first, logprobs }, or null if a row came back short
 */
export function captureDistributions(
  inner: WindowScorer,
  vocab: number,
): { scorer: WindowScorer; result(first: number): FullDistributions | null } {
  const rows: Float32Array[] = [];
  let complete = true;
  const scorer: WindowScorer = {
    get backend() {
      return inner.backend;
    },
    async scoreWindow(req: WindowRequest): Promise<WindowStats> {
      const stats = await inner.scoreWindow({ ...req, k: vocab });
      const n = stats.logprob.length;
      const kReturned = n > 0 ? stats.topIds.length / n : 0;
      if (kReturned < vocab) complete = false;
      const k = Math.min(req.k, kReturned);
      const topIds = new Int32Array(n * k); // (n, k)
      const topLogprobs = new Float64Array(n * k); // (n, k)
      for (let i = 0; i < n; i++) {
        const row = new Float32Array(vocab).fill(-Infinity); // (V) indexed by id
        for (let j = 0; j < kReturned; j++) {
          const id = stats.topIds[i * kReturned + j];
          if (id >= 0 && id < vocab) row[id] = stats.topLogprobs[i * kReturned + j];
        }
        rows.push(row);
        topIds.set(stats.topIds.subarray(i * kReturned, i * kReturned + k), i * k);
        topLogprobs.set(stats.topLogprobs.subarray(i * kReturned, i * kReturned + k), i * k);
      }
      return { ...stats, topIds, topLogprobs };
    },
  };
  return {
    scorer,
    result(first: number): FullDistributions | null {
      if (!complete) return null;
      const logprobs = new Float32Array(rows.length * vocab);
      rows.forEach((row, i) => logprobs.set(row, i * vocab));
      return { vocab, first, logprobs };
    },
  };
}
