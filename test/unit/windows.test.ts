import { describe, expect, it } from 'vitest';
import { countWindows, defaultStride, planWindows, validateStride } from '../../src/lib/scoring/windows';

describe('planWindows', () => {
  it('follows DESIGN.md on a small example', () => {
    expect(planWindows(10, 4, 2)).toEqual([
      { start: 0, end: 4, from: 0 },
      { start: 2, end: 6, from: 1 },
      { start: 4, end: 8, from: 1 },
      { start: 6, end: 10, from: 1 },
    ]);
  });

  const nCtx = 64;
  const N = 4 * nCtx + 37; // longer than four contexts, not a multiple of anything
  it.each([1, 7, 16, 32, 48, 63])('stride %i: every position 1..N-1 scored once, with enough context', (stride) => {
    const windows = planWindows(N, nCtx, stride);
    expect(windows).toHaveLength(countWindows(N, nCtx, stride));
    const timesScored = new Array(N).fill(0);
    windows.forEach(({ start, end, from }, w) => {
      expect(start).toBe(w * stride);
      expect(end).toBe(Math.min(w * stride + nCtx, N));
      for (let row = from; row <= end - start - 2; row++) {
        const p = start + row + 1; // row r predicts position start + r + 1
        timesScored[p]++;
        // the first window whose end is past p
        expect(windows.findIndex((x) => x.end > p)).toBe(w);
        if (w > 0) expect(p - start, `context of position ${p}`).toBeGreaterThanOrEqual(nCtx - stride);
      }
    });
    expect(timesScored[0]).toBe(0);
    expect(timesScored.slice(1).every((n) => n === 1)).toBe(true);
    expect(windows.at(-1)!.end).toBe(N);
  });

  it('stops once every position is scored', () => {
    // with N = nCtx + 1 and a small stride, the second window already reaches the end
    expect(planWindows(65, 64, 8)).toHaveLength(2);
    expect(planWindows(64, 64, 8)).toHaveLength(1);
  });

  it('has nothing to do for fewer than two tokens', () => {
    expect(planWindows(0, 64)).toEqual([]);
    expect(planWindows(1, 64)).toEqual([]);
    expect(planWindows(2, 64)).toEqual([{ start: 0, end: 2, from: 0 }]);
  });

  it('defaults to half a context', () => {
    expect(defaultStride(256)).toBe(128);
    expect(defaultStride(5)).toBe(2);
    expect(planWindows(300, 256)[1]).toEqual({ start: 128, end: 300, from: 127 });
  });

  it.each([0, -1, 64, 65, 1.5, Number.NaN])('rejects stride %s, naming the range', (stride) => {
    expect(() => planWindows(100, 64, stride)).toThrow(/stride must be an integer in \[1, 63\]/);
    expect(() => validateStride(stride, 64)).toThrow(RangeError);
  });

  it('rejects a context too short to predict anything', () => {
    expect(() => validateStride(1, 1)).toThrow(/context length/);
  });
});
