/**
 * What a run's curves show, and where: overfitting, a widening generalisation gap, validation below
 * training (dropout's steady offset, or more than dropout explains), train and validation losses not on
 * the same scale, loss spikes, plateaus and stalls (told apart from a learning-rate schedule),
 * divergence, NaN/Inf and the evaluation cadence. Each detector is a plain function over sorted
 * (step, loss) arrays with its thresholds named next to it; every threshold is relative to the curve's
 * own noise (a robust estimate from second differences) or to how far the loss came down, so the same
 * rules hold for a byte-level toy and a large run. Every finding states what was observed (logged
 * values, never a fitted line's end), the noise it was judged against, and the run's x unit; its
 * severity says whether the run has a problem ('warning') or the curves show something to know ('info').
 */
import { formatInteger, formatPercent } from '../format';
import { formatStep } from '../format';
import { median as d3Median } from 'd3-array';
import { lowerBound } from './smoothing';
import type { Finding, Run, Series } from './types';

// ---------------------------------------------------------------------------------------------------
// numeric helpers

/** Finite points only. */
export function finitePart(s: Series): { x: Float64Array; y: Float64Array } {
  let k = 0;
  for (let i = 0; i < s.values.length; i++) if (Number.isFinite(s.values[i])) k++;
  if (k === s.values.length) return { x: s.steps, y: s.values };
  const x = new Float64Array(k);
  const y = new Float64Array(k);
  k = 0;
  for (let i = 0; i < s.values.length; i++) {
    if (Number.isFinite(s.values[i])) {
      x[k] = s.steps[i];
      y[k++] = s.values[i];
    }
  }
  return { x, y };
}

/** The median (d3-array's, by selection rather than a sort), NaN for no values. */
export function median(values: Iterable<number>): number {
  return d3Median(values) ?? NaN;
}

const mean = (a: ArrayLike<number>, from = 0, to = a.length) => {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i];
  return s / Math.max(1, to - from);
};

/**
 * The standard deviation of a curve's noise, robustly: second differences (y[i-1] - 2y[i] + y[i+1])
 * cancel any locally straight trend and have variance 6 sigma^2 for white noise; the MAD (x1.4826)
 * ignores spikes.
 */
export function noiseSigma(y: ArrayLike<number>): number {
  if (y.length < 3) return 0;
  const d = new Float64Array(y.length - 2);
  for (let i = 1; i < y.length - 1; i++) d[i - 1] = Math.abs(y[i - 1] - 2 * y[i] + y[i + 1]) / Math.sqrt(6);
  return 1.4826 * median(d);
}

/** Running median over [i-h, i+h] (shorter at the ends): O(n h) with one sorted window, no per-point sort. */
export function rollingMedian(y: ArrayLike<number>, h: number): Float64Array {
  const n = y.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const win = new Float64Array(2 * h + 1);
  let size = 0;
  const insert = (v: number) => {
    let i = size++;
    while (i > 0 && win[i - 1] > v) {
      win[i] = win[i - 1];
      i--;
    }
    win[i] = v;
  };
  const remove = (v: number) => {
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (win[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    win.copyWithin(lo, lo + 1, size);
    size--;
  };
  for (let i = 0; i <= Math.min(h, n - 1); i++) insert(y[i]);
  for (let i = 0; i < n; i++) {
    const m = size >> 1;
    out[i] = size % 2 ? win[m] : (win[m - 1] + win[m]) / 2;
    const add = i + h + 1;
    const drop = i - h;
    if (drop >= 0) remove(y[drop]);
    if (add < n) insert(y[add]);
  }
  return out;
}

/**
 * Least-squares fit of y = a + b * max(0, x - t0) over every candidate break t0 = x[j] (j up to
 * n - 3): a level, then a straight rise or fall from t0. Prefix sums make it O(n). x is rescaled to
 * [0, 1] so the sums stay exact enough for steps in the millions.
 */
export function hingeFit(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): { t0: number; index: number; a: number; b: number; r2: number } | null {
  const n = x.length;
  if (n < 4) return null;
  const x0 = x[0];
  const span = x[n - 1] - x0 || 1;
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) u[i] = (x[i] - x0) / span;
  // suffix sums over i >= j
  const Sx = new Float64Array(n + 1);
  const Sxx = new Float64Array(n + 1);
  const Sy = new Float64Array(n + 1);
  const Sxy = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) {
    Sx[i] = Sx[i + 1] + u[i];
    Sxx[i] = Sxx[i + 1] + u[i] * u[i];
    Sy[i] = Sy[i + 1] + y[i];
    Sxy[i] = Sxy[i + 1] + u[i] * y[i];
  }
  const sumY = Sy[0];
  let sumYY = 0;
  for (let i = 0; i < n; i++) sumYY += y[i] * y[i];
  const sst = sumYY - (sumY * sumY) / n;
  let best: { t0: number; index: number; a: number; b: number; r2: number; sse: number } | null = null;
  for (let j = 0; j <= n - 3; j++) {
    const t = u[j];
    const k = n - j;
    const sz = Sx[j] - k * t;
    const szz = Sxx[j] - 2 * t * Sx[j] + k * t * t;
    const szy = Sxy[j] - t * Sy[j];
    const den = n * szz - sz * sz;
    if (den <= 1e-15) continue;
    const b = (n * szy - sz * sumY) / den;
    const a = (sumY - b * sz) / n;
    const sse = sumYY - a * sumY - b * szy;
    if (!best || sse < best.sse) best = { t0: x[j], index: j, a, b: b / span, r2: sst > 0 ? 1 - sse / sst : 0, sse };
  }
  return best;
}

/**
 * A series' level at `at`: the least-squares line through its finite values within [at - h, at + h],
 * evaluated at `at` (unbiased on a slope, even where the window is cut off at the start of the run);
 * the mean where they all share one step; linear interpolation where none fall in the window.
 */
function valueNear(x: Float64Array, y: Float64Array, p: PrefixSums, at: number, h: number): number {
  const i = lowerBound(x, at - h);
  const j = lowerBound(x, at + h + 1e-9 * Math.max(1, Math.abs(at)));
  const k = j - i;
  if (k > 0) {
    // sums over the window, x centred on `at` so the intercept is the value there
    const sx = p.x[j] - p.x[i] - k * at;
    const sy = p.y[j] - p.y[i];
    const sxx = p.xx[j] - p.xx[i] - 2 * at * (p.x[j] - p.x[i]) + k * at * at;
    const sxy = p.xy[j] - p.xy[i] - at * sy;
    const den = k * sxx - sx * sx;
    if (k < 3 || den <= 1e-12 * Math.max(1, sxx * k)) return sy / k;
    const b = (k * sxy - sx * sy) / den;
    return (sy - b * sx) / k;
  }
  if (i === 0) return y[0];
  if (i >= x.length) return y[x.length - 1];
  const f = (at - x[i - 1]) / (x[i] - x[i - 1]);
  return y[i - 1] + f * (y[i] - y[i - 1]);
}

interface PrefixSums {
  x: Float64Array;
  y: Float64Array;
  xx: Float64Array;
  xy: Float64Array;
}

/** Prefix sums for windowed line fits; x is shifted by its first value to keep the squares small. */
function prefixSums(x: Float64Array, y: Float64Array): PrefixSums & { x0: number } {
  const n = y.length;
  const x0 = n ? x[0] : 0;
  const p = {
    x: new Float64Array(n + 1),
    y: new Float64Array(n + 1),
    xx: new Float64Array(n + 1),
    xy: new Float64Array(n + 1),
    x0,
  };
  for (let i = 0; i < n; i++) {
    const u = x[i] - x0;
    p.x[i + 1] = p.x[i] + u;
    p.y[i + 1] = p.y[i] + y[i];
    p.xx[i + 1] = p.xx[i] + u * u;
    p.xy[i + 1] = p.xy[i] + u * y[i];
  }
  return p;
}

/** The typical distance between consecutive steps. */
export function typicalInterval(x: ArrayLike<number>): number {
  if (x.length < 2) return 0;
  const d = new Float64Array(x.length - 1);
  for (let i = 1; i < x.length; i++) d[i - 1] = x[i] - x[i - 1];
  return median(d);
}

const f3 = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3));
const pct = (v: number) => `${Math.round(v * 100)}%`;

// ---------------------------------------------------------------------------------------------------
// the detectors

/**
 * Thresholds, named here so that tests and the page can quote them. Noise multiples are of the robust
 * noise sigma above; "drop" is how far the loss came down from its start to its lowest point.
 */
export const THRESHOLDS = {
  /** Overfitting: validation must rise above its lowest evaluation by this many noise sigmas ... */
  overfitSigmas: 3,
  /** ... and by at least this many nats and this share of the minimum, with at least 2 evaluations after it ... */
  overfitMinNats: 0.01,
  overfitMinShare: 0.01,
  /** ... or, rising at every one of at least 3 evaluations after it, by 2 sigmas and 1% of the minimum. */
  overfitConsistentSigmas: 2,
  /** Gap: the observed train/validation gap must widen by this many nats (and 4 noise sigmas) ... */
  gapMinNats: 0.05,
  /** ... with the hinge fit (which only places the turn) explaining this share of the gap's variance. */
  gapMinR2: 0.6,
  /** Leakage: validation below train by this many nats (or 2% of the loss, whichever is more) ... */
  leakMinNats: 0.05,
  /** ... at this share of the evaluations after the first 10% of the run. */
  leakShare: 0.8,
  /** Dropout explains a steady offset up to this many nats or this share of the training loss ... */
  dropoutMaxNats: 0.3,
  dropoutMaxShare: 0.1,
  /** ... that grows by no more than this many nats (and 4 noise sigmas) over the run. */
  dropoutMaxGrowth: 0.1,
  /** Scale: a train/validation ratio beyond this (or below its inverse) at the later evaluations. */
  scaleRatio: 2.5,
  /** Spikes: this many local noise sigmas above the running median ... */
  spikeSigmas: 6,
  /** ... and this share of the loss there. */
  spikeRelative: 0.02,
  /** Divergence: a sustained rise above the lowest smoothed loss of this share of the drop (and 8 sigmas, 0.1 nats). */
  divergeShareOfDrop: 0.1,
  /** Plateau: a stretch at least this share of the run whose binned loss moves less than 2% of the drop. */
  plateauMinShare: 0.15,
  /** A plateau that lasts to the end must be this long and move less than 1% of the drop. */
  plateauEndShare: 0.3,
  /** A logged learning rate that falls below this share of its level on a plateau: the fall is the schedule's. */
  scheduleDrop: 0.7,
  /** Cadence: fewer evaluations than this cannot place a minimum. */
  minEvaluations: 8,
  /** Cadence: more than this many evaluations, each no more than one logging interval apart, is costly. */
  maxEvaluations: 2000,
  /** Cadence: evaluating less often than every this many steps, with under 20 evaluations, is sparse. */
  sparseInterval: 5000,
  /** Cadence: evaluating more often than every this many steps in a run over 20,000 steps is dense. */
  denseInterval: 50,
} as const;

/** How a run's x axis reads in a sentence: "step 1,500", "epoch 3", "1,200,000 tokens". */
interface Unit {
  one: string;
  many: string;
  at: (x: number) => string;
  /** "1,500 steps", "3 epochs". */
  span: (d: number) => string;
}

function unitOf(run: Run): Unit {
  const label = String(run.xLabel);
  if (label === 'tokens' || label === 'token') {
    return {
      one: 'token',
      many: 'tokens',
      at: (x) => `${formatStep(x)} tokens`,
      span: (d) => `${formatStep(d)} tokens`,
    };
  }
  const one = label === 'epoch' ? 'epoch' : label === 'row' ? 'row' : 'step';
  const many = `${one}s`;
  return { one, many, at: (x) => `${one} ${formatStep(x)}`, span: (d) => `${formatStep(d)} ${d === 1 ? one : many}` };
}

interface Curves {
  run: Run;
  unit: Unit;
  train: { x: Float64Array; shifted: Float64Array; y: Float64Array; prefix: PrefixSums & { x0: number } } | null;
  val: { x: Float64Array; y: Float64Array } | null;
  lr: { x: Float64Array; y: Float64Array } | null;
  /** Half the evaluation interval: the window for "train loss at an evaluation step". */
  half: number;
}

/** The training loss around `at`: the local line through the points logged within half an evaluation interval. */
function trainAt(c: Curves, at: number): number {
  const t = c.train!;
  // the prefix sums hold x - x0: shift the query and the steps alike
  return valueNear(t.shifted, t.y, t.prefix, at - t.prefix.x0, c.half);
}

function finding(c: Curves, f: Omit<Finding, 'run'>): Finding {
  return { run: c.run.id, ...f };
}

const curveName = (which: 'train' | 'val') => (which === 'train' ? 'training' : 'validation');

function detectNonFinite(c: Curves): Finding[] {
  const out: Finding[] = [];
  for (const which of ['train', 'val'] as const) {
    const s = c.run[which];
    if (!s) continue;
    let first = -1;
    let count = 0;
    for (let i = 0; i < s.values.length; i++) {
      if (!Number.isFinite(s.values[i])) {
        count++;
        if (first < 0) first = i;
      }
    }
    if (first < 0) continue;
    const v = s.values[first];
    const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'infinite' : '−infinite';
    const label = which === 'train' ? 'Training' : 'Validation';
    const after = count > 1 ? ` (${count} non-finite values in all)` : '';
    const lastFinite =
      first > 0
        ? ` The last finite value was ${f3(s.values[first - 1])} nats at ${c.unit.at(s.steps[first - 1])}.`
        : '';
    out.push(
      finding(c, {
        kind: 'nan',
        series: which,
        step: s.steps[first],
        value: null,
        severity: 'warning',
        title: `${label} loss is ${what} at ${c.unit.at(s.steps[first])}`,
        detail:
          `The ${curveName(which)} loss became ${what} at ${c.unit.at(s.steps[first])}${after}.${lastFinite} ` +
          'The run broke numerically: usually a learning rate too high for the batch, an fp16 overflow (use bf16 or loss scaling), or a bad batch. Resume from a checkpoint before it with a lower learning rate or gradient clipping.',
      }),
    );
  }
  return out;
}

/**
 * Train and validation losses computed differently: the training loss a steady multiple of the
 * validation loss (summed over gradient-accumulation steps, per sequence rather than per token).
 * Returns the ratio, so that the gap and leakage comparisons can stand down.
 */
function detectScale(c: Curves): Finding[] {
  if (!c.val || !c.train || c.val.y.length < 2) return [];
  const { x, y } = c.val;
  const n = y.length;
  const from = Math.min(Math.floor(n / 2), n - 2);
  const ratios: number[] = [];
  for (let i = from; i < n; i++) {
    const t = trainAt(c, x[i]);
    if (t > 0 && y[i] > 0) ratios.push(t / y[i]);
  }
  if (ratios.length < 2) return [];
  const r = median(ratios);
  const high = r >= THRESHOLDS.scaleRatio;
  const low = r <= 1 / THRESHOLDS.scaleRatio;
  if (!high && !low) return [];
  // every later evaluation on the same side: a persistent multiple, not one odd point
  if (!ratios.every((v) => (high ? v >= 0.6 * THRESHOLDS.scaleRatio : v <= 1 / (0.6 * THRESHOLDS.scaleRatio))))
    return [];
  const lo = Math.min(...ratios);
  const hi = Math.max(...ratios);
  // validation far above training is also what overfitting looks like (training falls towards 0,
  // validation does not): only a steady multiple, the two curves moving in proportion, is a scale
  if (low && !(hi / lo < 1.25 && Math.abs(Math.log(ratios[ratios.length - 1] / ratios[0])) < Math.log(1.15))) return [];
  const k = high ? r : 1 / r;
  const last = n - 1;
  const tLast = trainAt(c, x[last]);
  const steady = hi / lo < 1.25;
  const [big, small] = high ? ['training', 'validation'] : ['validation', 'training'];
  return [
    finding(c, {
      kind: 'scale',
      series: 'both',
      step: x[from],
      value: null,
      severity: 'warning',
      title: `Train and validation losses are not on the same scale: the ${big} loss is about ${f3(k)}× the ${small} loss`,
      detail:
        `At the last ${ratios.length} evaluations (${c.unit.at(x[from])} to ${c.unit.at(x[last])}) the ${big} loss is ${f3(high ? lo : 1 / hi)} to ${f3(high ? hi : 1 / lo)} times the ${small} loss ` +
        `(${steady ? 'a steady multiple' : 'a large multiple'}; at ${c.unit.at(x[last])}: training ${f3(tLast)}, validation ${f3(y[last])} nats). ` +
        `No model fits text ${f3(k)} times worse in one split than the other: the two numbers are computed differently. Likely causes: a ${big} loss summed over gradient-accumulation steps ` +
        `(the ratio is then the number of steps, here about ${Math.round(k)}), a loss summed over each sequence rather than averaged per token (the ratio is then the tokens per sequence), ` +
        `a label-smoothed ${big} loss (it cannot fall to zero), or extra terms (an auxiliary or regularisation loss) added to it. The gap and leakage comparisons are left out; log both as the mean loss per token to compare them.`,
    }),
  ];
}

/** Validation minimum, then rising, while training keeps falling. */
function detectOverfitting(c: Curves): Finding[] {
  if (!c.val || !c.train || c.val.y.length < 4) return [];
  const { x, y } = c.val;
  const n = y.length;
  let k = 0;
  for (let i = 1; i < n; i++) if (y[i] < y[k]) k = i;
  const after = n - 1 - k;
  if (after < 2) return [];
  // the evaluation noise around and after the minimum: second differences over the steep start of
  // the curve would read its curvature as noise
  const sigma = noiseSigma(n - Math.max(0, k - 2) >= 4 ? y.subarray(Math.max(0, k - 2)) : y);
  const tail = Math.min(3, after);
  const end = mean(y, n - tail, n);
  // a rise at (nearly) every evaluation after the minimum is evidence on its own, even from a few
  let ups = 0;
  for (let i = k + 1; i < n; i++) if (y[i] > y[i - 1]) ups++;
  // (every evaluation after the minimum higher than the one before: noise rarely lines up so)
  const consistent =
    after >= 3 &&
    ups === after &&
    y[n - 1] - y[k] >
      Math.max(THRESHOLDS.overfitConsistentSigmas * sigma, THRESHOLDS.overfitMinShare * Math.abs(y[k]), 1e-4);
  // ... or a clear rise, measured from the lowest 3-point median so that one lucky evaluation is not the floor
  const smooth = rollingMedian(y, 1);
  let floor = smooth[0];
  for (let i = 1; i < n; i++) floor = Math.min(floor, smooth[i]);
  const clear =
    end - Math.max(y[k], floor) >
    Math.max(THRESHOLDS.overfitSigmas * sigma, THRESHOLDS.overfitMinNats, THRESHOLDS.overfitMinShare * Math.abs(y[k]));
  if (!consistent && !clear) return [];
  // training keeps falling: its level at the end is below its level at the validation minimum
  const trainThen = trainAt(c, x[k]);
  const trainEnd = trainAt(c, x[n - 1]);
  if (!(trainEnd < trainThen - Math.max(0.005 * (consistent ? 0.2 : 1), 0.002 * Math.abs(trainThen)))) return [];
  const u = c.unit;
  const total = y[n - 1] - y[k];
  return [
    finding(c, {
      kind: 'overfitting',
      series: 'val',
      step: x[k],
      value: y[k],
      severity: 'warning',
      title: `Overfitting from ${u.at(x[k])}: validation loss turns up while training loss keeps falling`,
      detail:
        `Validation loss was lowest at ${u.at(x[k])} (${f3(y[k])} nats, perplexity ${f3(Math.exp(y[k]))}), then rose at ${ups} of the ${after} evaluations after it, ` +
        `to ${f3(y[n - 1])} at ${u.at(x[n - 1])} (${total >= 0 ? '+' : ''}${f3(total)} nats, ${pct1(total / Math.abs(y[k]))}; evaluation noise about ${f3(sigma)} nats), ` +
        `while training loss fell from ${f3(trainThen)} to ${f3(trainEnd)}. The model is memorising its training text: the checkpoint at ${u.at(x[k])} generalises best. ` +
        'More data, more regularisation (dropout, weight decay) or stopping early would help.',
    }),
  ];
}

const pct1 = (v: number) => formatPercent(v, Math.abs(v) < 0.1 ? 1 : 0);

/** Gap = validation - train at each evaluation. */
function gapSeries(c: Curves): Float64Array {
  const { x, y } = c.val!;
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) g[i] = y[i] - trainAt(c, x[i]);
  return g;
}

/** The gap between validation and training grows steadily from some step on (observed at the evaluations). */
function detectGap(c: Curves): Finding[] {
  if (!c.val || !c.train || c.val.y.length < 5) return [];
  const g = gapSeries(c);
  const fit = hingeFit(c.val.x, g);
  if (!fit || fit.b <= 0 || fit.r2 < THRESHOLDS.gapMinR2) return [];
  const { x, y } = c.val;
  const n = x.length;
  const i0 = fit.index;
  // observed gaps, not the fitted line: at the turn, and the mean of the last evaluations
  const tail = Math.min(3, n - 1 - i0);
  const gEnd = mean(g, n - tail, n);
  const widened = gEnd - g[i0];
  const sigma = noiseSigma(g);
  const need = Math.max(THRESHOLDS.gapMinNats, 4 * sigma);
  if (widened < need || gEnd < need) return [];
  const u = c.unit;
  return [
    finding(c, {
      kind: 'gap',
      series: 'both',
      step: x[i0],
      value: y[i0],
      severity: 'info',
      title: `Generalisation gap widens from ${u.at(x[i0])}`,
      detail:
        `From ${u.at(x[i0])} the validation loss pulls away from the training loss: the gap (validation − training) was ${f3(g[i0])} nats there ` +
        `(validation ${f3(y[i0])}, training ${f3(trainAt(c, x[i0]))}) and ${f3(g[n - 1])} at ${u.at(x[n - 1])} (validation ${f3(y[n - 1])}, training ${f3(trainAt(c, x[n - 1]))}); ` +
        `noise in the gap about ${f3(sigma)} nats. Validation perplexity is now ${f3(Math.exp(g[n - 1]))}× the training perplexity. ` +
        'Each update now helps the training text more than unseen text; watch for validation turning up.',
    }),
  ];
}

/** Validation clearly and consistently below training: dropout's steady offset (info), or more than it explains (warning). */
function detectLeakage(c: Curves): Finding[] {
  if (!c.val || !c.train || c.val.y.length < 4) return [];
  const { x, y } = c.val;
  const n = x.length;
  const start = x[0] + 0.1 * (x[n - 1] - x[0]);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = trainAt(c, x[i]) - y[i];
  const from = lowerBound(x, start);
  const later = d.subarray(from);
  if (later.length < 3) return [];
  const trainLevels = new Float64Array(later.length);
  for (let i = 0; i < later.length; i++) trainLevels[i] = trainAt(c, x[from + i]);
  const level = median(trainLevels);
  const need = Math.max(THRESHOLDS.leakMinNats, 0.02 * Math.abs(level));
  let below = 0;
  for (const v of later) if (v > need) below++;
  const med = median(later);
  if (below / later.length < THRESHOLDS.leakShare || med <= need) return [];
  const sigma = noiseSigma(d);
  // the offset where the comparison starts and at the end, observed: means of the first two and last three
  const oStart = mean(later, 0, Math.min(2, later.length));
  const oEnd = mean(later, Math.max(0, later.length - 3), later.length);
  const growth = oEnd - oStart;
  const tooBig = med > Math.max(THRESHOLDS.dropoutMaxNats, THRESHOLDS.dropoutMaxShare * Math.abs(level));
  const growing = growth > Math.max(THRESHOLDS.dropoutMaxGrowth, 4 * sigma);
  // where it began: walk back from the first evaluation past the threshold while the difference is
  // still above the noise
  let i0 = 0;
  while (i0 < n - 1 && d[i0] <= need) i0++;
  while (i0 > 0 && d[i0 - 1] > Math.max(3 * sigma, need / 4)) i0--;
  const u = c.unit;
  const seen =
    `At ${pct(below / later.length)} of the evaluations after the first 10% of the run (${u.at(x[from])} to ${u.at(x[n - 1])}) validation loss is more than ${f3(need)} nats below training loss: ` +
    `${f3(oStart)} nats below at the start of that stretch, ${f3(oEnd)} at its end (median ${f3(med)}, ${pct1(med / Math.abs(level))} of the training loss; noise in the difference about ${f3(sigma)}). `;
  const dropout = !tooBig && !growing;
  return [
    finding(c, {
      kind: 'leakage',
      series: 'val',
      step: x[i0],
      value: y[i0],
      severity: dropout ? 'info' : 'warning',
      title: dropout
        ? `Validation loss sits a steady ${f3(med)} nats below training loss from ${u.at(x[i0])}: dropout, not leakage`
        : `Validation loss drops below training loss from ${u.at(x[i0])}, more than dropout explains: leakage?`,
      detail: dropout
        ? seen +
          'A steady offset of this size is what dropout does: it is on while training and off while evaluating, so it raises the training loss only. ' +
          'Label smoothing, data augmentation, and a training loss averaged over an epoch while the model improves do the same. This is not a sign of leakage.'
        : seen +
          (growing
            ? `The difference grows by ${f3(growth)} nats over the run; dropout gives a steady offset from the first evaluation, not one that grows. `
            : `Dropout (on in training, off in evaluation) gives a steady offset of a few percent of the loss; this one is ${pct1(med / Math.abs(level))}. `) +
          'Check the validation split for text that is also in the training split (duplicates, overlapping windows), and that the two losses are averaged the same way.',
    }),
  ];
}

/** Where the train curve (or the validation curve, with no train) blows up and does not come back. */
function detectDivergence(c: Curves): { findings: Finding[]; onset: number } {
  const which = c.train ? 'train' : 'val';
  const s = c.train ?? c.val;
  if (!s || s.y.length < 8) return { findings: [], onset: Infinity };
  const { x, y } = s;
  const n = y.length;
  const h = Math.max(2, Math.min(25, Math.round(n / 50)));
  const m = rollingMedian(y, h);
  let k = 0;
  for (let i = 1; i < n; i++) if (m[i] < m[k]) k = i;
  if (k > n - 4) return { findings: [], onset: Infinity };
  let top = m[0];
  for (let i = 0; i <= k; i++) top = Math.max(top, m[i]);
  const drop = top - m[k];
  const tail = Math.max(3, Math.round(0.05 * n));
  const end = mean(m, Math.max(k + 1, n - tail), n);
  const rise = end - m[k];
  const sigma = noiseSigma(y);
  const need = Math.max(THRESHOLDS.divergeShareOfDrop * drop, 8 * sigma, 0.1);
  if (rise <= need) return { findings: [], onset: Infinity };
  for (let i = n - 3; i < n; i++) if (m[i] < m[k] + rise / 2) return { findings: [], onset: Infinity };
  // the onset: the last point before the rise, where the running median leaves its floor
  let onset = k;
  const floor = Math.max(3 * sigma, 0.03 * rise);
  for (let i = k + 1; i < n && m[i] <= m[k] + floor; i++) onset = i;
  const u = c.unit;
  return {
    onset: x[onset],
    findings: [
      finding(c, {
        kind: 'divergence',
        series: which,
        step: x[onset],
        value: y[onset],
        severity: 'warning',
        title: `${which === 'train' ? 'Training' : 'Validation'} loss diverges from ${u.at(x[onset])}`,
        detail:
          `After reaching ${f3(m[k])} nats (running median of ${2 * h + 1} points) at ${u.at(x[k])}, the ${curveName(which)} loss climbs to ${f3(end)} over the last ${u.span(x[n - 1] - x[Math.max(k + 1, n - tail)])} and stays there ` +
          `(${f3(rise)} nats up, ${drop > 0 ? pct(rise / drop) + ' of what it had come down' : 'above where it started'}; noise about ${f3(sigma)}). ` +
          'Training has become unstable: lower the peak learning rate, lengthen the warm-up, clip gradients, or resume from a checkpoint before the rise.',
      }),
    ],
  };
}

/** Points far above the local trend that the loss comes back from. */
function detectSpikes(c: Curves, before: number, maxSpikes: number): Finding[] {
  const which = c.train ? 'train' : 'val';
  const s = c.train ?? c.val;
  if (!s || s.y.length < 20) return [];
  const { x, y } = s;
  const n = y.length;
  const h = Math.max(4, Math.min(n > 100_000 ? 10 : 25, Math.round(n / 100)));
  const trend = rollingMedian(y, h);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = y[i] - trend[i];
  // the noise varies along a run (large early, small late): a robust sigma per block of points
  const block = Math.max(50, 4 * h);
  const blocks = Math.ceil(n / block);
  const sig = new Float64Array(blocks);
  const abs = new Float64Array(block);
  for (let b = 0; b < blocks; b++) {
    const from = b * block;
    const to = Math.min(n, from + block);
    for (let i = from; i < to; i++) abs[i - from] = Math.abs(r[i]);
    sig[b] = 1.4826 * median(abs.subarray(0, to - from));
  }
  const absR = new Float64Array(n);
  for (let i = 0; i < n; i++) absR[i] = Math.abs(r[i]);
  const globalSigma = 1.4826 * median(absR);
  const candidates: { i: number; excess: number; local: number }[] = [];
  for (let i = h; i < n; i++) {
    if (x[i] >= before) break;
    const b = Math.floor(i / block);
    const local = Math.max(sig[b], b > 0 ? sig[b - 1] : 0, 0.25 * globalSigma);
    const need = Math.max(THRESHOLDS.spikeSigmas * local, THRESHOLDS.spikeRelative * Math.abs(trend[i]), 1e-6);
    // above the trend here and above where the curve was h points ago (not the steep start of a run)
    const excess = y[i] - Math.max(trend[i], trend[i - h]);
    if (excess > need) candidates.push({ i, excess, local });
  }
  // one finding per burst: candidates within h points of each other are one spike, at its peak
  const spikes: { i: number; excess: number; local: number; end: number }[] = [];
  for (const cnd of candidates) {
    const last = spikes.at(-1);
    if (last && cnd.i - last.end <= h) {
      last.end = cnd.i;
      if (cnd.excess > last.excess) {
        last.i = cnd.i;
        last.excess = cnd.excess;
        last.local = cnd.local;
      }
    } else spikes.push({ ...cnd, end: cnd.i });
  }
  const shown = [...spikes].sort((a, b) => b.excess - a.excess).slice(0, maxSpikes);
  const more = spikes.length - shown.length;
  const u = c.unit;
  return shown.map(({ i, excess, local }) =>
    finding(c, {
      kind: 'spike',
      series: which,
      step: x[i],
      value: y[i],
      severity: 'info',
      title: `Loss spike at ${u.at(x[i])}`,
      detail:
        `The ${curveName(which)} loss jumps to ${f3(y[i])} nats at ${u.at(x[i])}, ${f3(excess)} above the local trend (running median ${f3(trend[i])}; ${(excess / local).toFixed(1)} times the local noise of ${f3(local)}), then comes back. ` +
        'Occasional spikes come from unusual batches or an optimiser update too large for the curvature; many of them suggest a lower learning rate, gradient clipping or a larger Adam epsilon.' +
        (more > 0 ? ` (${more} smaller spike${more === 1 ? '' : 's'} not listed.)` : ''),
    }),
  );
}

/** Least-squares slope of y over x[a..b]. */
function slope(x: ArrayLike<number>, y: ArrayLike<number>, a: number, b: number): number {
  const k = b - a + 1;
  const mx = mean(x, a, b + 1);
  const my = mean(y, a, b + 1);
  let sxy = 0;
  let sxx = 0;
  for (let i = a; i <= b; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return k > 1 && sxx > 0 ? sxy / sxx : 0;
}

/** The logged learning rate's median (or lowest value) over [from, to] (the nearest logged value where none falls inside), or null. */
function lrOver(c: Curves, from: number, to: number, how: 'median' | 'min' = 'median'): number | null {
  if (!c.lr || c.lr.x.length === 0) return null;
  const { x, y } = c.lr;
  const i = lowerBound(x, from);
  const j = lowerBound(x, to + 1e-9 * Math.max(1, Math.abs(to)));
  if (j > i) return how === 'min' ? Math.min(...y.subarray(i, j)) : median(y.subarray(i, j));
  return y[Math.min(i, x.length - 1)];
}

const fmtLr = (v: number) => (v === 0 ? '0' : v.toPrecision(2));

/** Long stretches where the loss does not move, told apart from a learning-rate schedule. */
function detectPlateaus(c: Curves): Finding[] {
  const which = c.train ? 'train' : 'val';
  const s = c.train ?? c.val;
  if (!s || s.y.length < 20) return [];
  const { x, y } = s;
  const n = y.length;
  const x0 = x[0];
  const span = x[n - 1] - x0;
  if (span <= 0) return [];
  const u = c.unit;
  const name = curveName(which);
  // bin medians over equal steps: noise averages out, a spike does not move a bin, and a plateau's
  // length reads in steps
  const G = Math.min(100, n);
  const bx: number[] = [];
  const by: number[] = [];
  const firstX: number[] = [];
  let i = 0;
  for (let b = 0; b < G; b++) {
    const upper = b === G - 1 ? Infinity : x0 + ((b + 1) / G) * span;
    const from = i;
    while (i < n && x[i] < upper) i++;
    if (i === from) continue;
    by.push(median(y.subarray(from, i)));
    bx.push(x0 + ((b + 0.5) / G) * span);
    firstX.push(x[from]);
  }
  const m = by.length;
  if (m < 6) return [];
  // the start: the first bins, or the first few points where the loss falls within the first bin
  let top = median(y.subarray(0, Math.min(5, n)));
  let low = by[0];
  for (const v of by) low = Math.min(low, v);
  for (let k = 0; k < Math.max(1, Math.round(m * 0.05)); k++) top = Math.max(top, by[k]);
  const drop = top - low;
  const sigma = noiseSigma(by);
  const out: Finding[] = [];
  const eps = Math.max(0.02 * drop, 4 * sigma);
  const epsEnd = Math.max(0.01 * drop, 6 * sigma);
  const lrMax = c.lr && c.lr.y.length ? Math.max(...c.lr.y) : null;
  // a loss that never moves: the last tenth of the run no lower than the first, beyond the noise
  const tenth = Math.max(2, Math.round(n / 10));
  const first = mean(y, 0, tenth);
  const lastMean = mean(y, n - tenth, n);
  const gain = first - lastMean;
  const pointNoise = noiseSigma(y);
  if (gain < Math.max(0.02 * Math.abs(mean(y)), (4 * pointNoise) / Math.sqrt(tenth))) {
    return [
      finding(c, {
        kind: 'plateau',
        series: which,
        step: x[0],
        value: y[0],
        severity: 'warning',
        title: `The loss does not move over ${u.span(span)}`,
        detail:
          `The ${name} loss averages ${f3(first)} nats over the first tenth of the run (${u.at(x[0])} to ${u.at(x[tenth - 1])}) and ${f3(lastMean)} over the last (${u.at(x[n - tenth])} to ${u.at(x[n - 1])}); ` +
          `the noise of a single point is about ${f3(pointNoise)}. ` +
          (lrMax === 0 ? 'The logged learning rate is 0 throughout. ' : '') +
          'If the run starts from a trained checkpoint (fine-tuning, continued pre-training) on text like its own, a flat loss can be expected. Otherwise nothing is being learned: ' +
          'check the learning rate (not zero, not tiny), that gradients reach the weights (no detached graph, frozen layers), and that inputs and labels line up.',
      }),
    ];
  }
  const minLen = THRESHOLDS.plateauMinShare * span;
  let a = 0;
  while (a < m - 1) {
    let lo = by[a];
    let hi = by[a];
    let b = a;
    while (b + 1 < m && Math.max(hi, by[b + 1]) - Math.min(lo, by[b + 1]) <= eps) {
      b++;
      lo = Math.min(lo, by[b]);
      hi = Math.max(hi, by[b]);
    }
    const length = bx[b] - bx[a] + span / G;
    if (length >= minLen && b - a + 1 >= 4) {
      const level = (lo + hi) / 2;
      let later = Infinity;
      for (let k = b + 1; k < m; k++) later = Math.min(later, by[k]);
      // a plateau, not a slow stretch of a decelerating curve: right after it the loss falls clearly
      // faster (over a stretch as long as the plateau)
      const within = Math.max(0, -slope(bx, by, a, b));
      let next = Infinity;
      let at = b;
      for (let k = b + 1; k < m && bx[k] - bx[b] <= length; k++) {
        if (by[k] < next) {
          next = by[k];
          at = k;
        }
      }
      const after = at > b ? (by[b] - next) / (bx[at] - bx[b]) : 0;
      const escaped = later < level - 3 * eps && after > 3 * within;
      const atEnd = b === m - 1;
      // a stall: from some bin on to the end, a band within 1% of the drop with no downward trend
      // beyond the noise (so a late, slow but steady descent is not one)
      let a2 = a;
      if (atEnd && !escaped) {
        let sLo = Infinity;
        let sHi = -Infinity;
        const ok: boolean[] = new Array(m).fill(false);
        for (let k = m - 1; k >= a; k--) {
          sLo = Math.min(sLo, by[k]);
          sHi = Math.max(sHi, by[k]);
          ok[k] = sHi - sLo <= epsEnd;
        }
        while (a2 < m - 1 && !ok[a2]) a2++;
        for (let k = a2; k <= b; k++) {
          lo = k === a2 ? by[k] : Math.min(lo, by[k]);
          hi = k === a2 ? by[k] : Math.max(hi, by[k]);
        }
      }
      // the fall from the first third of the stretch to the last (medians of the logged points, so
      // spikes do not count), against the noise of that difference
      const p0 = lowerBound(x, firstX[a2]);
      const third = Math.max(1, Math.floor((n - p0) / 3));
      const firstThird = median(y.subarray(p0, p0 + third));
      const lastThird = median(y.subarray(n - third, n));
      const trend = firstThird - lastThird;
      const trendNoise = 1.25 * pointNoise * Math.sqrt(2 / third);
      // ... and far slower than the loss was falling before it, over as long a stretch (or from the start)
      const priorFall = by[Math.max(0, a2 - (b - a2 + 1))] - median(by.slice(a2, a2 + 3));
      const stallLength = bx[b] - bx[a2] + span / G;
      const stalled =
        atEnd &&
        !escaped &&
        a2 > 0 &&
        stallLength >= THRESHOLDS.plateauEndShare * span &&
        hi - lo <= epsEnd &&
        trend <= 3 * trendNoise &&
        trend + 2 * trendNoise <= 0.1 * priorFall;
      if (stalled) a = a2;
      const step = firstX[a];
      const endStep = atEnd ? x[n - 1] : (firstX[b + 1] ?? x[n - 1]);
      // the learning-rate schedule: a fall that comes as the logged rate decays, or (with no rate
      // logged) a fall that runs to the end of the run as fast as it began, is a warm-down; a flat
      // end where the rate has decayed to nearly nothing is the schedule finishing, not a stall
      const lrDuring = lrOver(c, step, endStep);
      // the rate the fall reached: a decaying schedule is lowest at the end of the fall
      const lrAfter = at > b ? lrOver(c, endStep, bx[at], 'min') : null;
      const tailBins = Math.max(3, Math.round(0.15 * m));
      const endSlope = -slope(bx, by, m - tailBins, m - 1);
      const lowestAtEnd = by.indexOf(low) >= m - Math.max(2, Math.round(0.1 * m));
      const warmDown =
        lrDuring !== null && lrAfter !== null
          ? lrDuring > 0 && lrAfter < THRESHOLDS.scheduleDrop * lrDuring
          : lrDuring === null && !atEnd && lowestAtEnd && endSlope >= 0.5 * after;
      const annealed = lrMax !== null && lrMax > 0 && (lrOver(c, step, endStep) ?? lrMax) <= 0.1 * lrMax;
      if ((escaped && !warmDown) || (stalled && !annealed)) {
        const lrNote =
          lrDuring !== null
            ? ` The logged learning rate was about ${fmtLr(lrDuring)} over it${lrAfter !== null ? `, and no lower than ${fmtLr(lrAfter)} as the loss fell again` : ''}.`
            : '';
        out.push(
          finding(c, {
            kind: 'plateau',
            series: which,
            step,
            value: by[a],
            severity: escaped ? 'info' : 'warning',
            title: escaped
              ? `Plateau from ${u.at(step)} to ${formatStep(endStep)}`
              : `Training stalls from ${u.at(step)}`,
            detail: escaped
              ? `From ${u.at(step)} to ${u.at(endStep)} (${pct(length / span)} of the run) the ${name} loss stays between ${f3(lo)} and ${f3(hi)} nats (bin medians; noise about ${f3(sigma)}), ` +
                `then falls to ${f3(next)} by ${u.at(bx[at])}.${lrNote} ` +
                'Plateaus before a drop are common early in language-model training (the model learns a new skill, such as copying from context); a long one can mean a learning rate too low or a warm-up too long.'
              : `From ${u.at(step)} to the end (${u.at(x[n - 1])}, the last ${pct(stallLength / span)} of the run) the ${name} loss stays between ${f3(lo)} and ${f3(hi)} nats (bin medians, so spikes do not count), ` +
                `a ${f3(hi - lo)}-nat band (${pct1((hi - lo) / drop)} of the ${f3(drop)} nats it fell from its first points), and no lower at the end than at the start: ` +
                `the median of its last third is ${f3(lastThird)}, of its first ${f3(firstThird)} (noise of a point about ${f3(pointNoise)}).${lrNote} ` +
                'More of the same training will not help: decay the learning rate, or stop and spend the compute on a larger model or more data.',
          }),
        );
      }
      a = b + 1;
    } else a++;
  }
  return out;
}

/** Too few evaluations to see the validation curve's shape, or so many that they cost real time. */
function detectCadence(c: Curves): Finding[] {
  const run = c.run;
  const u = c.unit;
  const trainX = c.train?.x ?? null;
  if (!run.val || run.val.steps.length === 0) {
    if (!trainX || trainX.length < 2) return [];
    return [
      finding(c, {
        kind: 'cadence',
        series: 'val',
        step: trainX[0],
        value: null,
        severity: 'info',
        title: 'No validation loss in this log',
        detail:
          `The log has a training loss at ${formatInteger(trainX.length)} points from ${u.at(trainX[0])} to ${u.at(trainX[trainX.length - 1])}, and no loss on held-out text: ` +
          'without one, overfitting and leakage cannot be seen. Evaluate on a validation split regularly: many runs do every 500 to 1,000 steps, or some 20 to 100 times per run.',
      }),
    ];
  }
  const vx = run.val.steps;
  const n = vx.length;
  const first = trainX ? Math.min(trainX[0], vx[0]) : vx[0];
  const last = trainX ? Math.max(trainX[trainX.length - 1], vx[n - 1]) : vx[n - 1];
  const every = typicalInterval(vx);
  const longGaps = run.xLabel === 'step' && every > THRESHOLDS.sparseInterval && n < 20;
  if ((n < THRESHOLDS.minEvaluations || longGaps) && trainX && trainX.length >= 2 * n) {
    return [
      finding(c, {
        kind: 'cadence',
        series: 'val',
        step: vx[Math.min(1, n - 1)],
        value: null,
        severity: 'info',
        title: `Only ${n} evaluation${n === 1 ? '' : 's'} over ${u.span(last - first)}`,
        detail:
          `The validation loss was measured ${n} time${n === 1 ? '' : 's'}${n > 1 ? ` (about every ${u.span(every)})` : ` (at ${u.at(vx[0])})`}: too few to locate its minimum or to see it turn. ` +
          `Evaluate at least ${THRESHOLDS.minEvaluations} to 20 times per run; many runs evaluate every 500 to 1,000 steps.`,
      }),
    ];
  }
  const trainEvery = trainX ? typicalInterval(trainX) : 0;
  const tooOften = n > THRESHOLDS.maxEvaluations && (trainEvery === 0 || every <= trainEvery);
  const tinyGaps = run.xLabel === 'step' && every < THRESHOLDS.denseInterval && last - first > 20_000 && n > 500;
  if (tooOften || tinyGaps) {
    return [
      finding(c, {
        kind: 'cadence',
        series: 'val',
        step: vx[0],
        value: null,
        severity: 'info',
        title: `Evaluated ${formatInteger(n)} times, every ${u.span(every)}`,
        detail:
          `Evaluating as often as the training loss is logged (${formatInteger(n)} evaluations over ${u.span(last - first)}) costs a large share of the run and adds nothing a smoothed curve would not show. ` +
          'Every 500 to 1,000 steps (or 50 to 200 times per run) is usually plenty; use more evaluation batches each time instead.',
      }),
    ];
  }
  return [];
}

export interface DiagnoseOptions {
  /** List at most this many spikes per run (the largest). @defaultValue 5 */
  maxSpikes?: number;
}

/**
 * Everything the detectors find in one run, in step order. Each finding states what was observed (the
 * logged values, the noise, the run's x unit) and carries a severity: 'warning' where the run has a
 * problem, 'info' where the curves show something worth knowing.
 * @example diagnose(buildRun(parseLog('log.csv', text)[0])).map((f) => `${f.kind}@${f.step}`)
 */
export function diagnose(run: Run, options: DiagnoseOptions = {}): Finding[] {
  const train = run.train ? finitePart(run.train) : null;
  const val = run.val ? finitePart(run.val) : null;
  const lr = run.lr ? finitePart(run.lr) : null;
  const evalEvery = val && val.x.length >= 2 ? typicalInterval(val.x) : train ? typicalInterval(train.x) : 0;
  const c: Curves = {
    run,
    unit: unitOf(run),
    train:
      train && train.x.length
        ? { ...train, shifted: train.x.map((v) => v - train.x[0]), prefix: prefixSums(train.x, train.y) }
        : null,
    val: val && val.x.length ? val : null,
    lr: lr && lr.x.length ? lr : null,
    half: evalEvery / 2,
  };
  const divergence = detectDivergence(c);
  const scale = detectScale(c);
  // losses on different scales cannot be compared point by point: no gap or leakage then
  const compared = scale.length ? scale : [...detectGap(c), ...detectLeakage(c)];
  const findings = [
    ...detectNonFinite(c),
    ...divergence.findings,
    // once the run diverges, what follows is not overfitting, spikes or plateaus
    ...(divergence.findings.length ? [] : [...detectOverfitting(c), ...compared, ...detectPlateaus(c)]),
    ...detectSpikes(c, divergence.onset, options.maxSpikes ?? 5),
    ...detectCadence(c),
  ];
  return findings.sort((a, b) => a.step - b.step);
}

/** The evaluation interval of a run (median distance between validation steps, else between train steps). */
export function evaluationInterval(run: Run): number {
  if (run.val && run.val.steps.length >= 2) return typicalInterval(run.val.steps);
  if (run.train && run.train.steps.length >= 2) return typicalInterval(run.train.steps);
  return 0;
}
