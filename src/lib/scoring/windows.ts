/**
 * Sliding windows over a token sequence (DESIGN.md "Scoring semantics"): window w covers
 * [w * stride, min(w * stride + nCtx, N)); position p >= 1 is scored once, in the first window whose
 * end is past p, from that window's logits row p - start - 1. After the first window every scored
 * position then sees at least nCtx - stride tokens of context (the Hugging Face "perplexity of
 * fixed-length models" recipe, without its off-by-one).
 */

/** One forward pass over sequence positions [start, end). */
export interface ScoringWindow {
  start: number;
  end: number;
  /**
   * First logits row used: rows from .. end - start - 2 predict positions start + from + 1 .. end - 1
   * (the WindowRequest `from`).
   */
  from: number;
}

/**
 * The default stride: half a context, so each scored token sees at least half a context.
 * @example defaultStride(256) // 128
 */
export function defaultStride(nCtx: number): number {
  return Math.floor(nCtx / 2);
}

/**
 * Throw a clear error unless `stride` is an integer in [1, nCtx - 1].
 * @example validateStride(128, 256) // ok; validateStride(256, 256) throws
 */
export function validateStride(stride: number, nCtx: number): void {
  if (!Number.isInteger(nCtx) || nCtx < 2) {
    throw new RangeError(`context length must be an integer of at least 2, got ${nCtx}`);
  }
  if (!Number.isInteger(stride) || stride < 1 || stride > nCtx - 1) {
    throw new RangeError(
      `stride must be an integer in [1, ${nCtx - 1}] for a context of ${nCtx} tokens, got ${stride}`,
    );
  }
}

/**
 * The windows that score every position 1 .. N - 1 of a sequence of N tokens exactly once; none
 * when N < 2 (nothing to predict).
 * @example planWindows(10, 4, 2) // [{start 0, end 4, from 0}, {2, 6, 1}, {4, 8, 1}, {6, 10, 1}]
 */
export function planWindows(N: number, nCtx: number, stride: number = defaultStride(nCtx)): ScoringWindow[] {
  validateStride(stride, nCtx);
  if (!Number.isInteger(N) || N < 0) throw new RangeError(`sequence length must be a non-negative integer, got ${N}`);
  const windows: ScoringWindow[] = [];
  let scoredUpTo = 1; // positions < scoredUpTo are done (position 0 has nothing to be predicted from)
  for (let start = 0; scoredUpTo < N; start += stride) {
    const end = Math.min(start + nCtx, N);
    // the first unscored position p is predicted by row p - start - 1
    windows.push({ start, end, from: scoredUpTo - start - 1 });
    scoredUpTo = end;
  }
  return windows;
}

/**
 * How many windows planWindows would return, without building them.
 * @example countWindows(10, 4, 2) // 4
 */
export function countWindows(N: number, nCtx: number, stride: number): number {
  validateStride(stride, nCtx);
  if (N < 2) return 0;
  return N <= nCtx ? 1 : 1 + Math.ceil((N - nCtx) / stride);
}
