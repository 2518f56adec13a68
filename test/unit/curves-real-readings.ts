/**
 * My reading of each real training log in ../shared/real/logs/ (SOURCES.md says where each comes from),
 * written from the numbers themselves (printed and summarised by hand, independently of the reader):
 * what a careful person sees in the curves. curves-real.test.ts checks the reader against it: every
 * `must` finding is found (no misses), and every finding the reader gives is a `must` or an `allow`
 * (no false alarms).
 *
 * Files are loaded under their original names (the part after `__`), as a user of the repository would.
 */
import type { FindingKind, LogFormat } from '../../src/lib/curves';

export interface ExpectedFinding {
  kind: FindingKind;
  severity: 'warning' | 'info';
  /** Where it must be placed, inclusive, in the run's x unit. */
  at?: [number, number];
  /** What its text must say (observed numbers, causes). */
  says?: RegExp[];
}

export interface Reading {
  /** Files loaded together (one run). */
  files: string[];
  /** What the numbers show, in words. */
  reading: string;
  /** The file does not hold a curve: the message must say this. */
  error?: RegExp[];
  format?: LogFormat;
  xUnit?: 'step' | 'epoch';
  train?: number;
  val?: number;
  lr?: number;
  /** A note the parser must give. */
  note?: RegExp;
  must?: ExpectedFinding[];
  /** Findings that may appear (informational, and true of the curve), but need not. */
  allow?: { kind: FindingKind; severity: 'warning' | 'info' }[];
}

const gapInfo = { kind: 'gap', severity: 'info' } as const;
const spikeInfo = { kind: 'spike', severity: 'info' } as const;
const noVal: ExpectedFinding = { kind: 'cadence', severity: 'info', says: [/No validation|no loss on held-out text/] };

export const READINGS: Reading[] = [
  {
    files: ['barber0__train.log'],
    reading:
      'Batch-counted ("ep: 0, batch: 20 ... loss: 10.98"): flat at 10.98 for the first four logs (batches 20–80), then a steady fall to 8.39 at batch 260. No validation loss.',
    format: 'text',
    xUnit: 'step',
    train: 13,
    val: 0,
    must: [noVal],
  },
  {
    files: ['benoitnlp__training_log.csv'],
    reading:
      'Keras CSVLogger, 16 epochs. Validation lowest at epoch 5 (0.5207), then up to 0.5857 at epoch 15 while training falls 0.420 → 0.179: overfitting from epoch 5.',
    format: 'csv',
    xUnit: 'epoch',
    train: 16,
    val: 16,
    must: [{ kind: 'overfitting', severity: 'warning', at: [5, 5], says: [/epoch 5/, /0\.521/, /0\.586/] }],
    allow: [gapInfo],
  },
  {
    files: ['chenzihua__train.log'],
    reading:
      'nanoGPT shakespeare-char: iteration loss falls 4.27 → ~3.4, then NaN from iter 425 to the end (last finite 3.502 at 420). Five evaluations (steps 0–400), validation 4.247 → 3.369: too few to see a turn.',
    format: 'text',
    xUnit: 'step',
    train: 91,
    val: 5,
    must: [
      { kind: 'nan', severity: 'warning', at: [425, 425], says: [/step 425/, /3\.502/] },
      { kind: 'cadence', severity: 'info', says: [/Only 5 evaluations/] },
    ],
  },
  {
    files: ['dm2020__training_log.csv'],
    reading:
      'Keras, 25 epochs. Validation lowest at epoch 3 (0.824), then rises almost every epoch to 1.62–1.70 while training falls 0.421 → 0.063: overfitting from epoch 3. Validation 26× training at the end is overfitting, not a scale mismatch (the ratio grows from 1).',
    format: 'csv',
    xUnit: 'epoch',
    train: 25,
    val: 25,
    must: [{ kind: 'overfitting', severity: 'warning', at: [3, 3], says: [/epoch 3/, /0\.824/, /1\.623/] }],
    allow: [gapInfo],
  },
  {
    files: ['erav4__train.log'],
    reading:
      'GPT-2 124M on Shakespeare, TSV in a .log: training loss 8.46 → 0.13 over 4,570 steps (memorising), logged every 10 steps. No validation loss.',
    format: 'tsv',
    xUnit: 'step',
    train: 457,
    val: 0,
    must: [noVal],
  },
  {
    files: ['friendvoice__trainer_state.json'],
    reading: 'An empty log_history: the run took 3 steps with logging_steps = 10, so the Trainer never logged.',
    error: [/log_history is empty/, /3 steps/, /logging_steps = 10/],
  },
  {
    files: ['guoxiang__train.log'],
    reading:
      'Transformer en-de, "Epoch N/100 - Train Loss, Val Loss". Validation below the epoch-averaged training loss for the first ~21 epochs (0.80 below at epoch 1, shrinking: the averaged train loss lags, dropout), then above it; validation still improving slowly (lowest 1.3565 at epoch 98, 1.3594 at 100): no overfitting, no leakage. The gap grows to 0.24 by the end.',
    format: 'text',
    xUnit: 'epoch',
    train: 100,
    val: 100,
    allow: [gapInfo],
  },
  {
    files: ['jaongcpt__trainer_state.json'],
    reading:
      'HF Trainer, 10 evaluations (one per epoch, every 549 steps). Validation lowest at step 3,294 (0.4853), then rises at each of the 4 evaluations after it to 0.4917 (+1.3%), while training falls 0.324 → 0.265: overfitting from step 3,294, from few evaluations but consistent.',
    format: 'hf-trainer',
    xUnit: 'step',
    train: 10,
    val: 10,
    lr: 10,
    must: [
      { kind: 'overfitting', severity: 'warning', at: [3294, 3294], says: [/step 3,294/, /0\.485/, /0\.492/, /1\.3%/] },
    ],
    allow: [gapInfo],
  },
  {
    files: ['javanese__training_log.csv'],
    reading:
      'Keras seq2seq, 63 epochs, learning rate halved on plateaus. Validation flattens at ~0.80 from epoch ~20 (lowest 0.8017 at epoch 55, 0.8031 at the end: within its noise) while training keeps falling to 0.265: a widening gap, not overfitting.',
    format: 'csv',
    xUnit: 'epoch',
    train: 63,
    val: 63,
    lr: 63,
    must: [{ kind: 'gap', severity: 'info', at: [0, 20], says: [/epoch 62/, /0\.803/, /0\.265/] }],
  },
  {
    files: ['lawllm__trainer_state.json'],
    reading:
      'HF Trainer, 6 evaluations. The logged training loss is 16.5–16.9× the validation loss at steps 400–600 (5.024 vs 0.304 at step 600): not the same scale (a loss summed over ~16 gradient-accumulation steps). Not leakage; no gap to read.',
    format: 'hf-trainer',
    xUnit: 'step',
    train: 6,
    val: 6,
    lr: 6,
    must: [
      { kind: 'scale', severity: 'warning', says: [/16\.\d/, /gradient-accumulation/, /5\.024/, /0\.304/, /step 600/] },
    ],
  },
  {
    files: ['llmc-siddanth__main.log'],
    reading:
      'llm.c GPT-2 124M, 19,552 steps: linear warm-up to 6e-4, then decay to 0 (logged). Validation falls monotonically 11.01 → 3.273 (every 250 steps); training noisy with isolated one-step spikes ~0.3 above the trend. A clean run.',
    format: 'text',
    xUnit: 'step',
    train: 19552,
    val: 80,
    lr: 19552,
    allow: [spikeInfo],
  },
  {
    files: ['luojiu__trainer_log.jsonl'],
    reading:
      'LLaMA-Factory trainer_log.jsonl, 3 epochs, cosine learning rate 5e-5 → 0 (logged). Training 1.75 → ~1.35, flattening as the rate decays (not a stall). eval_loss is null throughout: no validation.',
    format: 'jsonl',
    xUnit: 'step',
    train: 1742,
    val: 0,
    lr: 1742,
    must: [noVal],
  },
  {
    files: ['modded-adamw__f66d43d7-e449-4029-8adf-e8537bab49ea.log'],
    reading:
      'modded-nanogpt AdamW baseline (llm.c log): validation falls steadily, slower from ~5,600 (3.481 → 3.435 at 7,680), then faster to 3.276 at 9,536 in the warm-down. The slow stretch is the constant-rate phase before the warm-down, not a plateau (no learning rate logged). Training has one-step spikes.',
    format: 'text',
    xUnit: 'step',
    train: 9536,
    val: 76,
    allow: [spikeInfo],
  },
  {
    files: ['modded-muon__eb5659d0-fb6a-49e5-a311-f1f89412f726.txt'],
    reading:
      'modded-nanogpt Muon record (code, then the log): validation falls smoothly 10.93 → 3.279 over 6,200 steps; the training loss (one batch) has large isolated spikes (5.28 at step 947, ~1.5 above the trend). The slower stretch ~2,800–3,900 is the constant-rate phase before the warm-down, not a plateau.',
    format: 'text',
    xUnit: 'step',
    train: 6200,
    val: 51,
    note: /line 77/,
    must: [{ kind: 'spike', severity: 'info', at: [900, 960], says: [/step 9\d\d/] }],
    allow: [spikeInfo],
  },
  {
    files: ['modded-sub3min__1d3bd93b-a69e-4118-aeb8-8184239d7566.txt'],
    reading:
      'modded-nanogpt record that logs only the validation loss: 13 evaluations, 10.83 → 3.279 at step 1,393; no training loss. Nothing wrong to see.',
    format: 'text',
    xUnit: 'step',
    train: 0,
    val: 13,
    note: /line 163/,
  },
  {
    files: ['moddedgpt-akramjit__train.log'],
    reading:
      'modded-nanogpt fork: training loss falls from 10.8 to ~0.03 within ~150 steps, then stays at 0.02–0.06 (with spikes to 1.7) for the remaining 98% of the run: a stall (and a suspiciously low loss for language modelling). Validation 0.010–0.042 at 8 evaluations: not meaningfully below training.',
    format: 'text',
    xUnit: 'step',
    train: 7151,
    val: 8,
    must: [{ kind: 'plateau', severity: 'warning', at: [50, 500], says: [/stalls/, /step 7,151/] }],
    allow: [spikeInfo],
  },
  {
    files: ['nlplab11__train_loss.csv', 'nlplab11__val_loss.csv'],
    reading:
      'TensorBoard CSV exports of one run, one tag per file: validation falls 5.573 → 3.595 and sits a steady 0.15–0.2 nats below the training loss from the first evaluation (step 499): dropout, not leakage.',
    format: 'tensorboard-csv',
    xUnit: 'step',
    train: 576,
    val: 56,
    must: [{ kind: 'leakage', severity: 'info', says: [/dropout/, /0\.17\d/] }],
  },
  {
    files: ['olmo__training.log'],
    reading:
      'OLMo-1B continued pre-training, key=value records: train/CrossEntropyLoss stays at ~3.0 (noise ~0.03) over all 1,010 steps; no validation, no learning rate logged. The loss does not move (expected when continuing from a trained checkpoint, which the finding must say).',
    format: 'key-value',
    xUnit: 'step',
    train: 1010,
    val: 0,
    must: [
      { kind: 'plateau', severity: 'warning', at: [1, 1], says: [/does not move/, /3\.0\d\d/, /trained checkpoint/] },
      noVal,
    ],
  },
  {
    files: ['pseudo2code__trainer_state.json'],
    reading: 'HF Trainer: training 1.467 → 0.617 over 600 steps; a single evaluation (1.040 at step 500).',
    format: 'hf-trainer',
    xUnit: 'step',
    train: 6,
    val: 1,
    lr: 6,
    must: [{ kind: 'cadence', severity: 'info', says: [/Only 1 evaluation/, /step 500/] }],
  },
  {
    files: ['slm0xero7__metrics.csv'],
    reading:
      'Lightning metrics.csv: 10 evaluations (one per epoch, every ~14,074 steps); validation 4.133 → 3.570 sits 0.2 → 0.12 nats below the per-step training loss from the first evaluation, shrinking: dropout, not leakage.',
    format: 'csv',
    xUnit: 'step',
    train: 2814,
    val: 10,
    must: [
      { kind: 'leakage', severity: 'info', says: [/dropout/, /not a sign of leakage/] },
      { kind: 'cadence', severity: 'info', says: [/10 evaluations/] },
    ],
  },
  {
    files: ['tinyllama__trainer_state.json'],
    reading:
      'TinyLlama fine-tune: validation falls 1.622 → 1.122 and is still lowest at the last evaluation (step 2,800), flattening as the learning rate decays to 0; training ends ~1.03: the gap grows from ~0 to ~0.09. No overfitting, no plateau.',
    format: 'hf-trainer',
    xUnit: 'step',
    train: 186,
    val: 14,
    lr: 186,
    allow: [gapInfo],
  },
];
