/**
 * From a parsed table and its column roles to a run: one sorted, de-duplicated series per curve, in
 * nats, with a note for every repair (sorted rows, repeated steps, skipped cells, NaN/Inf).
 */
import { formatPlural as plural, formatStep } from '../format';
import type { ColumnRole, LogTable, Run, Series, TableColumn } from './types';

/**
 * Sort by x (stable) and keep the last value logged for each repeated x: a run resumed from a
 * checkpoint logs those steps again, and the later values are the ones that led on. Says what it did
 * into `notes`.
 * @example cleanSeries([2, 1, 2], [5, 6, 7], 'val loss', notes) // steps [1, 2], values [6, 7]
 */
export function cleanSeries(xs: ArrayLike<number>, ys: ArrayLike<number>, label: string, notes: string[]): Series {
  const n = xs.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (xs[i] < xs[i - 1]) sorted = false;
  let order: Uint32Array | null = null;
  if (!sorted) {
    order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    // stable: equal steps keep their order in the file, so "the last logged" stays last
    order.sort((a, b) => xs[a] - xs[b] || a - b);
    let out = 0;
    for (let i = 0; i < n; i++) if (order[i] !== i) out++;
    notes.push(`${label}: steps were out of order (${plural(out, 'row')} moved); sorted by step.`);
  }
  const steps = new Float64Array(n);
  const values = new Float64Array(n);
  let k = 0;
  let repeats = 0;
  for (let i = 0; i < n; i++) {
    const j = order ? order[i] : i;
    const x = xs[j];
    if (k > 0 && steps[k - 1] === x) {
      values[k - 1] = ys[j];
      repeats++;
    } else {
      steps[k] = x;
      values[k] = ys[j];
      k++;
    }
  }
  if (repeats)
    notes.push(
      `${label}: ${plural(repeats, 'step')} logged more than once (a resumed run?); kept the last value of each.`,
    );
  return { steps: steps.slice(0, k), values: values.slice(0, k) };
}

/** Rows where a column has a value (a number, or a logged NaN). */
function present(col: TableColumn): (row: number) => boolean {
  const nan = col.nanRows.length ? new Set(col.nanRows) : null;
  return (row) => col.values[row] === col.values[row] || (nan !== null && nan.has(row));
}

function seriesOf(
  x: Float64Array | null,
  col: TableColumn,
  rows: number,
  transform: ((v: number) => number) | null,
  label: string,
  notes: string[],
): Series | null {
  const has = present(col);
  const xs = new Float64Array(rows);
  const ys = new Float64Array(rows);
  let k = 0;
  let noX = 0;
  const values = col.values;
  for (let r = 0; r < rows; r++) {
    const v = values[r];
    if (v !== v && !has(r)) continue;
    const xv = x ? x[r] : r;
    if (!Number.isFinite(xv)) {
      noX++;
      continue;
    }
    xs[k] = xv;
    ys[k++] = transform ? transform(v) : v;
  }
  if (col.nonNumeric) {
    const f = col.firstNonNumeric!;
    notes.push(
      `${label} ("${col.name}"): ${plural(col.nonNumeric, 'cell')} that ${col.nonNumeric === 1 ? 'is' : 'are'} not a number skipped (first: "${f.text}" at line ${f.row}).`,
    );
  }
  if (noX) notes.push(`${label}: ${plural(noX, 'value')} without a step skipped.`);
  if (k === 0) return null;
  const s = cleanSeries(xs.subarray(0, k), ys.subarray(0, k), label, notes);
  let bad = 0;
  let first = -1;
  for (let i = 0; i < s.values.length; i++) {
    if (!Number.isFinite(s.values[i])) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad)
    notes.push(
      `${label}: ${plural(bad, 'NaN or infinite value')}, the first at step ${formatStep(s.steps[first])}; they are marked on the plot, not drawn as lines.`,
    );
  return s;
}

/** A loaded table without a loss column: the view asks the user to map its columns. */
export class MissingLossError extends Error {
  constructor(readonly table: LogTable) {
    super(
      `${table.source}${table.runName !== table.source ? ` (${table.runName})` : ''}: no column is recognised as a loss` +
        (table.unknown.length
          ? ` (unrecognised: ${table.unknown.slice(0, 6).join(', ')}${table.unknown.length > 6 ? ', …' : ''})`
          : '') +
        '. Choose which column is the train or validation loss.',
    );
    this.name = 'MissingLossError';
  }
}

/**
 * A run from a table, reading each column as `roles` says (by default the roles recognised from the
 * names). Throws MissingLossError when no column is a loss or perplexity.
 * @example buildRun(parseLog('log.csv', text)[0]).val?.values
 */
export function buildRun(table: LogTable, roles: ColumnRole[] = table.roles, id = table.runName): Run {
  const find = (role: ColumnRole) => {
    const i = roles.indexOf(role);
    return i >= 0 ? table.columns[i] : null;
  };
  const notes = [...table.notes];
  const stepCol = find('step');
  const epochCol = find('epoch');
  const xCol = stepCol ?? epochCol;
  const xLabel: Run['xLabel'] = stepCol ? 'step' : epochCol ? 'epoch' : 'row';
  if (!xCol) notes.push('No step column: the row number is used as the step.');
  const x = xCol ? xCol.values : null;

  const series = (lossRole: ColumnRole, pplRole: ColumnRole, label: string): Series | null => {
    const loss = find(lossRole);
    const ppl = find(pplRole);
    if (loss) {
      if (ppl)
        notes.push(`${label}: "${ppl.name}" (perplexity) is not used, since "${loss.name}" gives the loss itself.`);
      return seriesOf(x, loss, table.rows, null, label, notes);
    }
    if (ppl) {
      // perplexity = e^loss, so loss = ln(perplexity); a perplexity below 1 cannot come from a loss in nats
      let below = 0;
      const s = seriesOf(
        x,
        ppl,
        table.rows,
        (v) => {
          if (v < 1 && v === v) below++;
          return v > 0 ? Math.log(v) : NaN;
        },
        label,
        notes,
      );
      notes.push(`${label}: read from perplexity "${ppl.name}" as ln(perplexity), in nats.`);
      if (below)
        notes.push(
          `${label}: ${plural(below, 'perplexity value')} below 1, which no loss in nats gives: is "${ppl.name}" really a perplexity?`,
        );
      return s;
    }
    return null;
  };
  const train = series('train', 'train_ppl', 'train loss');
  const val = series('val', 'val_ppl', 'validation loss');
  if (!train && !val) throw new MissingLossError(table);
  const lrCol = find('lr');
  const tokensCol = find('tokens');
  const quiet: string[] = [];
  return {
    id,
    name: table.runName,
    sources: [table.source],
    format: table.format,
    xLabel,
    train,
    val,
    lr: lrCol ? seriesOf(x, lrCol, table.rows, null, 'lr', quiet) : null,
    tokens: tokensCol && xCol !== tokensCol ? seriesOf(x, tokensCol, table.rows, null, 'tokens', quiet) : null,
    notes,
  };
}

/**
 * Join runs that one tool exported as several files (TensorBoard: one file per tag; W&B: one file per
 * chart) when they share a run name and each curve comes from one file only.
 */
export function mergeRuns(runs: Run[]): Run[] {
  const out: Run[] = [];
  const family = (r: Run) =>
    r.format.startsWith('tensorboard') ? 'tensorboard' : r.format === 'wandb-csv' ? 'wandb' : null;
  for (const r of runs) {
    const f = family(r);
    const into = f
      ? out.find((o) => family(o) === f && o.name === r.name && !(o.train && r.train) && !(o.val && r.val))
      : undefined;
    if (!into) {
      out.push({ ...r, sources: [...r.sources], notes: [...r.notes] });
      continue;
    }
    into.train ??= r.train;
    into.val ??= r.val;
    into.lr ??= r.lr;
    into.tokens ??= r.tokens;
    into.sources.push(...r.sources.filter((s) => !into.sources.includes(s)));
    into.notes.push(...r.notes);
  }
  return out;
}

/** Give runs ids that are unique among `taken` and themselves: "run", "run (2)". */
export function uniqueIds(runs: Run[], taken: Iterable<string> = []): Run[] {
  const used = new Set(taken);
  return runs.map((r) => {
    let id = r.name;
    for (let k = 2; used.has(id); k++) id = `${r.name} (${k})`;
    used.add(id);
    return { ...r, id };
  });
}
