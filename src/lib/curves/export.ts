/** Runs as one tidy CSV (one row per point), for the view's "Export CSV". */
import { toCsv } from '../csv';
import { guardFormula } from '../csv-guard';
import { formatSignificant } from '../format';
import { emaDebiased, weightForLength } from './smoothing';
import type { Run } from './types';

const COLUMNS = ['run', 'series', 'step', 'loss_nats', 'loss_smoothed_nats', 'perplexity'];
const num = (v: number) =>
  Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : formatSignificant(v, 8);

/**
 * `run,series,step,loss_nats,loss_smoothed_nats,perplexity` for every point of every run; the smoothed
 * column is the de-biased EMA for train (weight scaled to the series' length, as plotted) and the value
 * itself for validation.
 * @param smoothing - the EMA weight of the smoothed column (0 = none). @defaultValue 0
 * @example runsToCsv([run], 0.6).split('\n')[0] // 'run,series,step,loss_nats,loss_smoothed_nats,perplexity'
 */
export function runsToCsv(runs: Run[], smoothing = 0): string {
  const rows: string[][] = [];
  for (const run of runs) {
    for (const which of ['train', 'val'] as const) {
      const s = run[which];
      if (!s) continue;
      // as on the plot: only the train curve is smoothed (evaluations are already averages)
      const smooth =
        which === 'train' && smoothing > 0
          ? emaDebiased(s.values, weightForLength(smoothing, s.values.length))
          : s.values;
      for (let i = 0; i < s.steps.length; i++) {
        rows.push([
          guardFormula(run.id),
          which,
          num(s.steps[i]),
          num(s.values[i]),
          num(smooth[i]),
          num(Math.exp(s.values[i])),
        ]);
      }
    }
  }
  return toCsv(COLUMNS, rows, '\n');
}
