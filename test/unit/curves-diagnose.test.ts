/**
 * Diagnosis on curves with known answers: synthetic runs where each problem starts at a chosen step
 * (each finding must land within one evaluation interval of it, and a clean run must give nothing),
 * and the real overfit run this project trains (models/tiny-overfit/training_log.csv).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildRun,
  diagnose,
  emaDebiased,
  evaluationInterval,
  hingeFit,
  mergeRuns,
  noiseSigma,
  parseLog,
  rollingMedian,
  type Finding,
  type Run,
} from '../../src/lib/curves';

/** A seeded normal generator (LCG + Box-Muller), so every run of the suite sees the same noise. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

interface Synth {
  steps?: number;
  trainEvery?: number;
  evalEvery?: number;
  train: (t: number) => number;
  val?: ((t: number) => number) | null;
  trainNoise?: number;
  valNoise?: number;
  seed?: number;
}

/** A run logged the usual way: train loss every `trainEvery` steps (one batch: noisy), validation every `evalEvery` (many batches: quiet). */
function synth(o: Synth): Run {
  const { steps = 5000, trainEvery = 10, evalEvery = 250, trainNoise = 0.03, valNoise = 0.004, seed = 1 } = o;
  const g = gaussian(seed);
  const tx: number[] = [];
  const ty: number[] = [];
  for (let t = 0; t <= steps; t += trainEvery) {
    tx.push(t);
    ty.push(o.train(t) + trainNoise * g());
  }
  const vx: number[] = [];
  const vy: number[] = [];
  if (o.val !== null) {
    const val = o.val ?? ((t: number) => o.train(t) + 0.03);
    for (let t = 0; t <= steps; t += evalEvery) {
      vx.push(t);
      vy.push(val(t) + valNoise * g());
    }
  }
  return {
    id: 'synthetic',
    name: 'synthetic',
    sources: [],
    format: 'csv',
    xLabel: 'step',
    train: { steps: Float64Array.from(tx), values: Float64Array.from(ty) },
    val: vx.length ? { steps: Float64Array.from(vx), values: Float64Array.from(vy) } : null,
    lr: null,
    tokens: null,
    notes: [],
  };
}

/** A decelerating curve like a language model's: from 6 nats towards 2. */
const clean = (t: number) => 2 + 4 * Math.pow(1 + t / 200, -0.6);

const show = (fs: Finding[]) => fs.map((f) => `${f.kind}@${f.step}`).join(', ') || '(none)';

/** Exactly the expected kinds (cadence aside, unless asked), each within one evaluation interval of its truth. */
function expectFindings(
  run: Run,
  want: { kind: Finding['kind']; step: number }[],
  options: { withCadence?: boolean } = {},
) {
  const found = diagnose(run).filter((f) => options.withCadence || f.kind !== 'cadence');
  const interval = evaluationInterval(run);
  expect(found.map((f) => f.kind).sort(), show(found)).toEqual(want.map((w) => w.kind).sort());
  for (const w of want) {
    const f = found.find((x) => x.kind === w.kind)!;
    expect(
      Math.abs(f.step - w.step),
      `${w.kind} at ${f.step}, truth ${w.step}, interval ${interval}`,
    ).toBeLessThanOrEqual(interval);
    expect(f.title.length).toBeGreaterThan(10);
    expect(f.detail.length).toBeGreaterThan(40);
  }
}

describe('diagnosis on synthetic runs with known answers', () => {
  it('a clean run gives no finding at all (five noise seeds)', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const found = diagnose(synth({ train: clean, seed }));
      expect(found, `seed ${seed}: ${show(found)}`).toEqual([]);
    }
  });

  it('clean runs give no warning over many noise seeds and shapes (noisy, few evaluations, epoch axis, warm-up and cosine logged)', () => {
    const cosineLr = (t: number, T: number) => 6e-4 * Math.min(1, t / 250) * 0.5 * (1 + Math.cos((Math.PI * t) / T));
    for (let seed = 1; seed <= 30; seed++) {
      const shapes: [string, Run][] = [
        ['clean', synth({ train: clean, seed })],
        ['noisy train', synth({ train: clean, trainNoise: 0.12, valNoise: 0.01, seed })],
        ['six evaluations', synth({ train: clean, evalEvery: 1000, seed })],
        [
          'epoch axis',
          {
            ...synth({
              steps: 60,
              trainEvery: 1,
              evalEvery: 1,
              train: (e) => clean(e * 80),
              trainNoise: 0.004,
              valNoise: 0.004,
              seed,
            }),
            xLabel: 'epoch',
          },
        ],
      ];
      const withLr = synth({ steps: 20000, trainEvery: 20, evalEvery: 500, train: (t) => clean(t / 4), seed });
      shapes.push([
        'cosine lr logged',
        { ...withLr, lr: { steps: withLr.train!.steps, values: withLr.train!.steps.map((t) => cosineLr(t, 20000)) } },
      ]);
      for (const [name, run] of shapes) {
        const warnings = diagnose(run).filter((f) => f.severity === 'warning');
        expect(warnings, `${name}, seed ${seed}: ${show(warnings)}`).toEqual([]);
      }
      const none = diagnose(shapes[0][1]);
      expect(none, `seed ${seed}: ${show(none)}`).toEqual([]);
    }
  });

  it('a clean run evaluated on a different schedule and logged more sparsely still gives none', () => {
    const found = diagnose(
      synth({ steps: 20000, trainEvery: 50, evalEvery: 1000, train: (t) => clean(t / 4), seed: 7 }),
    );
    expect(found, show(found)).toEqual([]);
  });

  it('overfitting: validation bottoms out at step 2500 and rises while training keeps falling', () => {
    const T = 2500;
    const val = (t: number) => (t <= T ? 0.4 + clean(t) : 0.4 + clean(T) + 2e-4 * (t - T));
    expectFindings(synth({ train: clean, val }), [
      { kind: 'overfitting', step: T },
      // the gap also widens from the turn: reported as its own finding
      { kind: 'gap', step: T },
    ]);
  });

  it('a widening generalisation gap from step 2000, with validation still improving, is not overfitting', () => {
    const val = (t: number) => clean(t) + 0.02 + 4e-5 * Math.max(0, t - 2000);
    expectFindings(synth({ train: clean, val }), [{ kind: 'gap', step: 2000 }]);
  });

  it('leakage: validation drops clearly below training from step 800 (a growing difference: a warning)', () => {
    const val = (t: number) => clean(t) - Math.min(0.3, 4e-4 * Math.max(0, t - 800));
    expectFindings(synth({ train: clean, val }), [{ kind: 'leakage', step: 800 }]);
    const [f] = diagnose(synth({ train: clean, val }));
    expect(f.severity).toBe('warning');
    expect(f.detail).toMatch(/grows by 0\.\d+ nats/);
    expect(f.detail).toMatch(/dropout/);
  });

  it('a steady 0.15 nats below training from the first evaluation is dropout (info), over many seeds', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const found = diagnose(synth({ train: clean, val: (t) => clean(t) - 0.15, seed }));
      expect(
        found.map((f) => `${f.kind}/${f.severity}`),
        `seed ${seed}: ${show(found)}`,
      ).toEqual(['leakage/info']);
      expect(found[0].detail).toMatch(/dropout/);
      expect(found[0].title).toMatch(/0\.1[45]\d nats below/);
    }
  });

  it('validation far below training from the start (20% of the loss) is more than dropout explains: a warning', () => {
    const found = diagnose(synth({ train: (t) => clean(t) + 0.5, val: (t) => clean(t) }));
    expect(
      found.map((f) => `${f.kind}/${f.severity}`),
      show(found),
    ).toEqual(['leakage/warning']);
    expect(found[0].detail).toMatch(/few percent/);
  });

  it('a training loss 16 times the validation loss (summed over accumulation steps) is "not on the same scale", not leakage', () => {
    const found = diagnose(synth({ train: (t) => 16 * clean(t), trainNoise: 0.3, val: clean }));
    expect(
      found.map((f) => `${f.kind}/${f.severity}`),
      show(found),
    ).toEqual(['scale/warning']);
    expect(found[0].title).toMatch(/1[56]\.\d+×/);
    expect(found[0].detail).toMatch(/gradient-accumulation/);
    expect(found[0].detail).toMatch(/per token/);
    // the observed numbers at the last evaluation
    expect(found[0].detail).toMatch(/at step 5,000: training \d+\.\d+, validation 2\.5\d\d nats/);
  });

  it('overfitting from four consistent evaluations: a 1.6% rise, each above the last, while training falls (twenty seeds)', () => {
    const T = 3000;
    const val = (t: number) =>
      t <= T ? 0.485 + 0.3 * Math.exp(-t / 600) - 0.3 * Math.exp(-T / 600) : 0.485 + 0.002 * ((t - T) / 500);
    for (let seed = 1; seed <= 20; seed++) {
      const run = synth({ steps: 5000, evalEvery: 500, train: (t) => 0.6 - 0.3 * (t / 5000), valNoise: 0.0005, seed });
      const withVal = {
        ...run,
        val: synth({ steps: 5000, evalEvery: 500, train: val, trainEvery: 500, trainNoise: 0.0005, val: null, seed })
          .train,
      };
      const found = diagnose(withVal).filter((f) => f.kind === 'overfitting');
      expect(found.length, `seed ${seed}: ${show(diagnose(withVal))}`).toBe(1);
      expect(Math.abs(found[0].step - T)).toBeLessThanOrEqual(500);
      expect(found[0].detail).toMatch(/evaluations after it/);
    }
  });

  it('a converged run: validation flat within its noise while training still creeps down is not overfitting (many seeds)', () => {
    for (let seed = 1; seed <= 100; seed++) {
      for (const evalEvery of [250, 500, 1000]) {
        const run = synth({
          train: (t) => 2.2 - 0.05 * (t / 5000),
          val: () => 2.3,
          trainNoise: 0.03,
          valNoise: 0.004,
          evalEvery,
          seed,
        });
        const found = diagnose(run).filter(
          (f) => f.kind === 'overfitting' || f.kind === 'leakage' || f.kind === 'scale',
        );
        expect(found, `seed ${seed}, every ${evalEvery}: ${show(found)}`).toEqual([]);
      }
    }
  });

  it('overfitting from nine evaluations on an epoch axis: 1.357 at epoch 4, up to 1.654 by epoch 9, said in epochs', () => {
    const vy = [2.0, 1.6, 1.45, 1.357, 1.41, 1.47, 1.53, 1.6, 1.654];
    const epochs = vy.map((_, i) => i + 1);
    const tx = Array.from({ length: 90 }, (_, i) => 0.1 * (i + 1));
    const g = gaussian(5);
    const run: Run = {
      ...synth({ train: clean }),
      xLabel: 'epoch',
      train: {
        steps: Float64Array.from(tx),
        values: Float64Array.from(tx.map((e) => 2.2 * Math.exp(-e / 4) + 0.3 + 0.02 * g())),
      },
      val: { steps: Float64Array.from(epochs), values: Float64Array.from(vy) },
    };
    const found = diagnose(run);
    const over = found.filter((f) => f.kind === 'overfitting');
    expect(over.length, show(found)).toBe(1);
    expect(over[0].step).toBe(4);
    expect(over[0].title).toMatch(/from epoch 4/);
    expect(over[0].detail).toMatch(/1\.357/);
    expect(over[0].detail).toMatch(/1\.654 at epoch 9/);
    for (const f of found) {
      expect(`${f.title} ${f.detail}`).toMatch(/\bepochs?\b/);
      expect(`${f.title} ${f.detail}`).not.toMatch(/\bsteps?\b/);
    }
  });

  it("the gap states observed values: the last evaluation's gap, not a fitted line's end", () => {
    const val = (t: number) => clean(t) + 0.02 + 4e-5 * Math.max(0, t - 2000);
    const run = synth({ train: clean, val });
    const [gap] = diagnose(run).filter((f) => f.kind === 'gap');
    const m = /and (-?[\d.]+) at step 5,000 \(validation ([\d.]+), training ([\d.]+)\)/.exec(gap.detail);
    expect(m, gap.detail).not.toBeNull();
    const lastVal = run.val!.values.at(-1)!;
    expect(Number(m![2])).toBeCloseTo(lastVal, 3);
    // the training level there is the local mean of the logged points (within half an evaluation interval)
    const near = Array.from(run.train!.steps)
      .map((s, i) => [s, run.train!.values[i]])
      .filter(([s]) => s >= 5000 - 125);
    const localMean = near.reduce((a, [, v]) => a + v, 0) / near.length;
    expect(Math.abs(Number(m![3]) - localMean)).toBeLessThan(0.03);
    expect(Number(m![1])).toBeCloseTo(Number(m![2]) - Number(m![3]), 2);
  });

  it('a loss spike at step 3000 (against the local trend), and only there', () => {
    const train = (t: number) => clean(t) + (t === 3000 ? 0.9 : t === 3010 ? 0.3 : 0);
    expectFindings(synth({ train }), [{ kind: 'spike', step: 3000 }]);
  });

  it('a plateau from step 1500 to 2500, then the loss falls again', () => {
    const train = (t: number) =>
      t < 1500 ? 3 + (3 * (1500 - t)) / 1500 : t < 2500 ? 3 : 3 - 0.8 * (1 - Math.exp(-(t - 2500) / 800));
    expectFindings(synth({ train }), [{ kind: 'plateau', step: 1500 }]);
  });

  it('a stall: flat from 10% of the run to the end, with spikes that must not hide it', () => {
    const train = (t: number) => (t < 500 ? 6 - 4 * (t / 500) : 2) + (t >= 500 && t % 370 === 0 ? 1.5 : 0);
    const found = diagnose(synth({ train, val: null, trainNoise: 0.02 }));
    const stall = found.filter((f) => f.kind === 'plateau');
    expect(stall.length, show(found)).toBe(1);
    expect(stall[0].severity).toBe('warning');
    expect(stall[0].title).toMatch(/stalls from step/);
    expect(Math.abs(stall[0].step - 500)).toBeLessThanOrEqual(250);
  });

  it('the constant-learning-rate phase before a warm-down is not a plateau, with or without the rate logged', () => {
    // warm-up-stable-decay: constant rate, then a linear decay to 0 over the last 20%; the loss falls
    // faster as the rate decays (the anneal), after a slow stretch at the constant rate
    const T = 10_000;
    const rate = (t: number) => Math.min(1, t / 200) * (t < 0.8 * T ? 1 : (T - t) / (0.2 * T));
    const loss = (t: number) =>
      3.2 + 4 * Math.pow(1 + t / 300, -0.8) - 0.25 * (t < 0.8 * T ? 0 : (t - 0.8 * T) / (0.2 * T));
    for (let seed = 1; seed <= 10; seed++) {
      const run = synth({ steps: T, trainEvery: 10, evalEvery: 250, train: loss, val: (t) => loss(t) + 0.02, seed });
      const lr = { steps: run.train!.steps, values: run.train!.steps.map((t) => 6e-4 * rate(t)) };
      for (const r of [run, { ...run, lr }]) {
        const found = diagnose(r);
        expect(
          found.filter((f) => f.kind === 'plateau'),
          `seed ${seed}, lr ${r.lr ? 'logged' : 'not logged'}: ${show(found)}`,
        ).toEqual([]);
        expect(
          found.filter((f) => f.severity === 'warning'),
          show(found),
        ).toEqual([]);
      }
    }
  });

  it('a flat end where the logged learning rate has decayed to nothing is the schedule finishing, not a stall', () => {
    const T = 5000;
    const lrAt = (t: number) => 5e-5 * 0.5 * (1 + Math.cos((Math.PI * t) / T));
    // the loss stops improving once the rate is small: it follows the rate's integral
    const integral = (t: number) => 0.5 * (t + (T / Math.PI) * Math.sin((Math.PI * t) / T));
    const train = (t: number) => 1.35 + 0.4 * Math.exp(-integral(t) / 700);
    const run = synth({ steps: T, train, val: null, trainNoise: 0.01 });
    const withLr = { ...run, lr: { steps: run.train!.steps, values: run.train!.steps.map(lrAt) } };
    expect(
      diagnose(withLr).filter((f) => f.kind === 'plateau'),
      show(diagnose(withLr)),
    ).toEqual([]);
  });

  it('a loss that never moves', () => {
    expectFindings(synth({ train: () => 10.4, val: () => 10.41 }), [{ kind: 'plateau', step: 0 }]);
  });

  it('divergence from step 3000: the loss climbs and stays up', () => {
    const train = (t: number) => clean(t) + 1e-3 * Math.max(0, t - 3000);
    expectFindings(synth({ train, val: (t) => train(t) + 0.03 }), [{ kind: 'divergence', step: 3000 }]);
  });

  it('NaN from step 4000 on both curves', () => {
    const train = (t: number) => (t >= 4000 ? NaN : clean(t));
    const found = diagnose(synth({ train, val: (t) => train(t) + 0.03 }));
    expect(found.map((f) => `${f.kind}:${f.series}@${f.step}`)).toEqual(['nan:train@4000', 'nan:val@4000']);
  });

  it('Inf is reported as such', () => {
    const found = diagnose(synth({ train: (t) => (t === 1230 ? Infinity : clean(t)) }));
    expect(found.map((f) => f.kind)).toEqual(['nan']);
    expect(found[0].title).toMatch(/infinite at step 1,230/);
  });

  it('evaluation cadence: too sparse, too dense, and none at all', () => {
    expectFindings(synth({ train: clean, evalEvery: 1000 }), [{ kind: 'cadence', step: 1000 }], { withCadence: true });
    const dense = synth({ steps: 30000, trainEvery: 10, evalEvery: 10, train: (t) => clean(t / 6), valNoise: 0.004 });
    expect(diagnose(dense).map((f) => f.kind)).toEqual(['cadence']);
    expect(diagnose(dense)[0].title).toMatch(/Evaluated 3,001 times, every 10 steps/);
    // eleven evaluations, every 10,000 steps: enough points, but far from the usual 500 to 1,000
    const far = diagnose(synth({ steps: 100_000, trainEvery: 100, evalEvery: 10_000, train: (t) => clean(t / 20) }));
    expect(far.map((f) => f.kind)).toEqual(['cadence']);
    expect(far[0].detail).toMatch(/every 10,000 steps/);
    const none = diagnose(synth({ train: clean, val: null }));
    expect(none.map((f) => f.kind)).toEqual(['cadence']);
    expect(none[0].title).toBe('No validation loss in this log');
  });

  it('findings come in step order and carry the run id', () => {
    const T = 2500;
    const run = synth({
      train: (t) => clean(t) + (t === 1000 ? 1 : 0),
      val: (t) => (t <= T ? 0.4 + clean(t) : 0.4 + clean(T) + 2e-4 * (t - T)),
    });
    const found = diagnose(run);
    expect(found.map((f) => f.step)).toEqual([...found.map((f) => f.step)].sort((a, b) => a - b));
    expect(new Set(found.map((f) => f.run))).toEqual(new Set(['synthetic']));
  });
});

describe('diagnosis on logs in real layouts', () => {
  const dir = path.join(import.meta.dirname, '..', 'fixtures', 'logs');
  it('the clean W&B run gives nothing; the crashed one diverges', () => {
    const files = ['wandb_export_2024-03-14T10_22_31.123+01_00.csv', 'wandb_export_2024-03-14T10_25_02.845+01_00.csv'];
    const runs = mergeRuns(
      files.flatMap((f) => parseLog(f, fs.readFileSync(path.join(dir, f), 'utf8')).map((t) => buildRun(t))),
    );
    expect(diagnose(runs[0])).toEqual([]);
    expect(diagnose(runs[1]).map((f) => f.kind)).toEqual(['divergence']);
  });
});

// the deliberately overfit run this project trains (training/README.md); a training job may rewrite it,
// so the truth is computed from the file as it is
const OVERFIT_LOG = path.join(import.meta.dirname, '..', '..', 'models', 'tiny-overfit', 'training_log.csv');
const overfit = (() => {
  try {
    return buildRun(parseLog('training_log.csv', fs.readFileSync(OVERFIT_LOG, 'utf8'))[0]);
  } catch {
    return null; // missing, or being rewritten by a training job right now
  }
})();
const valMin = (() => {
  if (!overfit?.val) return null;
  const v = overfit.val.values;
  let k = 0;
  for (let i = 1; i < v.length; i++) if (v[i] < v[k]) k = i;
  // "turned up": the minimum is not among the last two evaluations and the end is clearly above it
  const turned = k < v.length - 2 && v[v.length - 1] - v[k] > 0.01;
  return { step: overfit.val.steps[k], turned };
})();

describe('the overfit run (models/tiny-overfit/training_log.csv)', () => {
  it.skipIf(!valMin?.turned)('an overfitting finding at the validation minimum, within one evaluation interval', () => {
    const found = diagnose(overfit!).filter((f) => f.kind === 'overfitting');
    expect(found.length, show(diagnose(overfit!))).toBe(1);
    expect(Math.abs(found[0].step - valMin!.step)).toBeLessThanOrEqual(evaluationInterval(overfit!));
  });
});

describe('numeric helpers', () => {
  it('de-biased EMA: starts at the data, matches TensorBoard on a hand-computed case, passes NaN through', () => {
    const s = emaDebiased([1, 2, NaN, 3], 0.5);
    // TensorBoard: last = 0.5 * last + 0.5 * v; smoothed = last / (1 - 0.5^k)
    expect(s[0]).toBeCloseTo(1, 12);
    // k = 2: last = 0.5 * 0.5 + 0.5 * 2 = 1.25, over 1 - 0.25
    expect(s[1]).toBeCloseTo(1.25 / 0.75, 12);
    expect(s[2]).toBeNaN();
    expect(s[3]).toBeCloseTo((0.5 * 1.25 + 0.5 * 3) / 0.875, 12);
    expect(Array.from(emaDebiased([4, 4, 4], 0.99))).toEqual([4, 4, 4].map((v) => expect.closeTo(v, 12)));
    expect(Array.from(emaDebiased([1, 5, 2], 0))).toEqual([1, 5, 2]);
  });

  it('rolling median matches the naive one', () => {
    const g = gaussian(3);
    const y = Array.from({ length: 200 }, () => g());
    for (const h of [1, 3, 10]) {
      const fast = rollingMedian(y, h);
      for (let i = 0; i < y.length; i++) {
        const w = y.slice(Math.max(0, i - h), Math.min(y.length, i + h + 1)).sort((a, b) => a - b);
        const m = w.length % 2 ? w[w.length >> 1] : (w[w.length / 2 - 1] + w[w.length / 2]) / 2;
        expect(fast[i]).toBeCloseTo(m, 12);
      }
    }
  });

  it('noise sigma recovers white noise on a trend within 10% (n = 5000)', () => {
    const g = gaussian(9);
    const y = Array.from({ length: 5000 }, (_, i) => clean(i) + 0.05 * g());
    expect(noiseSigma(y)).toBeGreaterThan(0.045);
    expect(noiseSigma(y)).toBeLessThan(0.055);
  });

  it('hinge fit finds the break of a level-then-ramp exactly', () => {
    const x = Array.from({ length: 50 }, (_, i) => i * 100);
    const y = x.map((v) => 1 + 0.001 * Math.max(0, v - 2300));
    const fit = hingeFit(x, y)!;
    expect(fit.t0).toBe(2300);
    expect(fit.b).toBeCloseTo(0.001, 9);
    expect(fit.r2).toBeCloseTo(1, 9);
  });
});
