/**
 * Smoothing and downsampling for drawing: TensorBoard's de-biased EMA, and M4 (first, min, max, last
 * per pixel column) so that a million-point log draws as a few thousand points and no spike is lost.
 */
import { bisectLeft } from 'd3-array';

/**
 * Exponential moving average with TensorBoard's de-biasing: the running average starts at 0 and is
 * divided by (1 - w^k) after k points, so the first points are not pulled towards zero and the curve
 * starts where the data starts. NaN and ±Infinity pass through and do not poison what follows.
 *
 * @param values - the raw values, in step order
 * @param weight - the smoothing weight in [0, 1); 0 returns the values. @defaultValue 0.6
 * @example emaDebiased([1, 1, 1], 0.9) // [1, 1, 1]
 */
export function emaDebiased(values: ArrayLike<number>, weight = 0.6): Float64Array {
  const out = new Float64Array(values.length);
  const w = Math.min(Math.max(weight, 0), 0.9999);
  let last = 0;
  // w^k as a running product: Math.pow per point was most of the cost on a two-million-point log
  let wk = 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    wk *= w;
    out[i] = w === 0 ? v : last / (1 - wk);
  }
  return out;
}

/**
 * The EMA weight for a series of `n` points such that the slider means the same share of the run for
 * a log of 25 points and one of a million: `weight` is the weight per point of a 1,000-point series,
 * and a series of n points uses weight^(1000 / n). A sparse log (a point per evaluation) is then barely
 * smoothed, and does not lag behind its own data, while a per-step log is smoothed over about as many
 * steps as it takes to see a trend.
 *
 * @param weight - the slider's weight in [0, 1)
 * @param n - points in the series
 * @param reference - the series length at which `weight` applies as is. @defaultValue 1000
 * @example weightForLength(0.6, 25) // ~1e-9: 25 points are drawn as they are
 */
export function weightForLength(weight: number, n: number, reference = 1000): number {
  if (weight <= 0 || n <= 1) return 0;
  return Math.pow(Math.min(weight, 0.9999), reference / n);
}

/** Index of the first x >= target in a sorted array (xs.length when none): d3-array's bisectLeft. */
export const lowerBound: (xs: ArrayLike<number>, target: number) => number = bisectLeft;

/** The point nearest to x in a sorted series (finite values only), or -1. */
export function nearestIndex(xs: ArrayLike<number>, ys: ArrayLike<number>, x: number): number {
  const i = lowerBound(xs, x);
  let best = -1;
  let dist = Infinity;
  for (let j = i; j < xs.length; j++) {
    if (Number.isFinite(ys[j])) {
      if (xs[j] - x < dist) {
        best = j;
        dist = xs[j] - x;
      }
      break;
    }
  }
  for (let j = i - 1; j >= 0; j--) {
    if (Number.isFinite(ys[j])) {
      if (x - xs[j] <= dist) best = j;
      break;
    }
  }
  return best;
}
