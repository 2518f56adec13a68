/**
 * What the training-curve chart draws, computed from runs and view options with d3 (scales, ticks,
 * line paths) and no DOM: the Svelte component only renders it. Kept apart so it can be tested and
 * reused by the checkpoint scrubber's small chart.
 */
import { line, scaleLinear, scaleLog, type ScaleContinuousNumeric } from 'd3';
import { emaDebiased, lowerBound, nearestIndex, weightForLength } from './smoothing';
import {
  buildLod,
  indexAtStep,
  LOD_BUCKETS,
  LOD_MIN,
  minMaxPerColumn,
  withIndices,
  type DrawPrep,
  type SeriesLod,
} from './lod';
import type { Finding, Run, Series } from './types';
import { plotSize, scaleMargin, spacedTicks as spaced, type Margin, type Tick } from '../chart/layout';
import { formatSignificant, formatTick } from '../format';

export type LossUnit = 'nats' | 'bits';

export interface ChartRun {
  run: Run;
  colour: string;
}

export { DEFAULT_SMOOTHING } from './lod';

export interface ChartOptions {
  unit: LossUnit;
  logX: boolean;
  logY: boolean;
  /** EMA weight, 0 = raw. */
  smoothing: number;
  /** Zoomed x range, or null for everything. */
  xDomain: [number, number] | null;
  width: number;
  height: number;
  /** Type scale: 1 normally, larger in projector mode (margins grow with the tick labels). @defaultValue 1 */
  scale?: number;
  /** The diagnosis' findings: the points they name are always drawn, whatever the downsampling keeps. */
  findings?: Finding[];
}

export const MARGIN: Margin = { top: 14, right: 66, bottom: 44, left: 64 };

/** The margins at a type scale. */
export function margins(scale = 1): Margin {
  return scaleMargin(MARGIN, scale);
}

export interface DrawnSeries {
  key: string;
  runId: string;
  which: 'train' | 'val';
  colour: string;
  /** Faint raw line (downsampled, spikes kept). */
  raw: string;
  /** The smoothed line (or the raw one when smoothing is 0). */
  smooth: string;
  /** Raw points to mark (validation evaluations), already in pixels. */
  dots: { x: number; y: number }[];
  /** Non-finite values in view, in pixels along x. */
  broken: { x: number; label: string }[];
  series: Series;
  /** The smoothed values (the raw ones for validation). */
  smoothed: ArrayLike<number>;
  /** Points in the drawn line (at most two per pixel column, plus the edges and the findings). */
  points: number;
}

/** Nats -> the chosen unit. */
export const unitFactor = (unit: LossUnit) => (unit === 'bits' ? 1 / Math.LN2 : 1);

/** The full x extent of the runs (positive part only on a log axis). */
export function xExtent(runs: ChartRun[], logX: boolean): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const { run } of runs) {
    for (const s of [run.train, run.val]) {
      if (!s || s.steps.length === 0) continue;
      const first = logX ? s.steps[lowerBound(s.steps, Number.MIN_VALUE)] : s.steps[0];
      if (first !== undefined) lo = Math.min(lo, first);
      hi = Math.max(hi, s.steps[s.steps.length - 1]);
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  if (lo === hi) return logX ? [lo / 2, hi * 2] : [lo - 1, hi + 1];
  return [lo, hi];
}

type Scale = ScaleContinuousNumeric<number, number>;

export interface ChartModel {
  x: Scale;
  y: Scale;
  innerWidth: number;
  innerHeight: number;
  series: DrawnSeries[];
  xTicks: Tick[];
  yTicks: Tick[];
  pplTicks: Tick[];
  /** Points with x <= 0 that a log x axis cannot show. */
  hiddenByLogX: number;
  empty: boolean;
}

const fmtTick = formatTick;
/** A perplexity tick: 3 digits, k from 10,000. */
const fmtPpl = (v: number) => (v >= 1e4 ? `${formatSignificant(v / 1e3, 3)}k` : formatSignificant(v, 3));

/** Build the scales, ticks and paths for one frame of the chart. */
export function chartModel(runs: ChartRun[], o: ChartOptions): ChartModel {
  const M = margins(o.scale);
  const s1 = o.scale ?? 1;
  const { innerWidth, innerHeight } = plotSize(o.width, o.height, M, 40);
  const k = unitFactor(o.unit);
  const full = xExtent(runs, o.logX) ?? [0, 1];
  let domain: [number, number] = o.xDomain ?? full;
  if (o.logX && domain[0] <= 0) domain = [full[0], Math.max(domain[1], full[0] * 1.0001)];
  const x: Scale = (o.logX ? scaleLog() : scaleLinear()).domain(domain).range([0, innerWidth]);

  // y fits what is in view: raw finite values of the visible x range
  let lo = Infinity;
  let hi = -Infinity;
  let hiddenByLogX = 0;
  for (const { run } of runs) {
    for (const s of [run.train, run.val]) {
      if (!s) continue;
      const v0 = drawnView(s, domain);
      const from = lowerBound(v0.steps, domain[0]);
      const to = lowerBound(v0.steps, domain[1] * (1 + 1e-12) + 1e-12);
      for (let i = from; i < to; i++) {
        const v = v0.values[i] * k;
        if (!Number.isFinite(v) || (o.logY && v <= 0)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (o.logX) hiddenByLogX += lowerBound(s.steps, Number.MIN_VALUE);
    }
  }
  const empty = !Number.isFinite(lo);
  if (empty) {
    lo = o.logY ? 1 : 0;
    hi = o.logY ? 10 : 1;
  }
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.06;
  const y: Scale = o.logY
    ? scaleLog()
        .domain([Math.max(lo / 1.06, 1e-6), hi * 1.06])
        .range([innerHeight, 0])
    : scaleLinear()
        .domain([lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi + pad])
        .nice()
        .range([innerHeight, 0]);

  const nx = Math.max(2, Math.round(innerWidth / (90 * s1)));
  const ny = Math.max(3, Math.round(innerHeight / (38 * s1)));
  const xTicks = spaced(
    (o.logX ? logTicks(x) : x.ticks(nx)).map((value) => ({ value, label: fmtTick(value), px: x(value) })),
    56 * s1,
  );
  const yTicks = spaced(
    (o.logY ? logTicks(y) : y.ticks(ny)).map((value) => ({
      value,
      label: String(+value.toPrecision(4)),
      px: y(value),
    })),
    18 * s1,
  );
  // perplexity = e^nats = 2^bits: its ticks sit where the loss axis reads log(ppl) in the chosen unit
  const [y0, y1] = y.domain();
  const pplScale = scaleLog().domain([Math.exp(y0 / k), Math.exp(y1 / k)]);
  const candidates = pplScale.ticks(12).filter((p) => p >= 1);
  const lead = (v: number) => Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));
  const round = candidates.filter((p) => [1, 2, 5].includes(lead(p)));
  const pplTicks = spaced(
    (round.length >= 3 ? round : candidates)
      .map((value) => ({ value, label: fmtPpl(value), px: y(Math.log(value) * k) }))
      .filter((t) => Number.isFinite(t.px) && t.px >= -1 && t.px <= innerHeight + 1),
    20 * s1,
  );

  const series: DrawnSeries[] = [];
  const column = pixelColumn(x, o.logX);
  for (const { run, colour } of runs) {
    for (const which of ['train', 'val'] as const) {
      const s = run[which];
      if (!s || s.steps.length === 0) continue;
      // evaluations are already means over many batches, and smoothing them would hide where
      // validation turns up: only the train curve is smoothed
      const smoothing = which === 'train' ? weightForLength(o.smoothing, s.steps.length) : 0;
      const smoothed = smoothing > 0 ? smoothedOf(s, smoothing) : s.values;
      const view = drawnView(s, domain);
      const kept = minMaxPerColumn(view.steps, view.values, column, Math.ceil(innerWidth));
      const named = (o.findings ?? [])
        .filter((f) => f.run === run.id && (f.series === which || f.series === 'both'))
        .map((f) => indexAtStep(s, f.step));
      const keep = withIndices(
        view.index ? kept.map((i) => view.index![i]) : kept,
        named.filter((i) => i >= 0),
      );
      const okY = (v: number) => Number.isFinite(v) && (!o.logY || v > 0);
      const okX = (v: number) => !o.logX || v > 0;
      const path = (values: ArrayLike<number>) =>
        line<number>()
          .defined((i) => okX(s.steps[i]) && okY(values[i] * k))
          .x((i) => x(s.steps[i]))
          .y((i) => y(values[i] * k))(Array.from(keep)) ?? '';
      // the smoothed line is drawn through the same kept points: its spikes are small by design
      const dots: { x: number; y: number }[] = [];
      if (which === 'val' && keep.length <= 400) {
        for (const i of keep) {
          const px = x(s.steps[i]);
          if (px >= -0.5 && px <= innerWidth + 0.5 && okX(s.steps[i]) && okY(s.values[i] * k))
            dots.push({ x: px, y: y(s.values[i] * k) });
        }
      }
      const broken: { x: number; label: string }[] = [];
      for (let i = lowerBound(view.steps, domain[0]); i < view.steps.length && view.steps[i] <= domain[1]; i++) {
        const v = view.values[i];
        if (!Number.isFinite(v) && okX(view.steps[i])) {
          broken.push({ x: x(view.steps[i]), label: Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '−Inf' });
          if (broken.length > 200) break;
        }
      }
      series.push({
        key: `${run.id}/${which}`,
        runId: run.id,
        which,
        colour,
        raw: smoothing > 0.01 ? path(s.values) : '',
        smooth: path(smoothed),
        dots,
        broken,
        series: s,
        smoothed,
        points: keep.length,
      });
    }
  }
  return { x, y, innerWidth, innerHeight, series, xTicks, yTicks, pplTicks, hiddenByLogX, empty };
}

/**
 * The pixel column of an x value, without a d3 call per point: a two-million-point log is walked at
 * every redraw (resize, zoom), and the scale's own call costs ten times the arithmetic.
 */
export function pixelColumn(x: Scale, logX: boolean): (v: number) => number {
  const [d0, d1] = x.domain();
  const [r0, r1] = x.range();
  if (!logX) {
    const a = (r1 - r0) / (d1 - d0 || 1);
    return (v) => (v - d0) * a + r0;
  }
  const l0 = Math.log(d0);
  const a = (r1 - r0) / (Math.log(d1) - l0 || 1);
  return (v) => (Math.log(v) - l0) * a + r0;
}

type DrawnView = SeriesLod | { steps: Float64Array; values: Float64Array; index: null };
const lodCache = new WeakMap<Float64Array, SeriesLod>();

/** A long series' LOD: the worker's when it sent one, else made here once. */
function lodOf(s: Series & DrawPrep): SeriesLod {
  if (s.lod) return s.lod;
  let lod = lodCache.get(s.values);
  if (!lod) lodCache.set(s.values, (lod = buildLod(s)));
  return lod;
}

/** What to walk for a series in an x range: itself, or its decimated copy when it is long and mostly in view. */
function drawnView(s: Series, domain: [number, number]): DrawnView {
  const n = s.steps.length;
  if (n < LOD_MIN) return { steps: s.steps, values: s.values, index: null };
  const inView = lowerBound(s.steps, domain[1] * (1 + 1e-12) + 1e-12) - lowerBound(s.steps, domain[0]);
  // zoomed in far enough, the full points are few and exact
  if (inView < LOD_BUCKETS * 2) return { steps: s.steps, values: s.values, index: null };
  return lodOf(s);
}

/** The smoothed curve per values array and weight: computed once, not at each redraw. */
const smoothCache = new WeakMap<ArrayLike<number>, Map<number, Float64Array>>();
function smoothedOf(s: Series & DrawPrep, weight: number): Float64Array {
  if (s.smoothed?.weight === weight) return s.smoothed.values;
  const values = s.values;
  let byWeight = smoothCache.get(values);
  if (!byWeight) smoothCache.set(values, (byWeight = new Map()));
  let out = byWeight.get(weight);
  if (!out) {
    if (byWeight.size > 8) byWeight.clear();
    byWeight.set(weight, (out = emaDebiased(values, weight)));
  }
  return out;
}

/** Log-axis ticks: 1, 2, 5 x 10^k where they fit, else powers of ten. */
function logTicks(s: Scale): number[] {
  const [a, b] = s.domain();
  const decades = Math.log10(b / a);
  const all = s.ticks(10);
  if (decades > 4) return all.filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
  const lead = (v: number) => Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));
  const picked = all.filter((v) => [1, 2, 5].includes(lead(v)));
  return picked.length >= 2 ? picked : all;
}

/** Where a finding's marker goes: on its curve where it has a value, else at the top edge. */
export function markerPosition(
  f: Finding,
  m: ChartModel,
  unit: LossUnit,
): { x: number; y: number; onCurve: boolean } | null {
  const px = m.x(f.step);
  if (!Number.isFinite(px) || px < -1 || px > m.innerWidth + 1) return null;
  const v = f.value === null ? NaN : f.value * unitFactor(unit);
  const py = Number.isFinite(v) && v > 0 ? m.y(v) : NaN;
  if (Number.isFinite(py) && py >= 0 && py <= m.innerHeight) return { x: px, y: py, onCurve: true };
  return { x: px, y: 0, onCurve: false };
}

/** One series' values at the hovered step. */
export interface ReadoutRow {
  key: string;
  name: string;
  colour: string;
  which: 'train' | 'val';
  /** Logged value, in nats. */
  raw: number;
  /** Smoothed value, in nats (the raw one for validation). */
  smooth: number;
  step: number;
}

/**
 * What the hover read-out shows at plot pixel `px`: the logged step nearest to it in any series,
 * and each series' value there (series with no point within 24 px of it are left out).
 */
export function readoutAt(m: ChartModel, px: number): { px: number; step: number; rows: ReadoutRow[] } | null {
  const want = m.x.invert(px);
  let best = NaN;
  let dist = Infinity;
  for (const s of m.series) {
    const i = nearestIndex(s.series.steps, s.series.values, want);
    if (i >= 0 && Math.abs(m.x(s.series.steps[i]) - px) < dist) {
      dist = Math.abs(m.x(s.series.steps[i]) - px);
      best = s.series.steps[i];
    }
  }
  if (!Number.isFinite(best)) return null;
  const rows: ReadoutRow[] = [];
  for (const s of m.series) {
    const i = nearestIndex(s.series.steps, s.series.values, best);
    if (i < 0 || Math.abs(m.x(s.series.steps[i]) - m.x(best)) > 24) continue;
    rows.push({
      key: s.key,
      name: s.runId,
      colour: s.colour,
      which: s.which,
      raw: s.series.values[i],
      smooth: s.smoothed[i],
      step: s.series.steps[i],
    });
  }
  return { px: m.x(best), step: best, rows };
}
