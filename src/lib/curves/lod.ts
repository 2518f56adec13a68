/**
 * Drawing a long series in bounded time: a decimated copy made once (in the curves worker, next to the
 * parse) and min/max-per-pixel-column downsampling of what is in view, so that a redraw walks tens of
 * thousands of points, not millions, and draws at most two per pixel column.
 */
import { emaDebiased, lowerBound, weightForLength } from './smoothing';
import type { Series } from './types';

/** The smoothing weight the page starts with (the curves worker prepares long series for it). */
export const DEFAULT_SMOOTHING = 0.6;

/** A decimated copy of a series: the points it keeps, with their index into the full series. */
export interface SeriesLod {
  index: Uint32Array;
  steps: Float64Array;
  values: Float64Array;
}

/** What the worker prepares for drawing a series; the chart computes it itself where it is absent. */
export interface DrawPrep {
  lod?: SeriesLod;
  /** The smoothed values at one EMA weight (the default one). */
  smoothed?: { weight: number; values: Float64Array };
}

/**
 * Series longer than LOD_MIN points are walked, when most of them are in view, through their LOD: the
 * first, lowest, highest and last point of each of LOD_BUCKETS buckets, and every NaN/Inf (up to 64 a
 * bucket). The y range is exact, and the lines differ from the full walk's only where a bucket
 * straddles two pixel columns.
 */
export const LOD_MIN = 200_000;
export const LOD_BUCKETS = 40_000;

/** Build a series' LOD (O(n), once). */
export function buildLod(s: Series): SeriesLod {
  const n = s.steps.length;
  const size = Math.max(1, Math.ceil(n / LOD_BUCKETS));
  const v = s.values;
  const idx: number[] = [];
  for (let b = 0; b < n; b += size) {
    const e = Math.min(n, b + size);
    let first = -1;
    let lo = -1;
    let hi = -1;
    let last = -1;
    let bad = 0;
    const start = idx.length;
    for (let i = b; i < e; i++) {
      const y = v[i];
      if (!Number.isFinite(y)) {
        if (bad++ < 64) idx.push(i);
        continue;
      }
      if (first < 0) first = lo = hi = i;
      else {
        if (y < v[lo]) lo = i;
        if (y > v[hi]) hi = i;
      }
      last = i;
    }
    if (first >= 0) idx.push(first, lo, hi, last);
    // this bucket's kept indices in order, once each
    const kept = idx.splice(start).sort((a, c) => a - c);
    for (let k = 0; k < kept.length; k++) if (k === 0 || kept[k] !== kept[k - 1]) idx.push(kept[k]);
  }
  const index = Uint32Array.from(idx);
  return { index, steps: Float64Array.from(index, (i) => s.steps[i]), values: Float64Array.from(index, (i) => v[i]) };
}

/**
 * Attach what drawing a long series needs (its LOD, its smoothed values at `smoothing`), so that the
 * page does not compute it on its own thread. Short series are left as they are.
 */
export function prepareForDrawing(s: Series & DrawPrep, smoothing: number | null): void {
  if (s.steps.length < LOD_MIN) return;
  s.lod = buildLod(s);
  if (smoothing !== null) {
    const weight = weightForLength(smoothing, s.steps.length);
    if (weight > 0) s.smoothed = { weight, values: emaDebiased(s.values, weight) };
  }
}

/** The typed arrays prepareForDrawing added, for a worker to transfer with the series. */
export function drawPrepBuffers(s: Series & DrawPrep): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const a of [s.lod?.index, s.lod?.steps, s.lod?.values, s.smoothed?.values])
    if (a && a.buffer instanceof ArrayBuffer) out.push(a.buffer);
  return out;
}

/**
 * Downsample to the plot's pixel columns: of the finite points in each column, the lowest and the
 * highest (in index order; one when they are the same point), so that the drawn line covers every
 * column's full range and no spike is lost: at most 2 * width points, plus the last point before the
 * view and the first after it, so that lines reach the edges.
 * @param column a point's x in pixels (fractional); columns are its floor, 0 .. width - 1
 * @example minMaxPerColumn([0, 1, 2, 3, 4, 5], [1, 5, 3, 2, 0, 4], (x) => x / 3, 2) // Uint32Array [0, 1, 4, 5]
 */
export function minMaxPerColumn(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  column: (x: number) => number,
  width: number,
): Uint32Array {
  const n = xs.length;
  const out = new Uint32Array(2 * Math.max(0, Math.ceil(width)) + 2);
  let k = 0;
  let before = -1;
  let after = -1;
  let col = NaN;
  let lo = -1;
  let hi = -1;
  const flush = () => {
    if (lo < 0) return;
    out[k++] = Math.min(lo, hi);
    if (hi !== lo) out[k++] = Math.max(lo, hi);
  };
  for (let i = 0; i < n; i++) {
    const y = ys[i];
    if (!Number.isFinite(y)) continue;
    const c = Math.floor(column(xs[i]));
    if (c < 0) {
      before = i;
      continue;
    }
    if (c >= width) {
      after = i;
      break;
    }
    if (c !== col) {
      flush();
      col = c;
      lo = hi = i;
    } else if (y < ys[lo]) lo = i;
    else if (y > ys[hi]) hi = i;
  }
  flush();
  const kept = out.subarray(0, k);
  if (before < 0 && after < 0) return kept.slice();
  const withEdges = new Uint32Array(k + (before >= 0 ? 1 : 0) + (after >= 0 ? 1 : 0));
  let j = 0;
  if (before >= 0) withEdges[j++] = before;
  withEdges.set(kept, j);
  if (after >= 0) withEdges[j + k] = after;
  return withEdges;
}

/** Merge extra indices (findings the diagnosis reports) into sorted kept indices, once each. */
export function withIndices(kept: Uint32Array, extra: number[]): Uint32Array {
  if (extra.length === 0) return kept;
  return Uint32Array.from(new Set([...kept, ...extra])).sort();
}

/** Index of the point logged exactly at `step`, or -1. */
export function indexAtStep(s: Series, step: number): number {
  const i = lowerBound(s.steps, step);
  return i < s.steps.length && s.steps[i] === step ? i : -1;
}
