/**
 * The chart's numbers on deterministic data: the perplexity axis reads true against the loss axis in
 * nats and in bits, log axes, and downsampling that keeps every spike.
 */
import { describe, expect, it } from 'vitest';
import { chartModel, markerPosition, type ChartOptions } from '../../src/lib/curves/chart-model';
import { minMaxPerColumn, weightForLength } from '../../src/lib/curves';
import type { Run } from '../../src/lib/curves';

function run(n: number, spikeAt = -1): Run {
  const steps = Float64Array.from({ length: n }, (_, i) => i * 10);
  const values = Float64Array.from(
    { length: n },
    (_, i) => 2 + 4 / (1 + i / 50) + (i === spikeAt ? 3 : 0) + 0.01 * Math.sin(i),
  );
  return {
    id: 'r',
    name: 'r',
    sources: [],
    format: 'csv',
    xLabel: 'step',
    train: { steps, values },
    val: null,
    lr: null,
    tokens: null,
    notes: [],
  };
}

const base: ChartOptions = {
  unit: 'nats',
  logX: false,
  logY: false,
  smoothing: 0.6,
  xDomain: null,
  width: 900,
  height: 400,
};

describe('chart model', () => {
  for (const unit of ['nats', 'bits'] as const) {
    it(`perplexity ticks sit where the loss axis reads log(ppl) (${unit})`, () => {
      const m = chartModel([{ run: run(500), colour: '#000' }], { ...base, unit });
      expect(m.pplTicks.length).toBeGreaterThanOrEqual(3);
      for (const t of m.pplTicks) {
        const loss = unit === 'bits' ? Math.log2(t.value) : Math.log(t.value);
        // pixel positions agree to 1e-9 px: the same scale, only the label differs
        expect(Math.abs(m.y(loss) - t.px)).toBeLessThan(1e-9);
      }
    });
  }

  it('log axes: ticks at 1-2-5 steps, step 0 left out and counted', () => {
    const m = chartModel([{ run: run(500), colour: '#000' }], { ...base, logX: true, logY: true });
    expect(m.hiddenByLogX).toBe(1);
    for (const t of m.xTicks)
      expect([1, 2, 5]).toContain(Math.round(t.value / 10 ** Math.floor(Math.log10(t.value) + 1e-9)));
    expect(m.series[0].smooth.startsWith('M')).toBe(true);
  });

  it('zoom narrows x and refits y to what is in view', () => {
    const full = chartModel([{ run: run(500), colour: '#000' }], base);
    const zoomed = chartModel([{ run: run(500), colour: '#000' }], { ...base, xDomain: [3000, 4000] });
    expect(zoomed.x.domain()).toEqual([3000, 4000]);
    expect(zoomed.y.domain()[1]).toBeLessThan(full.y.domain()[1]);
  });

  it('markers sit on their curve, or at the top edge when the value is unknown', () => {
    const m = chartModel([{ run: run(500), colour: '#000' }], base);
    const on = markerPosition(
      { kind: 'spike', run: 'r', series: 'train', step: 1000, value: 3, severity: 'info', title: '', detail: '' },
      m,
      'nats',
    )!;
    expect(on.onCurve).toBe(true);
    expect(on.y).toBeCloseTo(m.y(3), 9);
    const top = markerPosition(
      { kind: 'nan', run: 'r', series: 'train', step: 1000, value: null, severity: 'warning', title: '', detail: '' },
      m,
      'nats',
    )!;
    expect(top).toEqual({ x: m.x(1000), y: 0, onCurve: false });
    expect(
      markerPosition(
        { kind: 'nan', run: 'r', series: 'train', step: 1e9, value: null, severity: 'warning', title: '', detail: '' },
        m,
        'nats',
      ),
    ).toBeNull();
  });
});

describe('smoothing weight per series length', () => {
  it('means the same share of the run at any density', () => {
    expect(weightForLength(0.6, 1000)).toBeCloseTo(0.6, 12);
    expect(weightForLength(0.6, 25)).toBeLessThan(1e-8); // an evaluation-only log is drawn as it is
    expect(weightForLength(0, 1e6)).toBe(0);
    // the EMA's time constant, in points, scales with the length: 1 / (1 - w) ~ n / 1000 * 1 / ln(1 / 0.6)
    const w = weightForLength(0.6, 1_000_000);
    expect(1 / (1 - w)).toBeCloseTo(1000 / Math.log(1 / 0.6), -1);
  });
});

describe('min/max-per-column downsampling', () => {
  it('a million points become at most two per column, and a one-point spike survives', () => {
    const r = run(1_000_000, 654_321);
    const { steps, values } = r.train!;
    const width = 800;
    const scale = width / steps[steps.length - 1];
    const kept = minMaxPerColumn(steps, values, (x) => Math.floor(x * scale), width);
    expect(kept.length).toBeLessThanOrEqual(2 * width + 2);
    expect(Array.from(kept)).toContain(654_321);
    for (let i = 1; i < kept.length; i++) expect(kept[i]).toBeGreaterThan(kept[i - 1]);
    // the global min and max are kept
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < values.length; i++) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    expect(Array.from(kept)).toEqual(expect.arrayContaining([lo, hi]));
  });

  it('keeps one point on each side outside the view so lines reach the edges, and skips NaN', () => {
    const xs = [0, 1, 2, 3, 4, 5, 6];
    const ys = [1, 2, NaN, 4, 5, 6, 7];
    const kept = minMaxPerColumn(xs, ys, (x) => (x - 2) * 10, 30); // view covers x in [2, 5)
    expect(Array.from(kept)).toEqual([1, 3, 4, 5]);
  });
});

describe('long series (two million points) are drawn from a decimated copy', () => {
  it('keeps the y range, a one-point spike and a NaN, and few path points', async () => {
    const { chartModel } = await import('../../src/lib/curves/chart-model');
    const { LOD_MIN } = await import('../../src/lib/curves/lod');
    const n = LOD_MIN * 10;
    const steps = new Float64Array(n).map((_, i) => i);
    const values = steps.map((i) => 3 + Math.exp(-i / 3e5) + 0.01 * Math.sin(i));
    values[1_234_567] = 9.5; // one spike
    values[777_777] = NaN;
    const run = {
      id: 'big',
      name: 'big',
      sources: [],
      format: 'csv' as const,
      xLabel: 'step' as const,
      train: { steps, values },
      val: null,
      lr: null,
      tokens: null,
      notes: [],
    };
    const m = chartModel([{ run, colour: 'red' }], {
      unit: 'nats',
      logX: false,
      logY: false,
      smoothing: 0,
      xDomain: null,
      width: 1000,
      height: 400,
    });
    expect(m.y.domain()[1]).toBeGreaterThanOrEqual(9.5);
    expect(m.y.domain()[0]).toBeLessThanOrEqual(3.0 - 0.005);
    expect(m.series[0].broken.map((b) => b.label)).toEqual(['NaN']);
    const points = m.series[0].smooth.split(/[ML]/).length;
    expect(points).toBeLessThan(5000);
    // zoomed around the spike, the full points are used: the spike's own step is drawn
    const z = chartModel([{ run, colour: 'red' }], {
      unit: 'nats',
      logX: false,
      logY: false,
      smoothing: 0,
      xDomain: [1_234_500, 1_234_600],
      width: 1000,
      height: 400,
    });
    expect(z.y.domain()[1]).toBeGreaterThanOrEqual(9.5);
  });
});
