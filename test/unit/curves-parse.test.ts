/**
 * Training-log parsing: every fixture in test/fixtures/logs (expected.json says what each holds), the
 * column names people use, and bad input (unknown columns, non-numeric cells, NaN/Inf, unsorted and
 * repeated steps, empty files, a million rows).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assignRoles,
  buildRun,
  diagnose,
  evaluationInterval,
  LogParseError,
  mergeRuns,
  MissingLossError,
  parseLog,
  parseLogs,
  recogniseColumn,
  runsToCsv,
  type Run,
} from '../../src/lib/curves';

const DIR = path.join(import.meta.dirname, '..', 'fixtures', 'logs');
const read = (f: string) => fs.readFileSync(path.join(DIR, f), 'utf8');

interface Expected {
  file: string;
  with?: string[];
  format: string;
  unknown?: string[];
  runs: { name: string; train: number; val: number; trainFirst?: [number, number]; valLast?: [number, number] }[];
  notes?: string[];
  findings?: { kind: string; step?: number; run?: string }[];
}
const EXPECTED = (JSON.parse(read('expected.json')) as { files: Expected[] }).files;

/** Load files the way the view does: parse each, build a run per table, join a tool's split exports. */
function load(files: string[]): Run[] {
  return mergeRuns(files.flatMap((f) => parseLog(f, read(f)).map((t) => buildRun(t))));
}

// values are printed with 4 to 17 significant digits in the files: compare at 1e-9 relative
const close = (a: number, b: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)) + 5e-6);

describe('every fixture log parses as its tool wrote it', () => {
  it('has an expectation for every fixture file', () => {
    const covered = new Set(EXPECTED.flatMap((e) => [e.file, ...(e.with ?? [])]));
    const files = fs.readdirSync(DIR).filter((f) => !['expected.json', 'README.md', 'empty.csv'].includes(f));
    expect(files.filter((f) => !covered.has(f))).toEqual([]);
  });

  for (const e of EXPECTED) {
    it(`${e.file} (${e.format})`, () => {
      const tables = parseLog(e.file, read(e.file));
      expect(tables[0].format).toBe(e.format);
      if (e.unknown) expect(tables[0].unknown).toEqual(e.unknown);
      const runs = load([e.file, ...(e.with ?? [])]);
      expect(runs.map((r) => r.name)).toEqual(e.runs.map((r) => r.name));
      e.runs.forEach((want, i) => {
        const run = runs[i];
        expect(run.train?.steps.length ?? 0, `${want.name} train points`).toBe(want.train);
        expect(run.val?.steps.length ?? 0, `${want.name} val points`).toBe(want.val);
        for (const s of [run.train, run.val]) {
          if (!s) continue;
          for (let k = 1; k < s.steps.length; k++) expect(s.steps[k]).toBeGreaterThan(s.steps[k - 1]);
        }
        if (want.trainFirst) {
          close(run.train!.steps[0], want.trainFirst[0]);
          close(run.train!.values[0], want.trainFirst[1]);
        }
        if (want.valLast) {
          close(run.val!.steps.at(-1)!, want.valLast[0]);
          close(run.val!.values.at(-1)!, want.valLast[1]);
        }
      });
      for (const note of e.notes ?? []) expect(runs[0].notes.join('\n')).toContain(note);
      for (const want of e.findings ?? []) {
        const run = want.run ? runs.find((r) => r.name === want.run)! : runs[0];
        const found = diagnose(run).filter((f) => f.kind === want.kind);
        expect(
          found.length,
          `${want.kind} in ${run.name}: ${JSON.stringify(diagnose(run).map((f) => f.kind + '@' + f.step))}`,
        ).toBeGreaterThan(0);
        if (want.step !== undefined) {
          const interval = evaluationInterval(run);
          expect(Math.min(...found.map((f) => Math.abs(f.step - want.step!))), `${want.kind} step`).toBeLessThanOrEqual(
            interval,
          );
        }
      }
    });
  }
});

describe('format details', () => {
  it('Hugging Face: the end-of-training summary is not a point of the train curve', () => {
    const [t] = parseLog('trainer_state.json', read('hf-trainer_state.json'));
    const run = buildRun(t);
    expect(run.train!.steps.at(-1)).toBe(1000);
    expect(run.train!.values.at(-1)).not.toBeCloseTo(2.712034912109375, 6);
    expect(run.notes.join(' ')).toMatch(/summary/);
    expect(run.lr!.values[0]).toBeCloseTo(4.75e-5, 12);
  });

  it('Hugging Face: NaN and Infinity as Python writes them', () => {
    const text =
      '{"log_history": [{"loss": 2.5, "step": 10}, {"loss": NaN, "step": 20}, {"loss": Infinity, "step": 30}, {"eval_loss": 2.6, "step": 20}]}';
    const run = buildRun(parseLog('trainer_state.json', text)[0]);
    expect(Array.from(run.train!.values)).toEqual([2.5, NaN, Infinity]);
    expect(diagnose(run).some((f) => f.kind === 'nan' && f.step === 20)).toBe(true);
  });

  it('TensorBoard: the tag comes from the file name; an unknown tag is left for the user to map', () => {
    const [t] = parseLog(
      'run-exp1-tag-objective.csv',
      'Wall time,Step,Value\n1700000000.5,0,3.2\n1700000001.5,10,3.0\n',
    );
    expect(t.runName).toBe('exp1');
    expect(t.unknown).toEqual(['objective']);
    expect(() => buildRun(t)).toThrow(MissingLossError);
    const run = buildRun(t, ['ignore', 'step', 'val']);
    expect(Array.from(run.val!.values)).toEqual([3.2, 3.0]);
  });

  it('W&B: each run of a chart export is its own run, and the two chart files join per run', () => {
    const runs = load([
      'wandb_export_2024-03-14T10_22_31.123+01_00.csv',
      'wandb_export_2024-03-14T10_25_02.845+01_00.csv',
    ]);
    expect(runs.map((r) => r.sources.length)).toEqual([2, 2]);
    // dry-lake-9 stopped at step 800: its empty cells are no value, not zero
    expect(runs[1].train!.steps.at(-1)).toBe(800);
  });

  it('nanoGPT: per-iteration loss is the train curve, the evaluation estimates stay mappable', () => {
    const [t] = parseLog('train.log', read('nanogpt-shakespeare-char.log'));
    expect(t.columns.map((c, i) => `${c.name}:${t.roles[i]}`)).toEqual([
      'step:step',
      'train loss:ignore',
      'val loss:val',
      'loss:train',
    ]);
    const estimates = buildRun(t, ['step', 'train', 'val', 'ignore']);
    expect(estimates.train!.steps.length).toBe(21);
  });

  it('text logs: nanoGPT iteration lines alone, llm.c main.log, and llm.c stdout', () => {
    const iters = buildRun(
      parseLog(
        'a.log',
        'iter 0: loss 4.2000, time 100.00ms, mfu -100.00%\niter 10: loss 3.2000, time 45.23ms, mfu 12.34%\n',
      )[0],
    );
    expect(Array.from(iters.train!.steps)).toEqual([0, 10]);
    expect(iters.val).toBeNull();
    const llmc = buildRun(
      parseLog('main.log', 's:0 tel:10.9956\ns:0 trl:11.0105\ns:1 trl:9.8123\ns:250 tel:5.5012\n')[0],
    );
    expect(Array.from(llmc.train!.values)).toEqual([11.0105, 9.8123]);
    expect(Array.from(llmc.val!.steps)).toEqual([0, 250]);
    const stdout =
      'step    1/74 | train loss 11.009956 | norm 15.7144 | lr 1.00e-04 | (1.17 ms | 438 tok/s)\nval loss 10.9012\nstep    2/74 | train loss 9.8 | norm 9.1 | lr 2.00e-04 | (1.1 ms | 440 tok/s)\n';
    const r = buildRun(parseLog('llmc.txt', stdout)[0]);
    expect(Array.from(r.train!.steps)).toEqual([1, 2]);
    expect(Array.from(r.val!.steps)).toEqual([1]); // a val line takes the step printed before it
    expect(r.lr!.values[1]).toBe(2e-4);
  });

  it('JSON Lines: nested objects flatten to "a/b"; lines that are not objects are skipped and counted', () => {
    const [t] = parseLog(
      'm.jsonl',
      '{"step": 1, "train": {"loss": 3}}\nnot json\n{"step": 2, "train": {"loss": 2.5}}\n',
    );
    expect(t.columns.map((c) => c.name)).toEqual(['step', 'train/loss']);
    expect(t.notes.join(' ')).toMatch(/1 line that is not a JSON object skipped \(first at line 2\)/);
  });

  it('perplexity columns become nats with ln, on both curves', () => {
    const run = buildRun(parseLog('p.csv', 'step,train_ppl,val_perplexity\n0,1000,1100\n10,20.0855369,30\n')[0]);
    expect(run.train!.values[1]).toBeCloseTo(3, 6); // e^3 = 20.0855369
    expect(run.val!.values[0]).toBeCloseTo(Math.log(1100), 12);
  });

  it('exports every point as tidy CSV', () => {
    const csv = runsToCsv(load(['messy.csv']), 0.5)
      .trim()
      .split('\n');
    expect(csv[0]).toBe('run,series,step,loss_nats,loss_smoothed_nats,perplexity');
    expect(csv).toContain('messy,train,600,nan,nan,nan');
    expect(csv.length).toBe(1 + 9 + 7);
  });
});

describe('column names', () => {
  const cases: [string, string | null][] = [
    ['step', 'step'],
    ['iter', 'step'],
    ['global_step', 'step'],
    ['_step', 'step'],
    ['train/global_step', 'step'],
    ['Step', 'step'],
    ['epoch', 'epoch'],
    ['tokens', 'tokens'],
    ['num_input_tokens_seen', 'tokens'],
    ['tokens_per_sec', null],
    ['loss', 'train'],
    ['train_loss', 'train'],
    ['train/loss', 'train'],
    ['Train Loss', 'train'],
    ['trainLoss', 'train'],
    ['train', 'train'],
    ['val_loss', 'val'],
    ['val/loss', 'val'],
    ['eval_loss', 'val'],
    ['eval/loss', 'val'],
    ['validation_loss', 'val'],
    ['valid_loss', 'val'],
    ['val', 'val'],
    ['ppl', 'train_ppl'],
    ['train_perplexity', 'train_ppl'],
    ['val_ppl', 'val_ppl'],
    ['eval/perplexity', 'val_ppl'],
    ['lr', 'lr'],
    ['learning_rate', 'lr'],
    ['lr-AdamW', 'lr'],
    ['train/CrossEntropyLoss', 'train'],
    ['eval/v3-small-c4_en-validation/CrossEntropyLoss', 'val'],
    ['metrics/eval/LanguageCrossEntropy', 'val'],
    ['metrics/train/LanguageCrossEntropy', 'train'],
    ['val_sparse_categorical_crossentropy', 'val'],
    ['optim/learning_rate_group0', 'lr'],
    ['throughput/total_tokens', 'tokens'],
    ['throughput/device/tokens_per_second', null],
    ['optim/total_grad_norm', null],
    ['loss_scale', null],
    ['grad_norm', null],
    ['elapsed_s', null],
    ['eval_steps_per_second', null],
    ['bleu', null],
  ];
  for (const [name, role] of cases) {
    it(`${JSON.stringify(name)} -> ${role}`, () => expect(recogniseColumn(name)?.role ?? null).toBe(role));
  }

  it('one column per role, the best name wins; unknown names are reported, known extras are not', () => {
    const { roles, unknown } = assignRoles([
      'epoch',
      'step',
      'train_loss_epoch',
      'train_loss_step',
      'val_loss',
      'test_loss',
      'wall_time',
      'foo',
    ]);
    expect(roles).toEqual(['epoch', 'step', 'ignore', 'train', 'val', 'ignore', 'ignore', 'ignore']);
    expect(unknown).toEqual(['foo']);
  });
});

describe('bad input: a clear message, nothing lost', () => {
  it('an empty file', () => {
    expect(() => parseLog('empty.csv', read('empty.csv'))).toThrow(
      new LogParseError('empty.csv is empty: there is nothing to plot.'),
    );
    expect(() => parseLog('blank.txt', ' \n\n\t\n')).toThrow(/is empty/);
  });

  it('a header and no rows; numbers without a header; nothing that looks like a log', () => {
    expect(() => parseLog('h.csv', 'step,train_loss\n')).toThrow(/no data rows/);
    expect(() => parseLog('n.csv', '0,5.1,5.2\n10,4.3,4.4\n')).toThrow(/holds numbers, not column names/);
    expect(() => parseLog('poem.txt', 'Call me Ishmael.\nSome years ago.\n')).toThrow(/no training log found/);
    expect(() => parseLog('x.json', '{"a": 1,\n "b": 2}')).toThrow(/without "log_history"/);
    expect(() => parseLog('events.out.tfevents.123', 'x\u0000\u0000y')).toThrow(/binary/);
  });

  it('unknown columns: a table without a loss asks for a mapping, and the mapping is honoured', () => {
    const [t] = parseLog('mine.csv', 't,objective,heldout_objective\n0,5,5.1\n1,4,4.2\n2,3,3.3\n');
    expect(t.unknown).toEqual(['t', 'objective', 'heldout_objective']);
    expect(() => buildRun(t)).toThrow(/no column is recognised as a loss/);
    const run = buildRun(t, ['step', 'train', 'val']);
    expect(Array.from(run.val!.values)).toEqual([5.1, 4.2, 3.3]);
    expect(run.xLabel).toBe('step');
  });

  it('non-numeric cells, NaN and Inf, unsorted and repeated steps: kept or repaired, and said', () => {
    const run = buildRun(parseLog('messy.csv', read('messy.csv'))[0]);
    // sorted, the last value of a repeated step (the restart's) kept
    expect(Array.from(run.train!.steps)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800]);
    expect(run.train!.values[3]).toBe(3.3);
    expect(run.train!.values[4]).toBe(3.18);
    expect(run.train!.values[6]).toBeNaN();
    expect(run.train!.values[7]).toBe(Infinity);
    // "oops" is skipped, an empty cell is no value
    expect(Array.from(run.val!.steps)).toEqual([0, 100, 300, 400, 500, 700, 800]);
    expect(run.notes.join('\n')).toMatch(/"oops" at line 5/);
    const kinds = diagnose(run).map((f) => f.kind);
    expect(kinds).toContain('nan');
  });

  it('tensor(...) cells, a byte-order mark, CRLF line ends, quoted headers and semicolons', () => {
    const run = buildRun(parseLog('w.csv', '\uFEFF"step";"train loss"\r\n0;tensor(3.5)\r\n1;"3,2"\r\n2;3.1\r\n')[0]);
    expect(Array.from(run.train!.steps)).toEqual([0, 2]);
    expect(run.train!.values[0]).toBe(3.5);
    expect(run.notes.join(' ')).toMatch(/not a number/); // "3,2" (a decimal comma) is not silently misread
  });

  it('a million rows: read in one pass, every row kept, diagnosed', () => {
    const n = 1_000_000;
    const parts: string[] = ['step,train_loss,val_loss'];
    for (let i = 0; i < n; i++) {
      const loss = 2 + 3 / (1 + i / 5000) + ((i * 7919) % 101) / 5000;
      parts.push(i % 5000 === 0 ? `${i},${loss.toFixed(5)},${(loss + 0.05).toFixed(5)}` : `${i},${loss.toFixed(5)},`);
    }
    parts.push(`1000000,inf,`);
    const text = parts.join('\n');
    const [t] = parseLog('big.csv', text);
    expect(t.rows).toBe(n + 1);
    const run = buildRun(t);
    expect(run.train!.steps.length).toBe(n + 1);
    expect(run.val!.steps.length).toBe(200);
    expect(run.train!.values[n]).toBe(Infinity);
    expect(run.train!.steps[n - 1]).toBe(n - 1);
    const findings = diagnose(run);
    expect(findings.map((f) => f.kind)).toEqual(['nan']);
  });
});

describe('text formats seen in other repositories', () => {
  const one = (name: string, text: string) => {
    const tables = parseLog(name, text);
    expect(tables.length).toBe(1);
    return { table: tables[0], run: buildRun(tables[0]) };
  };

  it('epoch-counted lines ("Epoch 3/100 - Train Loss: 2.1, Val Loss: 2.4"); a repeat of a value joins its epoch', () => {
    const text = [
      'Loading data...',
      'Epoch 1/3 - Train Loss: 4.0520, Val Loss: 3.2508',
      '  saved best model (val_loss=3.2508)',
      'Epoch 2/3 - Train Loss: 3.1246, Val Loss: 2.8442',
      'Epoch 3/3 - Train Loss: 2.7992, Val Loss: 2.9953',
    ].join('\n');
    const { table, run } = one('train.log', text);
    expect(table.format).toBe('text');
    expect(run.xLabel).toBe('epoch');
    expect(Array.from(run.train!.steps)).toEqual([1, 2, 3]);
    expect(Array.from(run.val!.values)).toEqual([3.2508, 2.8442, 2.9953]);
    // the repeat is not a "step logged more than once"
    expect(run.notes.join('\n')).not.toMatch(/more than once/);
  });

  it('Keras fit() output: the epoch line, then the metrics line with no counter of its own', () => {
    const epoch = (e: number, loss: number, val: number) =>
      `Epoch ${e}/3\n100/100 [==============================] - 1s 10ms/step - loss: ${loss} - accuracy: 0.70 - val_loss: ${val} - val_accuracy: 0.70`;
    const { run } = one('keras.log', [epoch(1, 0.6931, 0.68), epoch(2, 0.5, 0.55), epoch(3, 0.4, 0.52)].join('\n'));
    expect(run.xLabel).toBe('epoch');
    expect(Array.from(run.train!.values)).toEqual([0.6931, 0.5, 0.4]);
    expect(Array.from(run.val!.values)).toEqual([0.68, 0.55, 0.52]);
  });

  it('batch-counted lines ("ep: 0, batch: 20, ... loss: 10.98"): batches are the steps, counted across epochs', () => {
    const text = [0, 1]
      .flatMap((ep) =>
        [20, 40, 60].map(
          (b) => `ep: ${ep}, batch: ${b}, time: 8.5, ntokens: 485.20/513, loss: ${(10 - ep - b / 100).toFixed(4)}`,
        ),
      )
      .join('\n');
    const { run } = one('train.log', text);
    expect(run.xLabel).toBe('step');
    expect(Array.from(run.train!.steps)).toEqual([20, 40, 60, 80, 100, 120]);
    expect(run.train!.values[3]).toBeCloseTo(8.8, 9);
    expect(run.notes.join('\n')).toMatch(/batch counter restarts 1 time/);
  });

  it('lines with a loss and no counter before them are named in a note', () => {
    const text =
      'config: lr=3e-4, dropout=0.1\nval_loss = 0.0\nstep 10: loss 3.2\nstep 20: loss 3.1\nstep 30: loss 3.0\n';
    const { run } = one('log.txt', text);
    expect(run.train!.steps.length).toBe(3);
    expect(run.notes.join('\n')).toMatch(
      /2 lines had a loss or learning rate but no step, epoch or batch counter.*line 1 \("config: lr=3e-4.*line 2 \("val_loss = 0\.0"\)/,
    );
  });

  it('a log whose lines have losses and never a counter says so, naming the lines', () => {
    expect(() => parseLog('out.txt', 'starting\nloss: 2.31\nloss: 2.20\nval loss: 2.4\n')).toThrow(
      /out\.txt: 3 lines had a loss or learning rate but no step, epoch or batch counter.*line 2 \("loss: 2\.31"\)/,
    );
  });

  it('llm.c main.log: the learning rate and gradient norm on training lines; HellaSwag "eval:" lines are not a loss', () => {
    const text =
      's:0 tel:11.0095\ns:0 trl:11.0116 lr:0.000001 norm:14.96\ns:1 trl:10.9586 lr:0.000002 norm:15.18\ns:250 tel:6.1565\ns:250 eval:0.2437\n';
    const { run } = one('main.log', text);
    expect(Array.from(run.lr!.values)).toEqual([0.000001, 0.000002]);
    expect(Array.from(run.val!.values)).toEqual([11.0095, 6.1565]);
  });

  it("OLMo's key=value records, with thousands separators", () => {
    const rec = (s: number, ce: number) =>
      `2025-12-12 11:05:02.009\thost:0\tolmo.train:979\tINFO\t[step=${s}/15000,epoch=0]\n    optim/total_grad_norm=0.2370\n    optim/learning_rate_group0=0.0004\n    train/CrossEntropyLoss=${ce}\n    train/Perplexity=${Math.exp(ce).toFixed(2)}\n    throughput/total_tokens=${(s * 2097152).toLocaleString('en-US')}\n    System/Peak GPU Memory (MB)=111,477`;
    const text = [
      'W1212 torch/distributed/run.py:803] *****',
      'TrainConfig(run_name=x, loss=1)',
      rec(1, 2.998),
      rec(2, 2.919),
      rec(3, 3.022),
      'Traceback (most recent call last):',
    ].join('\n');
    const { table, run } = one('training.log', text);
    expect(table.format).toBe('key-value');
    expect(Array.from(run.train!.steps)).toEqual([1, 2, 3]);
    expect(Array.from(run.train!.values)).toEqual([2.998, 2.919, 3.022]);
    expect(Array.from(run.tokens!.values)).toEqual([2097152, 4194304, 6291456]);
    expect(run.lr!.values[0]).toBe(0.0004);
  });

  it("Composer's console records ([epoch=1][batch=16/16]: then key: value lines)", () => {
    const text = [1, 2, 3]
      .map(
        (b) =>
          `[epoch=1][batch=${b}/16]:\n\t Train time/batch: ${b}\n\t Train loss/train/total: ${(3 - b / 10).toFixed(2)}\n\t Train trainer/device_train_microbatch_size: 8`,
      )
      .join('\n');
    const { table, run } = one('composer.log', text);
    expect(table.format).toBe('key-value');
    expect(Array.from(run.train!.steps)).toEqual([1, 2, 3]);
    expect(Array.from(run.train!.values)).toEqual([2.9, 2.8, 2.7]);
  });

  it('W&B run-history exports (CSV and JSON) keyed by _step', () => {
    const csv = one(
      'history.csv',
      '_step,_runtime,train/loss,eval/loss,train/learning_rate\n0,1.2,5.1,,0.001\n10,2.3,4.2,4.4,0.001\n20,3.1,3.9,,0.0009\n',
    );
    expect(csv.table.format).toBe('wandb-history');
    expect(Array.from(csv.run.val!.steps)).toEqual([10]);
    expect(csv.run.lr!.values.length).toBe(3);
    const json = one(
      'history.json',
      JSON.stringify([
        { _step: 0, 'train/loss': 5.1 },
        { _step: 10, 'train/loss': 4.2, 'eval/loss': 4.4 },
      ]),
    );
    expect(json.table.format).toBe('wandb-history');
    expect(Array.from(json.run.train!.values)).toEqual([5.1, 4.2]);
  });

  it('Hugging Face: an empty log_history says why; null and non-object entries are counted, not silently dropped', () => {
    expect(() =>
      parseLog('trainer_state.json', JSON.stringify({ log_history: [], global_step: 3, logging_steps: 10 })),
    ).toThrow(/log_history is empty \(the run took 3 steps and the Trainer logs every logging_steps = 10 steps/);
    const { run } = one(
      'trainer_state.json',
      JSON.stringify({ log_history: [null, { step: 10, loss: 2.5 }, 'x', { step: 20, loss: 2.4 }] }),
    );
    expect(run.train!.steps.length).toBe(2);
    expect(run.notes.join('\n')).toMatch(/2 log_history entries are null or not an object \(first: entry 1\)/);
    expect(() => parseLog('trainer_state.json', JSON.stringify({ log_history: [null, 7] }))).toThrow(
      /2 entries are null or not an object/,
    );
  });

  it('TensorBoard exports of one run, one tag per file, join into one run; two train tags stay two runs', () => {
    const tb = (v: number) => `Wall time,Step,Value\n1700000000,100,${v}\n1700000010,200,${v - 0.5}\n`;
    const runs = mergeRuns(
      parseLogs([
        { name: 'train_loss.csv', text: tb(5) },
        { name: 'val_loss.csv', text: tb(5.2) },
      ]).map((t) => buildRun(t)),
    );
    expect(runs.length).toBe(1);
    expect(runs[0].train!.values[0]).toBe(5);
    expect(runs[0].val!.values[0]).toBe(5.2);
    expect(runs[0].name).toBe('train_loss + val_loss');
    const inFolder = mergeRuns(
      parseLogs([
        { name: 'exp1/train_loss.csv', text: tb(5) },
        { name: 'exp1/eval_loss.csv', text: tb(5.2) },
      ]).map((t) => buildRun(t)),
    );
    expect(inFolder.map((r) => r.name)).toEqual(['exp1']);
    const two = mergeRuns(
      parseLogs([
        { name: 'a/train_loss.csv', text: tb(5) },
        { name: 'b/train_loss.csv', text: tb(4) },
      ]).map((t) => buildRun(t)),
    );
    expect(two.length).toBe(2);
  });
});
