/**
 * The small panel under the loss chart: the learning rate on its own right axis, and the gradient
 * norm or the throughput on the left, over the same x scale and margins as the loss chart so that a
 * spike or a plateau can be read straight down against them. d3 computes, Svelte renders.
 */
import { line, scaleLinear, scaleLog, type ScaleContinuousNumeric } from 'd3';
import { lowerBound } from './smoothing';
import { minMaxPerColumn } from './lod';
import type { Series } from './types';
import { margins, pixelColumn, xExtent, type ChartRun } from './chart-model';
import { ticksAt, type Tick } from '../chart/layout';
import { formatSignalTick } from '../format';

/** What the left axis shows. */
export type LeftSignal = 'gradNorm' | 'throughput' | 'none';

export const SIGNAL_LABELS: Record<Exclude<LeftSignal, 'none'> | 'lr', string> = {
  lr: 'learning rate',
  gradNorm: 'gradient norm',
  throughput: 'throughput (per second)',
};

export interface SignalsOptions {
  logX: boolean;
  xDomain: [number, number] | null;
  width: number;
  height: number;
  lr: boolean;
  left: LeftSignal;
  scale?: number;
}

export interface SignalLine {
  key: string;
  colour: string;
  which: 'lr' | 'left';
  d: string;
  points: number;
}

type Scale = ScaleContinuousNumeric<number, number>;

const fmt = formatSignalTick;

/** Which side signals any of these runs logged (with at least two points). */
export function availableSignals(runs: ChartRun[]): { lr: boolean; gradNorm: boolean; throughput: boolean } {
  const has = (pick: (r: ChartRun) => Series | null | undefined) => runs.some((r) => (pick(r)?.steps.length ?? 0) > 1);
  return { lr: has((r) => r.run.lr), gradNorm: has((r) => r.run.gradNorm), throughput: has((r) => r.run.throughput) };
}

function yScale(series: Series[], domain: [number, number], height: number): { y: Scale; ticks: Tick[] } | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    const from = lowerBound(s.steps, domain[0]);
    for (let i = from; i < s.steps.length && s.steps[i] <= domain[1]; i++) {
      const v = s.values[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) return null;
  if (hi === lo) {
    hi = hi === 0 ? 1 : hi * 1.1;
    lo = lo > 0 ? lo * 0.9 : lo - 1;
  }
  const y = scaleLinear()
    .domain([Math.min(0, lo), hi * 1.05])
    .nice(4)
    .range([height, 0]);
  return { y, ticks: ticksAt(y.ticks(4), y, fmt) };
}

/** Scales, ticks and paths for the panel. */
export function signalsModel(runs: ChartRun[], o: SignalsOptions) {
  const M = margins(o.scale);
  const innerWidth = Math.max(40, o.width - M.left - M.right);
  const innerHeight = Math.max(30, o.height - 10 - 24 * (o.scale ?? 1));
  const full = xExtent(runs, o.logX) ?? [0, 1];
  let domain: [number, number] = o.xDomain ?? full;
  if (o.logX && domain[0] <= 0) domain = [full[0], Math.max(domain[1], full[0] * 1.0001)];
  const x: Scale = (o.logX ? scaleLog() : scaleLinear()).domain(domain).range([0, innerWidth]);
  const leftOf = (r: ChartRun) =>
    (o.left === 'gradNorm' ? r.run.gradNorm : o.left === 'throughput' ? r.run.throughput : null) ?? null;
  const lrSeries = o.lr ? runs.map((r) => r.run.lr).filter((s): s is Series => !!s && s.steps.length > 1) : [];
  const leftSeries = runs.map(leftOf).filter((s): s is Series => !!s && s.steps.length > 1);
  const right = yScale(lrSeries, domain, innerHeight);
  const left = yScale(leftSeries, domain, innerHeight);
  const column = pixelColumn(x, o.logX);
  const path = (s: Series, y: Scale) => {
    const keep = minMaxPerColumn(s.steps, s.values, column, Math.ceil(innerWidth));
    return (
      line<number>()
        .defined((i) => Number.isFinite(s.values[i]) && (!o.logX || s.steps[i] > 0))
        .x((i) => x(s.steps[i]))
        .y((i) => y(s.values[i]))(Array.from(keep)) ?? ''
    );
  };
  const lines: SignalLine[] = [];
  for (const r of runs) {
    const lr = r.run.lr;
    if (right && o.lr && lr && lr.steps.length > 1)
      lines.push({
        key: `${r.run.id}/lr`,
        colour: r.colour,
        which: 'lr',
        d: path(lr, right.y),
        points: lr.steps.length,
      });
    const l = leftOf(r);
    if (left && l && l.steps.length > 1)
      lines.push({
        key: `${r.run.id}/left`,
        colour: r.colour,
        which: 'left',
        d: path(l, left.y),
        points: l.steps.length,
      });
  }
  // the plot sits 8 px below the panel's top; what is left under it is the bottom margin
  return {
    x,
    innerWidth,
    innerHeight,
    margin: { ...M, top: 8, bottom: o.height - 8 - innerHeight },
    left,
    right,
    lines,
  };
}
