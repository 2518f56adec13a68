/**
 * Shapes shared by the training-curve modules: parsed tables (what a file holds), runs (what is
 * plotted and diagnosed) and findings. Pure data: no DOM.
 *
 * All losses are natural-log cross-entropies (nats per token); a perplexity column is converted with ln
 * on the way in, so every curve here is in nats and `perplexity = exp(loss)` reads true on a second axis.
 */

/** The tools whose log layouts are recognised. */
export type LogFormat =
  | 'csv'
  | 'tsv'
  | 'jsonl'
  | 'hf-trainer'
  | 'tensorboard-csv'
  | 'tensorboard-json'
  | 'wandb-csv'
  | 'wandb-history'
  | 'key-value'
  | 'text'
  | 'tensorboard-events';

export const FORMAT_LABELS: Record<LogFormat, string> = {
  csv: 'CSV',
  tsv: 'TSV',
  jsonl: 'JSON Lines',
  'hf-trainer': 'Hugging Face trainer_state.json',
  'tensorboard-csv': 'TensorBoard scalar CSV',
  'tensorboard-json': 'TensorBoard scalar JSON',
  'wandb-csv': 'Weights & Biases CSV',
  'wandb-history': 'Weights & Biases run history',
  'key-value': 'key=value records (OLMo / Composer)',
  text: 'text log (nanoGPT / llm.c / epoch and batch lines)',
  'tensorboard-events': 'TensorBoard event file',
};

/**
 * What a column means. `train` and `val` are losses in nats; `train_ppl` and `val_ppl` perplexities
 * (converted with ln). `ignore` columns are kept in the table but not plotted.
 */
export type ColumnRole = 'step' | 'epoch' | 'tokens' | 'train' | 'val' | 'train_ppl' | 'val_ppl' | 'lr' | 'ignore';

export const COLUMN_ROLES: readonly ColumnRole[] = [
  'step',
  'epoch',
  'tokens',
  'train',
  'val',
  'train_ppl',
  'val_ppl',
  'lr',
  'ignore',
];

export const ROLE_LABELS: Record<ColumnRole, string> = {
  step: 'step (x axis)',
  epoch: 'epoch',
  tokens: 'tokens seen',
  train: 'train loss (nats)',
  val: 'validation loss (nats)',
  train_ppl: 'train perplexity',
  val_ppl: 'validation perplexity',
  lr: 'learning rate',
  ignore: 'ignore',
};

/** One numeric column of a parsed table. Missing and non-numeric cells are NaN; see `nanRows`. */
export interface TableColumn {
  name: string;
  /** One value per row; NaN where the cell was empty, non-numeric, or a literal NaN. */
  values: Float64Array;
  /** Rows whose cell was a literal NaN ("nan", "NaN"): a logged NaN, which is not the same as no value. */
  nanRows: number[];
  /** Cells that held text that is not a number (empty cells are not counted). */
  nonNumeric: number;
  /** The first such cell, for the message: row (1-based, as in the file) and its text. */
  firstNonNumeric: { row: number; text: string } | null;
}

/** One file's numbers, before columns are given meaning. A W&B export of several runs gives one per run. */
export interface LogTable {
  /** The file it came from. */
  source: string;
  format: LogFormat;
  /** The run's name: from the file name, or the run name in a W&B header. */
  runName: string;
  rows: number;
  columns: TableColumn[];
  /** One role per column, as recognised by name (the user may change them). */
  roles: ColumnRole[];
  /** Columns that were not recognised (their role is `ignore` until the user maps them). */
  unknown: string[];
  /** What the parser noticed: skipped lines, summary rows left out, and so on. */
  notes: string[];
}

/** One curve: x positions (steps, sorted, unique) and values. */
export interface Series {
  steps: Float64Array;
  /** Loss in nats (or the lr); NaN and ±Infinity are kept where the log had them. */
  values: Float64Array;
}

/** A training run: what is plotted and diagnosed. */
export interface Run {
  /** Unique among the loaded runs. */
  id: string;
  name: string;
  sources: string[];
  format: LogFormat;
  /** What the x values count. */
  xLabel: 'step' | 'epoch' | 'row';
  train: Series | null;
  val: Series | null;
  lr: Series | null;
  /** Tokens seen at each step, where the log says (for a tokens x axis). */
  tokens: Series | null;
  /** Gradient norm per step, where the log has it (plotted beside the loss, not diagnosed). */
  gradNorm?: Series | null;
  /** Training throughput (steps, samples or tokens per second), where the log has it. */
  throughput?: Series | null;
  /** Repairs made and things to know: sorted rows, repeated steps, skipped cells. */
  notes: string[];
}

export type FindingKind =
  'overfitting' | 'gap' | 'leakage' | 'scale' | 'spike' | 'plateau' | 'divergence' | 'nan' | 'cadence';

export const FINDING_LABELS: Record<FindingKind, string> = {
  overfitting: 'Overfitting',
  gap: 'Widening generalisation gap',
  leakage: 'Validation below training',
  scale: 'Train and validation not on the same scale',
  spike: 'Loss spike',
  plateau: 'Plateau',
  divergence: 'Divergence',
  nan: 'NaN / Inf',
  cadence: 'Evaluation cadence',
};

/** One thing the curves show, at a step. */
export interface Finding {
  kind: FindingKind;
  /** The run's id. */
  run: string;
  /** Which curve it is about. */
  series: 'train' | 'val' | 'both';
  /** Where it happens (the x value of the run's curve, in the run's x unit: `Run.xLabel`). */
  step: number;
  /** The loss there, nats, for a marker on the plot; null when there is no such point. */
  value: number | null;
  severity: 'warning' | 'info';
  /** One short sentence. */
  title: string;
  /** Why it was flagged, with the numbers, and what to do. */
  detail: string;
}
