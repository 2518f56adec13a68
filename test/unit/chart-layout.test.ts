/**
 * The shared chart geometry: margins at a type scale, the plot area inside them, ticks in pixels and
 * the thinning of ticks that would overlap.
 */
import { describe, expect, it } from 'vitest';
import { scaleLinear, scaleLog } from 'd3';
import { plotSize, scaleMargin, spacedTicks, ticksAt } from '../../src/lib/chart/layout';
import { layoutLegend } from '../../src/lib/chart/legend';

describe('chart layout', () => {
  it('scales margins with the type and keeps the plot inside them', () => {
    const m = scaleMargin({ top: 12, right: 16, bottom: 30, left: 42 }, 1.5);
    expect(m).toEqual({ top: 18, right: 24, bottom: 45, left: 63 });
    expect(plotSize(800, 400, m)).toEqual({ innerWidth: 800 - 63 - 24, innerHeight: 400 - 18 - 45 });
    // a hidden or tiny container still gets a plot of the minimum size, never a negative range
    expect(plotSize(0, 0, m, 40)).toEqual({ innerWidth: 40, innerHeight: 40 });
  });

  it('places ticks by the scale and leaves out what it cannot place', () => {
    const x = scaleLinear().domain([0, 10]).range([0, 500]);
    expect(ticksAt([0, 5, 10], x, (v) => `${v}k`)).toEqual([
      { value: 0, label: '0k', px: 0 },
      { value: 5, label: '5k', px: 250 },
      { value: 10, label: '10k', px: 500 },
    ]);
    const log = scaleLog().domain([1, 100]).range([0, 200]);
    expect(ticksAt([0, 1, 10], log).map((t) => t.value)).toEqual([1, 10]);
  });

  it('drops ticks closer than the gap to the last kept one, in pixel order', () => {
    const ticks = [30, 0, 10, 25, 60].map((px) => ({ px }));
    expect(spacedTicks(ticks, 20).map((t) => t.px)).toEqual([0, 25, 60]);
  });
});

describe('legend layout', () => {
  const items = ['a run', 'a much longer run name', 'train', 'validation'].map((label) => ({ label }));
  const measure = (s: string) => s.length * 7;

  it('wraps by the measured width, not the number of characters', () => {
    const placed = layoutLegend(items, 300, measure, 28, 18);
    expect(placed.map((p) => [p.x, p.row])).toEqual([
      [0, 0],
      [28 + 35 + 18, 0],
      [0, 1],
      [28 + 35 + 18, 1],
    ]);
    // the same labels in a wider face need more rows
    expect(Math.max(...layoutLegend(items, 300, (s) => s.length * 12, 28, 18).map((p) => p.row))).toBeGreaterThan(1);
  });

  it('gives an entry wider than the width a row of its own, and keeps every entry', () => {
    const placed = layoutLegend(items, 100, measure, 28, 18);
    expect(placed.map((p) => p.row)).toEqual([0, 1, 2, 3]);
    expect(placed.every((p) => p.x === 0)).toBe(true);
    expect(placed.map((p) => p.label)).toEqual(items.map((i) => i.label));
  });
});
