/**
 * Give columns a meaning by their names, the way people and tools name them: `step`, `iter`,
 * `global_step`, `train/loss`, `eval_loss`, `val_ppl`, `learning_rate`, `lr-AdamW`, ...
 */
import type { ColumnRole } from './types';

const VAL_WORDS = new Set([
  'val',
  'valid',
  'validation',
  'eval',
  'evaluation',
  'dev',
  'test',
  'tel',
  'heldout',
  'holdout',
]);
const TRAIN_WORDS = new Set(['train', 'training', 'trl']);
const STEP_WORDS = new Set([
  'step',
  'steps',
  'iter',
  'iters',
  'iteration',
  'iterations',
  'it',
  'update',
  'updates',
  'batch',
  'batches',
]);
/** Words that make a loss-like name something else: `loss_scale`, `loss_std`, `grad_norm`, `aux_loss`. */
const NOT_A_LOSS = new Set([
  'scale',
  'std',
  'min',
  'max',
  'var',
  'count',
  'weight',
  'grad',
  'norm',
  'aux',
  'z',
  'smoothed',
  'ema',
  'scaler',
]);
/** Words of columns that are known and not plotted, so they are not reported as unknown. */
const KNOWN_OTHER = new Set([
  'time',
  'wall',
  'walltime',
  'runtime',
  'timestamp',
  'elapsed',
  'elapsed_s',
  'bytes',
  'norm',
  'grad',
  'mfu',
  'dt',
  'ms',
  'sec',
  'second',
  'seconds',
  'samples',
  'flos',
  'throughput',
  'per',
  'memory',
  'mem',
  'gpu',
  'duration',
  'speed',
  'tps',
]);

/** Lower-case words of a column name: "Train/Loss (nats)" -> ["train", "loss", "nats"]. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * The role a column name suggests, with a preference score (higher wins when two columns claim the
 * same role), or null when the name says nothing we know.
 * @example recogniseColumn('eval_loss') // { role: 'val', score: 3 }
 */
export function recogniseColumn(name: string): { role: ColumnRole; score: number } | null {
  const n = name.trim().toLowerCase();
  const w = nameWords(name);
  if (w.length === 0) return null;
  const has = (set: Set<string>) => w.some((x) => set.has(x));
  const hasWord = (...xs: string[]) => xs.some((x) => w.includes(x));
  const isVal = has(VAL_WORDS);
  const perSomething = hasWord('per', 'time', 'sec', 'second', 'seconds', 's', 'ms');

  // losses and perplexities first: "train/global_step" is a step, but "step_loss" is a loss
  if (!has(NOT_A_LOSS) && hasWord('ppl', 'perplexity')) {
    return { role: isVal ? 'val_ppl' : 'train_ppl', score: isVal && hasWord('test') ? 1 : 2 };
  }
  // a cross-entropy is a loss: OLMo's "train/CrossEntropyLoss", Composer's "metrics/eval/LanguageCrossEntropy",
  // Keras's "val_sparse_categorical_crossentropy"
  const crossEntropy = hasWord('crossentropy') || (hasWord('cross') && hasWord('entropy'));
  if (
    !has(NOT_A_LOSS) &&
    (hasWord('loss', 'nll', 'xent', 'ce') ||
      crossEntropy ||
      (w.length === 1 && (VAL_WORDS.has(w[0]) || TRAIN_WORDS.has(w[0]))))
  ) {
    if (isVal) return { role: 'val', score: (hasWord('test') ? 1 : 3) - (hasWord('epoch') ? 1 : 0) };
    // a plain "loss" is the training loss; "train loss" says so; "lm_loss" and the like are the next best;
    // Lightning's per-epoch mean (train_loss_epoch) loses to the per-step value (train_loss_step)
    return { role: 'train', score: (has(TRAIN_WORDS) || n === 'loss' ? 3 : 2) - (hasWord('epoch') ? 1 : 0) };
  }
  if (n === 'lr' || hasWord('lr') || (hasWord('learning') && hasWord('rate'))) return { role: 'lr', score: 2 };
  if (hasWord('epoch', 'epochs') && !perSomething && !hasWord('loss')) return { role: 'epoch', score: 2 };
  if (hasWord('tokens', 'token', 'tok', 'toks') && !perSomething) return { role: 'tokens', score: 2 };
  if (w.some((x) => STEP_WORDS.has(x)) && !perSomething) {
    // "step", "global_step", "_step", "iter" beat "batch" and "update"
    return { role: 'step', score: hasWord('step', 'iter', 'iteration', 'steps', 'it') ? 3 : 1 };
  }
  return null;
}

/** Whether an unrecognised column is a known kind we leave out (time, throughput, norms), not an unknown. */
export function isKnownOther(name: string): boolean {
  const w = nameWords(name);
  return w.some((x) => KNOWN_OTHER.has(x)) || /__(min|max)$/i.test(name) || /^_/.test(name.trim());
}

/**
 * One role per column: the best-scoring column takes each role, the others are ignored. Returns the
 * roles and the names of columns no rule recognised (so the user can map them).
 * @example assignRoles(['step', 'train_loss', 'val_loss', 'foo']) // roles [step, train, val, ignore], unknown ['foo']
 */
export function assignRoles(names: string[]): { roles: ColumnRole[]; unknown: string[] } {
  const roles: ColumnRole[] = names.map(() => 'ignore');
  const best = new Map<ColumnRole, { index: number; score: number }>();
  const unknown: string[] = [];
  names.forEach((name, index) => {
    const r = recogniseColumn(name);
    if (!r) {
      if (!isKnownOther(name)) unknown.push(name);
      return;
    }
    const prev = best.get(r.role);
    if (!prev || r.score > prev.score) best.set(r.role, { index, score: r.score });
  });
  for (const [role, { index }] of best) roles[index] = role;
  return { roles, unknown };
}
