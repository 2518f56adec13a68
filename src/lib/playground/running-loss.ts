/**
 * The series of the running-loss chart: per-token surprisal along the text, a centred moving average
 * (where the model gets lost) and the cumulative mean (the loss so far, which ends at the text's loss).
 * Pure: no DOM.
 */
import type { TokenRecord } from '../scoring/types';

export interface LossPoint {
  /** token index */
  index: number;
  /** surprisal of this token, bits */
  bits: number;
  /** mean surprisal of the tokens within `window` of this one, bits */
  moving: number;
  /** mean surprisal of all tokens up to and including this one, bits */
  cumulative: number;
}

/**
 * One point per scored token.
 * @param window tokens in the moving average (odd; centred) @defaultValue about 1/20 of the text, 5..51
 * @example runningLoss(tokens).at(-1)!.cumulative // == totals.bits_per_token
 */
export function runningLoss(tokens: readonly TokenRecord[], window?: number): LossPoint[] {
  const scored = tokens.filter((t) => t.logprob !== null);
  const bits = scored.map((t) => -t.logprob! / Math.LN2);
  const w = window ?? Math.min(51, Math.max(5, 2 * Math.round(bits.length / 40) + 1));
  const half = Math.floor(w / 2);
  // prefix sums: prefix[i] = sum of bits[0 .. i-1]
  const prefix = new Float64Array(bits.length + 1);
  for (let i = 0; i < bits.length; i++) prefix[i + 1] = prefix[i] + bits[i];
  return scored.map((t, i) => {
    const lo = Math.max(0, i - half);
    const hi = Math.min(bits.length, i + half + 1);
    return {
      index: t.index,
      bits: bits[i],
      moving: (prefix[hi] - prefix[lo]) / (hi - lo),
      cumulative: prefix[i + 1] / (i + 1),
    };
  });
}
