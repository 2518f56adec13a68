/**
 * From TensorBoard event files to runs, the way `tensorboard --logdir` groups them: every folder that
 * holds event files is a run, except that Keras' `train/` and `validation/` (Estimator's and Trax's
 * `eval/`) subfolders are the two halves of their parent's run. Tags are given meaning by name
 * (`train/loss`, `eval/loss`, `epoch_loss`, `learning_rate`, `grad_norm`, `global_step/sec`, ...), and a
 * loss tag in a validation folder is a validation loss whatever it is called.
 */
import { recogniseColumn, nameWords } from './columns';
import { cleanSeries } from './run';
import { formatStep } from '../format';
import { describeNonScalar, type EventFileContent, type TagPoints } from './tfevents';
import type { ColumnRole, Run, Series } from './types';
import { formatPlural as plural } from '../format';

/** What a folder name says about the event files in it. */
export type FolderSide = 'train' | 'val' | null;

const TRAIN_DIRS = new Set(['train', 'training']);
const VAL_DIRS = new Set(['validation', 'valid', 'val', 'eval', 'evaluation', 'test', 'dev']);

/** A tag's role in a run, beyond the column roles: the gradient norm and the training throughput. */
export type TagRole = ColumnRole | 'grad_norm' | 'throughput';

/**
 * The role of a scalar tag, with a preference score, given the side its folder says it is on.
 * @example tagRole('epoch_loss', 'val') // { role: 'val', score: 2 }
 */
export function tagRole(tag: string, side: FolderSide): { role: TagRole; score: number } | null {
  const w = nameWords(tag);
  const has = (...xs: string[]) => xs.some((x) => w.includes(x));
  const evalSide = side === 'val' || has('eval', 'evaluation', 'val', 'validation', 'test');
  if (has('grad', 'grads', 'gradient', 'gradients') && has('norm', 'l2'))
    return evalSide ? null : { role: 'grad_norm', score: 2 };
  const perSecond = (has('per', 'sec', 's') && has('second', 'sec', 's')) || has('throughput', 'tps');
  if (perSecond || /\/s(ec)?$|_per_s(ec)?$/i.test(tag)) {
    if (
      evalSide ||
      !has(
        'step',
        'steps',
        'sample',
        'samples',
        'token',
        'tokens',
        'tok',
        'toks',
        'it',
        'examples',
        'throughput',
        'tps',
      )
    )
      return null;
    return { role: 'throughput', score: has('token', 'tokens', 'tok', 'toks') ? 3 : 2 };
  }
  const r = recogniseColumn(tag);
  if (!r) return null;
  if (side === 'val' && (r.role === 'train' || r.role === 'train_ppl'))
    return { role: r.role === 'train' ? 'val' : 'val_ppl', score: r.score };
  if (side === 'train' && (r.role === 'val' || r.role === 'val_ppl')) return null; // a validation metric computed in the train writer: rare, ambiguous
  return r;
}

/** One event file with where it sits: `path` relative to what the user picked ("runs/exp1/train/events..."). */
export interface PlacedEventFile {
  path: string;
  content: EventFileContent;
}

interface Tagged {
  tag: string;
  side: FolderSide;
  points: TagPoints;
  /** For notes: where it came from. */
  label: string;
}

/** The run folder and the side of a file: ".../exp1/validation/events..." -> [".../exp1", 'val']. */
export function runFolder(path: string): [string, FolderSide] {
  const parts = path.split(/[\\/]/).filter(Boolean);
  parts.pop(); // the file name
  const last = parts.at(-1)?.toLowerCase();
  if (last && TRAIN_DIRS.has(last)) return [parts.slice(0, -1).join('/'), 'train'];
  if (last && VAL_DIRS.has(last)) return [parts.slice(0, -1).join('/'), 'val'];
  return [parts.join('/'), null];
}

/** Concatenate the points of one tag written across files of one folder, then sort by step (stable). */
function joinPoints(list: TagPoints[]): TagPoints {
  if (list.length === 1) return list[0];
  const out: TagPoints = { steps: [], values: [], wallTimes: [] };
  for (const t of list) {
    out.steps.push(...t.steps);
    out.values.push(...t.values);
    out.wallTimes.push(...t.wallTimes);
  }
  return out;
}

/**
 * Runs from event files (a dropped `runs/` folder, a `lightning_logs/version_N/`, one file), with a
 * message for each file that holds nothing to plot or could not be read to its end. Files in one run
 * folder join; its `train/` and `validation/` (or `eval/`) subfolders give the train and validation
 * series of that one run.
 * @example eventFilesToRuns([{ path: 'logs/train/events.out.tfevents.1', content }]).runs[0].train
 */
export function eventFilesToRuns(files: PlacedEventFile[]): { runs: Run[]; messages: string[] } {
  const messages: string[] = [];
  const groups = new Map<string, { files: PlacedEventFile[]; sides: FolderSide[] }>();
  for (const f of files) {
    const [folder] = runFolder(f.path);
    const g = groups.get(folder) ?? { files: [], sides: [] };
    g.files.push(f);
    g.sides.push(runFolder(f.path)[1]);
    groups.set(folder, g);
  }
  const names = runNames([...groups.keys()], files);
  const runs: Run[] = [];
  for (const [folder, g] of groups) {
    const notes: string[] = [];
    const silent: string[] = [];
    for (const f of g.files) {
      if (f.content.error) notes.push(f.content.error);
      if (f.content.scalars.size === 0 && !f.content.error) silent.push(describeNonScalar(f.content));
    }
    // one entry per (side, tag): a tag written across several files of a folder is one curve
    const byKey = new Map<string, { tag: string; side: FolderSide; lists: TagPoints[]; sources: string[] }>();
    g.files.forEach((f, i) => {
      for (const [tag, points] of f.content.scalars) {
        const key = `${g.sides[i] ?? ''}\u0000${tag}`;
        const e = byKey.get(key) ?? { tag, side: g.sides[i], lists: [], sources: [] };
        e.lists.push(points);
        e.sources.push(f.path);
        byKey.set(key, e);
      }
    });
    const tagged: Tagged[] = [...byKey.values()].map((e) => ({
      tag: e.tag,
      side: e.side,
      points: joinPoints(e.lists),
      label: e.side ? `${e.side === 'val' ? 'validation' : 'train'} folder's "${e.tag}"` : `"${e.tag}"`,
    }));
    const sources = g.files.map((f) => f.path);
    const name = names.get(folder)!;
    if (tagged.length === 0) {
      // nothing to plot here: say what the files hold, once per file
      for (const f of g.files) messages.push(f.content.error ?? describeNonScalar(f.content));
      continue;
    }
    for (const s of silent) notes.push(s.replace(/: nothing to plot\.$/, '; left out.'));
    const built = buildEventRun(name, sources, tagged, notes);
    runs.push(...built);
    if (built.length === 0) {
      messages.push(
        `${name}: no scalar is recognised as a loss (tags: ${tagged
          .slice(0, 8)
          .map((t) => t.tag)
          .join(
            ', ',
          )}${tagged.length > 8 ? ', …' : ''}). Export the tag as CSV from TensorBoard and map its column, or name it with "loss".`,
      );
    }
  }
  return { runs, messages };
}

/** Names for run folders: the part after what they all share ("runs/a", "runs/b" -> "a", "b"). */
function runNames(folders: string[], files: PlacedEventFile[]): Map<string, string> {
  const split = folders.map((f) => f.split('/').filter(Boolean));
  let common = 0;
  if (split.length > 1) {
    while (split.every((s) => s.length > common && s[common] === split[0][common])) common++;
  }
  const out = new Map<string, string>();
  folders.forEach((f, i) => {
    const rest = split[i].slice(common).join('/');
    const fallback =
      split[i].at(-1) ??
      files
        .find((x) => runFolder(x.path)[0] === f)
        ?.path.split(/[\\/]/)
        .pop() ??
      'events';
    out.set(f, split.length > 1 ? rest || fallback : fallback);
  });
  return out;
}

function toSeries(t: Tagged, notes: string[]): Series {
  return cleanSeries(t.points.steps, t.points.values, t.label, notes);
}

/** Pick, per role, the best-scoring tag (more points breaks a tie), and build the run. */
function buildEventRun(name: string, sources: string[], tagged: Tagged[], notes: string[]): Run[] {
  const best = new Map<TagRole, { t: Tagged; score: number }>();
  for (const t of tagged) {
    const r = tagRole(t.tag, t.side);
    if (!r) continue;
    // a single value (the Trainer's end-of-run train_samples_per_second) is a summary, not a curve
    if ((r.role === 'grad_norm' || r.role === 'throughput') && t.points.steps.length < 2) continue;
    const prev = best.get(r.role);
    if (!prev || r.score > prev.score || (r.score === prev.score && t.points.steps.length > prev.t.points.steps.length))
      best.set(r.role, { t, score: r.score });
  }
  // Keras writes the same tag name on both sides (train/epoch_loss, validation/epoch_loss): when the
  // validation side has the train tag's own name, that is the pair, whatever else the folder holds
  const trainTag = best.get('train')?.t;
  if (trainTag?.side === 'train') {
    const twin = tagged.find((t) => t.side === 'val' && t.tag === trainTag.tag);
    if (twin) best.set('val', { t: twin, score: Infinity });
  }
  const pick = (role: TagRole) => best.get(role)?.t ?? null;
  const train = pick('train');
  let val = pick('val');
  const trainPpl = !train ? pick('train_ppl') : null;
  let valPpl = !val ? pick('val_ppl') : null;
  if (!train && !val && !trainPpl && !valPpl) return [];

  const lossTags = [train, val, trainPpl, valPpl].filter((t): t is Tagged => t !== null);
  // Keras logs epoch_* tags against the epoch number
  const xLabel: Run['xLabel'] = lossTags.every((t) => /^epoch[_/]/i.test(t.tag)) ? 'epoch' : 'step';
  const used = lossTags.map((t) => t.label);
  const lnSeries = (t: Tagged): Series => {
    const s = toSeries(t, notes);
    notes.push(`${t.label}: read as a perplexity, ln(perplexity) in nats.`);
    return { steps: s.steps, values: s.values.map((v) => (v > 0 ? Math.log(v) : NaN)) };
  };
  const trainSeries = train ? toSeries(train, notes) : trainPpl ? lnSeries(trainPpl) : null;
  let valSeries = val ? toSeries(val, notes) : valPpl ? lnSeries(valPpl) : null;
  const extra: Run[] = [];
  if (trainSeries && valSeries && trainSeries.steps.length > 1 && valSeries.steps.length > 0) {
    // a validation loss logged per epoch (1, 2, ... 20) beside a train loss logged per step (10 ... 4,000)
    // is on another x axis: plotting them together would put every evaluation in the first 0.5% of the run
    const tMax = trainSeries.steps[trainSeries.steps.length - 1];
    const vMax = valSeries.steps[valSeries.steps.length - 1];
    if (vMax * 10 < tMax && valSeries.steps.length < trainSeries.steps.length) {
      const vt = (val ?? valPpl)!;
      notes.push(
        `${vt.label} is logged against another counter (up to ${formatStep(vMax)}, likely epochs) than ${(train ?? trainPpl)!.label} (up to ${formatStep(tMax)}): shown as a run of its own, "${name} · ${vt.tag}", not compared with training.`,
      );
      extra.push({
        id: `${name} · ${vt.tag}`,
        name: `${name} · ${vt.tag}`,
        sources,
        format: 'tensorboard-events',
        xLabel: 'step',
        train: null,
        val: valSeries,
        lr: null,
        tokens: null,
        notes: [
          `${vt.label}: its steps run to ${formatStep(vMax)} while the train loss's run to ${formatStep(tMax)}, so it is plotted apart.`,
        ],
      });
      valSeries = null;
      val = null;
      valPpl = null;
    }
  }
  const lr = pick('lr');
  const grad = pick('grad_norm');
  const thr = pick('throughput');
  const tokens = pick('tokens');
  const quiet: string[] = [];
  const side = (t: Tagged | null) => (t && (t.points.steps.length > 1 || t === lr) ? toSeries(t, quiet) : null);
  const apart = extra.length ? (best.get('val') ?? best.get('val_ppl'))?.t : undefined;
  const ignored = [
    ...new Set(
      tagged
        .filter((t) => t !== apart && ![train, val, trainPpl, valPpl, lr, grad, thr, tokens].includes(t))
        .map((t) => t.tag),
    ),
  ];
  notes.unshift(
    `Read ${plural(tagged.length, 'scalar tag')} from ${plural(sources.length, 'event file')}: ${used.join(' and ')} as the loss` +
      (lr ? `, ${lr.label} as the learning rate` : '') +
      (grad ? `, ${grad.label} as the gradient norm` : '') +
      (thr ? `, ${thr.label} as the throughput` : '') +
      (ignored.length
        ? `; not plotted: ${ignored.slice(0, 6).join(', ')}${ignored.length > 6 ? `, +${ignored.length - 6} more` : ''}`
        : '') +
      '.',
  );
  return [
    {
      id: name,
      name,
      sources,
      format: 'tensorboard-events',
      xLabel,
      train: trainSeries,
      val: valSeries,
      lr: side(lr),
      tokens: side(tokens),
      gradNorm: side(grad),
      throughput: side(thr),
      notes,
    },
    ...extra,
  ];
}
