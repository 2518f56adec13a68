/**
 * Long work in bounded pieces (lib/playground/chunks: the heatmap draws a long text a chunk per frame)
 * and the running-loss chart's thinned lines (lib/playground/running-loss).
 */
import { scaleLinear } from 'd3';
import { describe, expect, it } from 'vitest';
import { inChunks, type Scheduler } from '../../src/lib/playground/chunks';
import { affine, thinToPixels } from '../../src/lib/playground/running-loss';

/** Frames by hand: `frame()` runs what was requested for the next frame. */
function manualFrames() {
  let queue: { handle: number; callback: () => void }[] = [];
  let next = 1;
  const scheduler: Scheduler = {
    request(callback) {
      queue.push({ handle: next, callback });
      return next++;
    },
    cancel(handle) {
      queue = queue.filter((q) => q.handle !== handle);
    },
  };
  const frame = () => {
    const now = queue;
    queue = [];
    for (const q of now) q.callback();
    return now.length;
  };
  return { scheduler, frame, pending: () => queue.length };
}

describe('inChunks', () => {
  it('does the first chunk at once, leaves the next frame to paint it, then one chunk per frame', () => {
    const { scheduler, frame } = manualFrames();
    const pieces: [number, number][] = [];
    let done = 0;
    inChunks(
      2_345,
      500,
      (a, b) => pieces.push([a, b]),
      scheduler,
      () => done++,
    );
    // the first chunk in the same call: nothing waits a frame to appear
    expect(pieces).toEqual([[0, 500]]);
    // the frame that paints it carries the work that started it: no chunk there
    expect(frame()).toBe(1);
    expect(pieces).toHaveLength(1);
    const perFrame: number[] = [];
    while (done === 0) {
      const before = pieces.length;
      expect(frame()).toBe(1);
      perFrame.push(pieces.length - before);
    }
    expect(perFrame.every((n) => n === 1)).toBe(true); // one chunk per frame, never two
    expect(pieces.every(([a, b]) => b - a >= 1 && b - a <= 500)).toBe(true);
    // the chunks cover every item once, in order
    expect(pieces.map(([a]) => a)).toEqual([0, 500, 1000, 1500, 2000]);
    expect(pieces.at(-1)![1]).toBe(2_345);
    expect(done).toBe(1);
    expect(frame()).toBe(0); // nothing left scheduled
  });

  it('finishes at once when everything fits in the first chunk (a short text), and on nothing', () => {
    const { scheduler, pending } = manualFrames();
    const pieces: [number, number][] = [];
    let done = 0;
    inChunks(
      120,
      500,
      (a, b) => pieces.push([a, b]),
      scheduler,
      () => done++,
    );
    expect(pieces).toEqual([[0, 120]]);
    expect(done).toBe(1);
    inChunks(
      0,
      500,
      (a, b) => pieces.push([a, b]),
      scheduler,
      () => done++,
    );
    expect(pieces).toHaveLength(1);
    expect(done).toBe(2);
    expect(pending()).toBe(0);
  });

  it('stops: no further chunks, no done, the frame request cancelled', () => {
    const { scheduler, frame, pending } = manualFrames();
    const pieces: [number, number][] = [];
    let done = 0;
    const stop = inChunks(
      2_000,
      300,
      (a, b) => pieces.push([a, b]),
      scheduler,
      () => done++,
    );
    frame();
    frame();
    expect(pieces).toEqual([
      [0, 300],
      [300, 600],
    ]);
    stop();
    expect(pending()).toBe(0);
    frame();
    expect(pieces).toHaveLength(2);
    expect(done).toBe(0);
  });

  it('draws a larger first piece when asked (what must be on screen at once), then pieces of the size', () => {
    const { scheduler, frame } = manualFrames();
    const pieces: [number, number][] = [];
    let done = 0;
    inChunks(
      1_000,
      150,
      (a, b) => pieces.push([a, b]),
      scheduler,
      () => done++,
      300,
    );
    expect(pieces).toEqual([[0, 300]]);
    while (done === 0) frame();
    expect(pieces.slice(1).map(([a, b]) => b - a)).toEqual([150, 150, 150, 150, 100]);
  });

  it('rejects a chunk size below one', () => {
    const { scheduler } = manualFrames();
    expect(() => inChunks(10, 0, () => {}, scheduler)).toThrow(/at least 1/);
    expect(() => inChunks(10, 5, () => {}, scheduler, undefined, 0)).toThrow(/at least 1/);
  });
});

describe('thinToPixels', () => {
  // a noisy series of 20,000 points across a 700-pixel chart
  const n = 20_000;
  let seed = 7;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const points = Array.from({ length: n }, (_, i) => ({ index: i, v: Math.sin(i / 300) * 5 + random() * 3 }));
  const x = affine(
    scaleLinear()
      .domain([0, n - 1])
      .range([42, 742]),
  );
  const y = (p: { v: number }) => 160 - 10 * p.v;
  const thin = thinToPixels(points, (p) => x(p.index), y);

  it('keeps at most four points per pixel column, in order, a subsequence of the line', () => {
    expect(thin.length).toBeLessThanOrEqual(4 * 701);
    expect(thin.length).toBeGreaterThan(700);
    for (let i = 1; i < thin.length; i++) expect(thin[i].index).toBeGreaterThan(thin[i - 1].index);
    const columns = new Map<number, number>();
    for (const p of thin) columns.set(Math.round(x(p.index)), (columns.get(Math.round(x(p.index))) ?? 0) + 1);
    expect(Math.max(...columns.values())).toBeLessThanOrEqual(4);
  });

  it('covers the same pixels: every column keeps its first, last, lowest and highest point', () => {
    const column = (p: { index: number }) => Math.round(x(p.index));
    const full = new Map<number, { v: number; index: number }[]>();
    for (const p of points) full.set(column(p), [...(full.get(column(p)) ?? []), p]);
    const kept = new Set(thin);
    for (const [, ps] of full) {
      const ys = ps.map(y);
      expect(kept.has(ps[0])).toBe(true);
      expect(kept.has(ps.at(-1)!)).toBe(true);
      expect(kept.has(ps[ys.indexOf(Math.min(...ys))])).toBe(true);
      expect(kept.has(ps[ys.indexOf(Math.max(...ys))])).toBe(true);
    }
  });

  it('keeps a short line whole', () => {
    const few = points.slice(0, 3).map((p, i) => ({ ...p, index: i * 100 }));
    expect(thinToPixels(few, (p) => p.index, y)).toEqual(few);
  });
});

describe('affine', () => {
  it('gives the d3 scale’s numbers', () => {
    const s = scaleLinear().domain([0, 24]).nice().range([160, 12]);
    const f = affine(s);
    for (const v of [0, 1.5, 7, 24, 30, -2]) expect(f(v)).toBeCloseTo(s(v), 10);
    const flat = scaleLinear().domain([0, 0]).range([10, 20]);
    expect(affine(flat)(0)).toBe(flat(0));
  });
});
