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

/**
 * The per-token dots as one SVG path of zero-length segments (drawn as dots by a round line cap), so
 * that 20,000 tokens make one element rather than 20,000 circles. Dots that land on the same half pixel
 * are drawn once: beyond a few thousand tokens most of them overlap anyway.
 * @example dotsPath([{ index: 0, bits: 2 }], (i) => 40 + i, (b) => 100 - b, 8) // 'M40 98h0'
 */
export function dotsPath(
  points: readonly Pick<LossPoint, 'index' | 'bits'>[],
  x: (index: number) => number,
  y: (bits: number) => number,
  maxBits: number,
): string {
  // half pixels as integers, then one cell of a grid per half pixel: no set of 20,000 keys
  const n = points.length;
  const hx = new Int32Array(n);
  const hy = new Int32Array(n);
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    hx[i] = Math.round(x(points[i].index) * 2);
    hy[i] = Math.round(y(Math.min(points[i].bits, maxBits)) * 2);
    x0 = Math.min(x0, hx[i]);
    x1 = Math.max(x1, hx[i]);
    y0 = Math.min(y0, hy[i]);
    y1 = Math.max(y1, hy[i]);
  }
  if (n === 0) return '';
  const seen = new Uint8Array((x1 - x0 + 1) * (y1 - y0 + 1));
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = (hx[i] - x0) * (y1 - y0 + 1) + (hy[i] - y0);
    if (seen[key]) continue;
    seen[key] = 1;
    parts.push(`M${hx[i] / 2} ${hy[i] / 2}h0`);
  }
  return parts.join('');
}

/**
 * The points of a line thinned to what the screen can show: within each pixel column (of `x`) only the
 * first, the lowest, the highest and the last point (M4), in their order along the line. The drawn line
 * covers the same pixels with at most four points per column instead of thousands, so building and
 * painting the path of 20,000 tokens stays cheap. `x` and `y` are called once per point.
 * @example thinToPixels(points, (p) => x(p.index), (p) => y(p.moving)) // at most 4 × the chart's width
 */
export function thinToPixels<P>(points: readonly P[], x: (p: P) => number, y: (p: P) => number): P[] {
  const out: P[] = [];
  const keep = (k: number) => {
    if (out.at(-1) !== points[k]) out.push(points[k]);
  };
  let i = 0;
  while (i < points.length) {
    const column = Math.round(x(points[i]));
    let lo = i;
    let hi = i;
    let yLo = y(points[i]);
    let yHi = yLo;
    let j = i + 1;
    for (; j < points.length && Math.round(x(points[j])) === column; j++) {
      const v = y(points[j]);
      if (v < yLo) [lo, yLo] = [j, v];
      if (v > yHi) [hi, yHi] = [j, v];
    }
    keep(i);
    keep(Math.min(lo, hi));
    keep(Math.max(lo, hi));
    keep(j - 1);
    i = j;
  }
  return out;
}

/**
 * A d3 linear scale as a plain function a + b·v: the same numbers (the scale is unclamped), without its
 * per-call checks, for the 20,000 calls of a long text.
 * @example affine(scaleLinear().domain([0, 10]).range([0, 100]))(5) // 50
 */
export function affine(scale: { domain(): number[]; range(): number[] }): (v: number) => number {
  const [d0, d1] = scale.domain();
  const [r0, r1] = scale.range();
  const b = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const a = d1 === d0 ? (r0 + r1) / 2 : r0 - b * d0;
  return (v) => a + b * v;
}
