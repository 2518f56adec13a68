/**
 * Bounded drawing of long series: min/max per pixel column keeps every column's extremes in at most
 * two points a column, the LOD the worker makes gives the chart the same lines as its own, and the
 * points the diagnosis names are always drawn.
 */
import { describe, expect, it } from 'vitest';
import { chartModel, type ChartOptions } from '../../src/lib/curves/chart-model';
import { buildLod, minMaxPerColumn, prepareForDrawing, LOD_MIN } from '../../src/lib/curves/lod';
import type { Finding, Run } from '../../src/lib/curves';

/** A deterministic noisy decay (LCG noise), with spikes where asked. */
function series(n: number, spikes: Record<number, number> = {}) {
  const steps = new Float64Array(n).map((_, i) => i);
  let seed = 12345;
  const values = steps.map((i) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return 3 + Math.exp(-i / 3e5) + 0.05 * (seed / 2 ** 31 - 0.5) + (spikes[i] ?? 0);
  });
  return { steps, values };
}

const runOf = (s: { steps: Float64Array; values: Float64Array }): Run => ({
  id: 'big',
  name: 'big',
  sources: [],
  format: 'csv',
  xLabel: 'step',
  train: s,
  val: null,
  lr: null,
  tokens: null,
  notes: [],
});

describe('min/max per pixel column', () => {
  it('two million points become at most 2 * width, and every column keeps its lowest and highest point', () => {
    const n = 2_000_000;
    const { steps, values } = series(n, { 1_234_567: 4, 99: -2 });
    values[777_777] = NaN;
    const width = 1000;
    const column = (x: number) => (x / n) * width;
    const kept = minMaxPerColumn(steps, values, column, width);
    expect(kept.length).toBeLessThanOrEqual(2 * width);
    for (let i = 1; i < kept.length; i++) expect(kept[i]).toBeGreaterThan(kept[i - 1]);
    // the reference: each column's extremes by brute force
    const lo = new Int32Array(width).fill(-1);
    const hi = new Int32Array(width).fill(-1);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(values[i])) continue;
      const c = Math.floor(column(steps[i]));
      if (lo[c] < 0 || values[i] < values[lo[c]]) lo[c] = i;
      if (hi[c] < 0 || values[i] > values[hi[c]]) hi[c] = i;
    }
    const set = new Set(kept);
    for (let c = 0; c < width; c++) {
      expect(set.has(lo[c])).toBe(true);
      expect(set.has(hi[c])).toBe(true);
    }
    expect(set.has(1_234_567)).toBe(true);
    expect(set.has(99)).toBe(true);
    expect(set.has(777_777)).toBe(false);
  });

  it('keeps the last point before the view and the first after it, so that lines reach the edges', () => {
    const xs = [0, 1, 2, 3, 4, 5, 6];
    const ys = [1, 2, NaN, 4, 5, 6, 7];
    expect(Array.from(minMaxPerColumn(xs, ys, (x) => (x - 2) * 10, 30))).toEqual([1, 3, 4, 5]);
    expect(Array.from(minMaxPerColumn([0, 1, 2, 3, 4, 5], [1, 5, 3, 2, 0, 4], (x) => x / 3, 2))).toEqual([0, 1, 4, 5]);
  });
});

describe('long series drawn from a LOD', () => {
  const base: ChartOptions = {
    unit: 'nats',
    logX: false,
    logY: false,
    smoothing: 0.6,
    xDomain: null,
    width: 1000,
    height: 400,
  };

  it('the worker-prepared LOD and smoothing give the same lines as the chart computes itself', () => {
    const plain = runOf(series(LOD_MIN * 2, { 300_000: 3 }));
    const prepared = runOf({ steps: plain.train!.steps.slice(), values: plain.train!.values.slice() });
    prepareForDrawing(prepared.train!, 0.6);
    const a = chartModel([{ run: plain, colour: 'red' }], base);
    const b = chartModel([{ run: prepared, colour: 'red' }], base);
    expect(b.series[0].smooth).toBe(a.series[0].smooth);
    expect(b.series[0].raw).toBe(a.series[0].raw);
    expect(b.y.domain()).toEqual(a.y.domain());
    expect(buildLod(plain.train!).index.length).toBeLessThan(LOD_MIN);
  });

  it('draws at most two points a pixel column, and always the points the diagnosis names', () => {
    const n = 2_000_000;
    // a reported spike at 1,000,010 shares its pixel column with a higher one at 1,000,020: min/max
    // alone would draw only the higher; the finding's own point is drawn too
    const run = runOf(series(n, { 1_000_010: 2, 1_000_020: 5 }));
    const finding: Finding = {
      kind: 'spike',
      run: 'big',
      series: 'train',
      step: 1_000_010,
      value: 5,
      severity: 'warning',
      title: '',
      detail: '',
    };
    const m = chartModel([{ run, colour: 'red' }], { ...base, smoothing: 0, findings: [finding] });
    const s = m.series[0];
    expect(s.points).toBeLessThanOrEqual(2 * Math.ceil(m.innerWidth) + 2 + 1);
    // d3 writes path coordinates to 3 decimals
    const drawn = s.smooth
      .split(/[ML]/)
      .filter(Boolean)
      .map((p) => p.split(',').map(Number));
    expect(drawn.length).toBe(s.points);
    const at = (i: number) => [m.x(i), m.y(run.train!.values[i])];
    for (const i of [1_000_010, 1_000_020])
      expect(drawn.some(([x, y]) => Math.abs(x - at(i)[0]) < 1e-3 && Math.abs(y - at(i)[1]) < 1e-3)).toBe(true);
    const without = chartModel([{ run, colour: 'red' }], { ...base, smoothing: 0 });
    expect(without.series[0].points).toBe(s.points - 1);
  });
});
