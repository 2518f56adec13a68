/**
 * Read a training log into tables, whatever tool wrote it. One entry point, `parseLog`, sniffs the
 * layout and dispatches to one reader per format; anything it cannot read throws a `LogParseError`
 * whose message names the file and says what was expected.
 *
 * Readers walk the text into growable typed columns (table.ts), so a million-row CSV is one pass with
 * no per-row objects kept: delimited tables through d3-dsv's row parser (as fast as a hand-written
 * split, and right about quoted line breaks), text logs line by line.
 */
import { dsvFormat } from 'd3-dsv';
import { assignRoles } from './columns';
import { formatPlural as plural } from '../format';
import { TableBuilder } from './table';
import type { ColumnRole, LogFormat, LogTable } from './types';

export class LogParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogParseError';
  }
}

/** Call `fn` for each line (without its line break) and its 1-based number; stop when it returns false. */
export function forEachLine(text: string, fn: (line: string, lineNo: number) => boolean | void): void {
  let start = 0;
  let lineNo = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop--; // \r\n
    lineNo++;
    if (fn(text.slice(start, stop), lineNo) === false) return;
    start = end + 1;
  }
}

/**
 * The fields of one delimited line (RFC 4180 quotes: "a, b", and "" inside quotes).
 * @example splitDelimited('1,"a, b",3', ',') // ['1', 'a, b', '3']
 */
export function splitDelimited(line: string, delim: string): string[] {
  return dsvFormat(delim).parseRows(line)[0] ?? [''];
}

/** File names that say nothing about the run: the folder they sit in names it instead. */
const GENERIC_NAMES =
  /^(training_log|train_log|metrics|log|logs|train|trainer_state|progress|history|main|output|stdout|results)$/i;

/**
 * A run name from a file name: "logs/run-7.csv" -> "run-7"; "tiny-byte/training_log.csv" -> "tiny-byte".
 * @example baseName('out/gpt2/metrics.csv') // 'gpt2'
 */
export function baseName(file: string): string {
  const parts = file.split(/[\\/]/).filter(Boolean);
  const stem = (parts.at(-1) ?? file).replace(/\.(csv|tsv|txt|log|jsonl?|ndjson)$/i, '') || file;
  return GENERIC_NAMES.test(stem) && parts.length > 1 ? parts[parts.length - 2] : stem;
}

function table(
  source: string,
  format: LogFormat,
  runName: string,
  b: TableBuilder,
  notes: string[],
  roles?: ColumnRole[],
): LogTable {
  const columns = b.build();
  const assigned = assignRoles(columns.map((c) => c.name));
  return {
    source,
    format,
    runName,
    rows: b.rows,
    columns,
    roles: roles ?? assigned.roles,
    unknown: roles ? [] : assigned.unknown,
    notes,
  };
}

function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((raw, i) => {
    const name = raw.trim() || `column ${i + 1}`;
    const k = (seen.get(name) ?? 0) + 1;
    seen.set(name, k);
    return k === 1 ? name : `${name} (${k})`;
  });
}

// ---------------------------------------------------------------------------------------------------
// CSV / TSV, with the TensorBoard and Weights & Biases exports recognised by their headers

/** The delimiter a header line uses: the most frequent of tab, comma and semicolon (outside quotes). */
function sniffDelimiter(header: string): string | null {
  const unquoted = header.replace(/"[^"]*"/g, '');
  let best: string | null = null;
  let count = 0;
  for (const d of ['\t', ',', ';']) {
    const k = unquoted.split(d).length - 1;
    if (k > count) {
      best = d;
      count = k;
    }
  }
  return best;
}

/** "vivid-sun-3 - train/loss__MIN" -> run, metric and bound: how W&B names the columns of a chart export. */
const WANDB_COLUMN = /^(.+) - (.+?)(__MIN|__MAX)?$/;

/** Where line `lineNo` (1-based) starts in `text`. */
function lineOffset(text: string, lineNo: number): number {
  let at = 0;
  for (let i = 1; i < lineNo && at >= 0; i++) {
    at = text.indexOf('\n', at);
    if (at >= 0) at++;
  }
  return Math.max(0, at);
}

function parseDelimited(source: string, text: string, headerLine: string, headerNo: number, delim: string): LogTable[] {
  const header = splitDelimited(headerLine, delim);
  const names = uniqueNames(header.map((s) => s.trim()));
  const lower = names.map((n) => n.toLowerCase());
  const isTensorBoard = names.length === 3 && lower[0] === 'wall time' && lower[1] === 'step' && lower[2] === 'value';
  const isWandb = names.length >= 2 && names.slice(1).every((n) => WANDB_COLUMN.test(n));
  const b = new TableBuilder(names);
  const notes: string[] = [];
  let repeatedHeaders = 0;
  let ragged = 0;
  let textLines = 0;
  const width = names.length;
  const sameAsHeader = (fields: string[]) => fields.length === width && fields.every((f, c) => f === header[c]);
  // row i of the text from the header on is line headerNo + i (a quoted line break aside); no row is kept
  dsvFormat(delim).parseRows(text.slice(lineOffset(text, headerNo)), (fields, i) => {
    const lineNo = headerNo + i;
    if (i === 0) return null;
    const first = fields[0];
    if ((fields.length === 1 && first === '') || first.charCodeAt(0) === 35 /* # */) return null;
    if (sameAsHeader(fields)) {
      repeatedHeaders++; // logs of a resumed run appended to the same file
      return null;
    }
    if (fields.length === 1 && width > 1) {
      if (first.trim()) textLines++;
      return null;
    }
    if (fields.length !== width) ragged++;
    b.addRow();
    const k = Math.min(width, fields.length);
    for (let c = 0; c < k; c++) b.setText(c, fields[c], lineNo);
    return null;
  });
  if (repeatedHeaders)
    notes.push(
      `The header line appears ${plural(repeatedHeaders + 1, 'time')} (logs appended after a restart?): the repeats were skipped.`,
    );
  if (ragged)
    notes.push(
      `${plural(ragged, 'row')} had a different number of cells than the header; missing cells read as empty.`,
    );
  if (textLines) notes.push(`${plural(textLines, 'line')} without a ${delim === '\t' ? 'tab' : `"${delim}"`} skipped.`);
  if (b.rows === 0)
    throw new LogParseError(`${source}: the header names ${plural(width, 'column')} but no data rows follow.`);

  if (isTensorBoard) {
    // TensorBoard's "download CSV": one file per scalar tag, named run-<run>-tag-<tag>.csv
    const m = /^run[-_](.*?)-tag-(.+)$/.exec(baseName(source));
    const tag = m ? m[2] : baseName(source);
    const runName = m ? m[1] || baseName(source) : baseName(source);
    const columns = b.build();
    columns[2].name = tag;
    const assigned = assignRoles([columns[2].name]);
    const roles: ColumnRole[] = ['ignore', 'step', assigned.roles[0]];
    return [
      {
        source,
        format: 'tensorboard-csv',
        runName,
        rows: b.rows,
        columns,
        roles,
        unknown: assigned.roles[0] === 'ignore' ? [tag] : [],
        notes:
          assigned.roles[0] === 'ignore'
            ? [...notes, `The tag "${tag}" does not say whether it is the train or the validation loss: map it below.`]
            : notes,
      },
    ];
  }
  if (isWandb) {
    // W&B's chart "Export CSV": the x column, then "<run> - <metric>" and its __MIN/__MAX per run
    const columns = b.build();
    const byRun = new Map<string, number[]>();
    columns.forEach((c, i) => {
      if (i === 0) return;
      const m = WANDB_COLUMN.exec(c.name)!;
      if (!byRun.has(m[1])) byRun.set(m[1], []);
      byRun.get(m[1])!.push(i);
    });
    const out: LogTable[] = [];
    for (const [run, indices] of byRun) {
      const cols = [
        { ...columns[0] },
        ...indices.map((i) => ({
          ...columns[i],
          name: WANDB_COLUMN.exec(columns[i].name)![2] + (WANDB_COLUMN.exec(columns[i].name)![3] ?? ''),
        })),
      ];
      const assigned = assignRoles(cols.map((c) => c.name));
      // the first column is the chart's x axis whatever it is called ("Step", "train/global_step")
      const roles = assigned.roles.map((r, i) =>
        i === 0 ? (r === 'epoch' ? 'epoch' : 'step') : r === 'step' ? 'ignore' : r,
      );
      out.push({
        source,
        format: 'wandb-csv',
        runName: run,
        rows: b.rows,
        columns: cols,
        roles,
        unknown: assigned.unknown.filter((n) => n !== cols[0].name),
        notes: [...notes],
      });
    }
    return out;
  }
  return [wandbOr(table(source, delim === '\t' ? 'tsv' : 'csv', baseName(source), b, notes))];
}

// ---------------------------------------------------------------------------------------------------
// JSON: Hugging Face trainer_state.json, TensorBoard's JSON export, JSON Lines

/** Python's json writes NaN and Infinity bare, which JSON.parse rejects: quote them first. */
function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!/\b(NaN|Infinity)\b/.test(text)) throw e;
    return JSON.parse(text.replace(/([:,[]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g, '$1"$2"'));
  }
}

/** {"train": {"loss": 2}} -> {"train/loss": 2} */
function flatten(
  obj: Record<string, unknown>,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}/${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out[key] = v;
  }
  return out;
}

function rowsTable(
  source: string,
  format: LogFormat,
  runName: string,
  rows: Iterable<[Record<string, unknown>, number]>,
  notes: string[],
): LogTable {
  const b = new TableBuilder();
  for (const [row, lineNo] of rows) {
    b.addRow();
    for (const [k, v] of Object.entries(row)) b.setValue(b.column(k), v, lineNo);
  }
  if (b.rows === 0) throw new LogParseError(`${source}: no log entries found.`);
  return table(source, format, runName, b, notes);
}

interface TrainerState {
  log_history: unknown[];
  best_model_checkpoint?: unknown;
  global_step?: unknown;
  logging_steps?: unknown;
  eval_steps?: unknown;
}

function parseTrainerState(source: string, state: TrainerState): LogTable {
  const notes: string[] = [];
  let summaries = 0;
  let notObjects = 0;
  let firstNotObject = 0;
  if (state.log_history.length === 0) {
    const steps = typeof state.global_step === 'number' ? state.global_step : null;
    const every = typeof state.logging_steps === 'number' ? state.logging_steps : null;
    const why =
      steps !== null && every !== null && steps < every
        ? `the run took ${plural(steps, 'step')} and the Trainer logs every logging_steps = ${every} steps, so it never logged`
        : steps !== null
          ? `the Trainer logged nothing in ${plural(steps, 'step')}`
          : 'the Trainer logged nothing';
    throw new LogParseError(
      `${source}: its log_history is empty (${why}). Train with logging_steps smaller than the run (and eval_strategy="steps" for a validation loss), or load the trainer_state.json of the last checkpoint of a longer run.`,
    );
  }
  const entries = function* () {
    let i = 0;
    for (const e of state.log_history) {
      i++;
      if (!e || typeof e !== 'object' || Array.isArray(e)) {
        notObjects++;
        firstNotObject ||= i;
        continue;
      }
      // the last entry sums up the run: its train_loss is the mean over all steps, not a point of the curve
      if ('train_runtime' in e) {
        summaries++;
        continue;
      }
      yield [flatten(e as Record<string, unknown>), i] as [Record<string, unknown>, number];
    }
  };
  const checkpoint = typeof state.best_model_checkpoint === 'string' ? state.best_model_checkpoint : '';
  const runName = checkpoint
    ? checkpoint.replace(/[\\/]checkpoint-\d+[\\/]?$/, '').replace(/^.*[\\/]/, '') || baseName(source)
    : baseName(source);
  let t: LogTable;
  try {
    t = rowsTable(source, 'hf-trainer', runName, entries(), notes);
  } catch (e) {
    if (!(e instanceof LogParseError)) throw e;
    throw new LogParseError(
      `${source}: none of the ${plural(state.log_history.length, 'log_history entry', 'log_history entries')} holds a point of a curve` +
        (notObjects
          ? ` (${plural(notObjects, 'entry', 'entries')} ${notObjects === 1 ? 'is' : 'are'} null or not an object)`
          : ' (only the end-of-training summary)') +
        '.',
    );
  }
  if (summaries)
    notes.push(
      'The end-of-training summary entry (its train_loss is the mean over the whole run) is left out of the curve.',
    );
  if (notObjects)
    notes.push(
      `${plural(notObjects, 'log_history entry', 'log_history entries')} ${notObjects === 1 ? 'is' : 'are'} null or not an object (first: entry ${firstNotObject}): skipped.`,
    );
  // the Trainer's names: loss (train, every logging_steps), eval_loss (every eval_steps)
  const roles = t.columns.map((c): ColumnRole => {
    if (c.name === 'step') return 'step';
    if (c.name === 'epoch') return 'epoch';
    if (c.name === 'loss') return 'train';
    if (c.name === 'eval_loss') return 'val';
    if (c.name === 'learning_rate') return 'lr';
    if (c.name === 'num_input_tokens_seen') return 'tokens';
    return 'ignore';
  });
  return { ...t, roles, unknown: [] };
}

/** A W&B run-history export (`run.history()` to CSV or JSON) is a table keyed by `_step`: say so. */
function wandbOr(t: LogTable): LogTable {
  return t.columns.some((c) => c.name.trim() === '_step') ? { ...t, format: 'wandb-history' } : t;
}

function parseJsonLines(source: string, text: string): LogTable {
  let bad = 0;
  let firstBad = 0;
  const rows = function* () {
    const out: [Record<string, unknown>, number][] = [];
    forEachLine(text, (line, lineNo) => {
      const t = line.trim();
      if (!t) return;
      let v: unknown;
      try {
        v = parsePythonJson(t);
      } catch {
        v = undefined;
      }
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push([flatten(v as Record<string, unknown>), lineNo]);
      else {
        bad++;
        firstBad ||= lineNo;
      }
    });
    yield* out;
  };
  const notes: string[] = [];
  const t = rowsTable(source, 'jsonl', baseName(source), rows(), notes);
  if (bad)
    notes.push(
      `${plural(bad, 'line')} that ${bad === 1 ? 'is' : 'are'} not a JSON object skipped (first at line ${firstBad}).`,
    );
  return t;
}

// ---------------------------------------------------------------------------------------------------
// Plain text logs: nanoGPT ("step 500: train loss 2.1234, val loss 2.3456", "iter 10: loss 3.2000,
// time 45.23ms, mfu 12.34%"), llm.c ("step 1/74 | train loss 11.01 | lr 1e-4", "s:0 trl:10.9 lr:1e-4
// norm:1.2"), epoch- and batch-counted logs ("Epoch 3/100 - Train Loss: 2.1, Val Loss: 2.4",
// "ep: 0, batch: 20, ... loss: 10.98")

/** A counter on a line: step-like (step, iter), epoch, or batch; "3/100" reads as 3. */
const COUNTER_RE = /(?<![\w/])(global_step|iteration|iter|step|epoch|ep|batch)\s*[:=#]?\s*(\d+)(?![\w.])/gi;
const LLMC_RE = /^s:(\d+)\s+(trl|tel):(\S+)/;
/** The extra "key:value" pairs of an llm.c training line: its learning rate and gradient norm. */
const LLMC_EXTRA_RE = /\s(lr|norm):(\S+)/g;
const NUMBER = String.raw`-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|nan|[-+]?inf(?:inity)?`;
const METRIC_RE = new RegExp(
  String.raw`(?<![\w/])(train(?:ing)?[ _/]?loss|val(?:id(?:ation)?)?[ _/]?loss|eval[ _/]?loss|test[ _/]?loss|(?:train|val|eval)[ _/]?(?:ppl|perplexity)|ppl|perplexity|loss|lr|learning[ _]rate)\s*[:=]?\s*(${NUMBER})(?![\w.])`,
  'gi',
);

function metricName(raw: string): string {
  const n = raw.toLowerCase().replace(/[ _/]+/g, ' ');
  if (n === 'learning rate') return 'lr';
  if (n === 'training loss') return 'train loss';
  if (n === 'validation loss' || n === 'valid loss') return 'val loss';
  return n;
}

type CounterKind = 'step' | 'epoch' | 'batch';
const counterKind = (word: string): CounterKind => {
  const w = word.toLowerCase();
  return w === 'epoch' || w === 'ep' ? 'epoch' : w === 'batch' ? 'batch' : 'step';
};

/** "line 343 (val_loss_every : int = 125)": where a skipped line was, for a message. */
const quoteLine = (line: string, lineNo: number) => {
  const t = line.trim();
  return `line ${lineNo} ("${t.length > 48 ? t.slice(0, 48) + '…' : t}")`;
};

/**
 * A batch counter that restarts every epoch ("ep: 1, batch: 20" after "ep: 0, batch: 600") made
 * global: each restart adds the largest batch number seen in the epoch before. Returns how many restarts.
 */
function globaliseBatches(values: Float64Array): number {
  let offset = 0;
  let prev = -Infinity;
  let restarts = 0;
  let maxInEpoch = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    if (v < prev) {
      offset += maxInEpoch;
      maxInEpoch = 0;
      restarts++;
    }
    prev = v;
    maxInEpoch = Math.max(maxInEpoch, v);
    values[i] = v + offset;
  }
  return restarts;
}

function parseTextLog(source: string, text: string): LogTable | null {
  const b = new TableBuilder();
  const counterCol = { step: -1, epoch: -1, batch: -1 } as Record<CounterKind, number>;
  const col = (k: CounterKind) => (counterCol[k] >= 0 ? counterCol[k] : (counterCol[k] = b.column(k)));
  /** The last counters seen (on any line), carried to lines that have a loss and no counter. */
  let carried: Partial<Record<CounterKind, number>> | null = null;
  /** The current row's metric cells (text), when it was made from carried counters: a repeat merges. */
  let rowCells: Map<string, string> | null = null;
  const orphans: string[] = [];
  let orphanCount = 0;
  forEachLine(text, (line, lineNo) => {
    const llmc = LLMC_RE.exec(line);
    if (llmc) {
      b.addRow();
      b.setText(col('step'), llmc[1], lineNo);
      b.setText(b.column(llmc[2]), llmc[3], lineNo);
      if (llmc[2] === 'trl') {
        LLMC_EXTRA_RE.lastIndex = 0;
        for (let m = LLMC_EXTRA_RE.exec(line); m; m = LLMC_EXTRA_RE.exec(line))
          b.setText(b.column(m[1] === 'lr' ? 'lr' : 'grad norm'), m[2], lineNo);
      }
      carried = { step: Number(llmc[1]) };
      rowCells = null;
      return;
    }
    COUNTER_RE.lastIndex = 0;
    let own: Partial<Record<CounterKind, number>> | null = null;
    for (let c = COUNTER_RE.exec(line); c; c = COUNTER_RE.exec(line)) {
      own ??= {};
      own[counterKind(c[1])] ??= Number(c[2]);
    }
    METRIC_RE.lastIndex = 0;
    let m = METRIC_RE.exec(line);
    if (!m) {
      if (own) carried = own;
      return;
    }
    const counters = own ?? carried;
    if (!counters) {
      orphanCount++;
      if (orphans.length < 3) orphans.push(quoteLine(line, lineNo));
      return;
    }
    const metrics: [string, string][] = [];
    while (m) {
      metrics.push([metricName(m[1]), m[2]]);
      m = METRIC_RE.exec(line);
    }
    // a line that repeats a value of the line before under the same counters ("Epoch 3 - Val Loss:
    // 2.4" then "saved best model (val_loss=2.4)") joins that line's row
    const joins = !own && rowCells !== null && metrics.every(([k, v]) => !rowCells!.has(k) || rowCells!.get(k) === v);
    if (!joins) {
      b.addRow();
      for (const [k, v] of Object.entries(counters) as [CounterKind, number][]) b.setValue(col(k), v, lineNo);
      rowCells = new Map();
    }
    for (const [k, v] of metrics) {
      b.setText(b.column(k), v, lineNo);
      rowCells!.set(k, v);
    }
    carried = counters;
  });
  if (b.rows === 0 || (counterCol.step < 0 && counterCol.epoch < 0 && counterCol.batch < 0)) {
    // losses with no counter anywhere: say which lines, rather than "no training log found"
    if (orphanCount >= 2) {
      throw new LogParseError(
        `${source}: ${plural(orphanCount, 'line')} had a loss or learning rate but no step, epoch or batch counter, so none could be placed on an x axis: ` +
          `${orphans.join(', ')}${orphanCount > orphans.length ? ', …' : ''}. Log a counter on each line ("step 100: loss 2.31", "Epoch 3/10 - Train Loss: 2.1").`,
      );
    }
    return null;
  }
  const notes: string[] = [];
  if (orphanCount) {
    notes.push(
      `${plural(orphanCount, 'line')} had a loss or learning rate but no step, epoch or batch counter on or before ${orphanCount === 1 ? 'it' : 'them'}, so ${orphanCount === 1 ? 'it was' : 'they were'} skipped: ` +
        orphans.join(', ') +
        (orphanCount > orphans.length ? ', …' : '') +
        '.',
    );
  }
  const t = table(source, 'text', baseName(source), b, notes);
  if (counterCol.step < 0 && counterCol.batch >= 0) {
    // batches are the steps; a batch counter that restarts each epoch is made global
    const restarts = globaliseBatches(t.columns[counterCol.batch].values);
    if (restarts)
      notes.push(
        `The batch counter restarts ${plural(restarts, 'time')} (once per epoch): batches are counted across epochs.`,
      );
  }
  // nanoGPT logs both the loss of every iteration ("loss") and, at evaluations, an estimate over
  // several batches ("train loss"): plot the denser one as the train curve, keep the other mappable
  const iter = t.columns.findIndex((c) => c.name === 'loss');
  const est = t.columns.findIndex((c) => c.name === 'train loss');
  if (iter >= 0 && est >= 0) {
    const count = (i: number) =>
      t.columns[i].values.reduce((k, v) => k + (v === v ? 1 : 0), 0) + t.columns[i].nanRows.length;
    const [dense, sparse] = count(iter) >= count(est) ? [iter, est] : [est, iter];
    t.roles[dense] = 'train';
    t.roles[sparse] = 'ignore';
    notes.push(
      `Train curve: "${t.columns[dense].name}" (${count(dense)} values); "${t.columns[sparse].name}" (${count(sparse)} values) can be mapped instead.`,
    );
  }
  return t;
}

// ---------------------------------------------------------------------------------------------------
// key=value records: OLMo's console log ("[step=12/15000,epoch=0]" then indented "train/CrossEntropyLoss=2.998"
// lines) and Composer's ("[epoch=1][batch=16/16]:" then "Train loss/train/total: 2.30")

const RECORD_HEAD_RE = /\[(?:step|batch)=(\d+)(?:\/\d+)?[^\]]*\](?:\[(?:step|batch)=(\d+)(?:\/\d+)?[^\]]*\])?/;
const RECORD_FIELD_RE = /^\s+([A-Za-z][^=:]*?)\s*(?:=|:\s)\s*(-?[\d,]*\.?\d+(?:e[-+]?\d+)?|nan|-?inf)\s*$/i;

function parseKeyValueRecords(source: string, text: string): LogTable | null {
  const b = new TableBuilder(['step']);
  let inRecord = false;
  let fields = 0;
  forEachLine(text, (line, lineNo) => {
    const head = RECORD_HEAD_RE.exec(line);
    if (head) {
      if (inRecord && fields === 0) b.dropRow();
      b.addRow();
      b.setText(0, head[2] ?? head[1], lineNo);
      const epoch = /epoch=(\d+)/.exec(head[0]);
      if (epoch) b.setText(b.column('epoch'), epoch[1], lineNo);
      inRecord = true;
      fields = 0;
      return;
    }
    if (!inRecord) return;
    const f = RECORD_FIELD_RE.exec(line);
    if (!f) {
      inRecord = false;
      if (fields === 0) b.dropRow();
      return;
    }
    // OLMo writes thousands separators: "throughput/total_tokens=2,097,152"
    b.setText(b.column(f[1].trim()), f[2].replace(/,/g, ''), lineNo);
    fields++;
  });
  if (inRecord && fields === 0) b.dropRow();
  if (b.rows < 2 || b.columnCount < 2) return null;
  return table(source, 'key-value', baseName(source), b, []);
}

// ---------------------------------------------------------------------------------------------------

/**
 * Parse one log file into tables (one per run it holds), recognising the layout from its content and
 * name. Throws LogParseError with a message for the user when it cannot.
 * @example parseLog('run-gpt-tag-train_loss.csv', 'Wall time,Step,Value\n1700000000,0,10.9\n')
 */
export function parseLog(name: string, text: string): LogTable[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim().length === 0) throw new LogParseError(`${name} is empty: there is nothing to plot.`);
  if (text.indexOf('\u0000') >= 0 && text.indexOf('\u0000') < 4096) {
    throw new LogParseError(
      `${name} looks like a binary file, not a text log. TensorBoard event files (events.out.tfevents.*) are read as such when they are dropped or chosen on the Training curves page (./tfevents.ts).`,
    );
  }
  const head = text.trimStart();
  if (head[0] === '{' || head[0] === '[') {
    let whole: unknown;
    let parsed = false;
    try {
      whole = parsePythonJson(text);
      parsed = true;
    } catch {
      /* not one JSON document: JSON Lines? */
    }
    if (parsed) {
      if (
        whole &&
        typeof whole === 'object' &&
        !Array.isArray(whole) &&
        Array.isArray((whole as { log_history?: unknown }).log_history)
      ) {
        return [parseTrainerState(name, whole as TrainerState)];
      }
      if (Array.isArray(whole) && whole.length > 0 && whole.every((r) => Array.isArray(r) && r.length === 3)) {
        // TensorBoard's "download JSON": [[wall_time, step, value], ...]
        const m = /^run[-_](.*?)-tag-(.+)$/.exec(baseName(name));
        const tag = m ? m[2] : baseName(name);
        const b = new TableBuilder(['wall_time', 'step', tag]);
        (whole as unknown[][]).forEach((r, i) => {
          b.addRow();
          r.forEach((v, c) => b.setValue(c, v, i + 1));
        });
        const role = assignRoles([tag]).roles[0];
        return [
          {
            source: name,
            format: 'tensorboard-json',
            runName: m ? m[1] || baseName(name) : baseName(name),
            rows: b.rows,
            columns: b.build(),
            roles: ['ignore', 'step', role],
            unknown: role === 'ignore' ? [tag] : [],
            notes: [],
          },
        ];
      }
      if (Array.isArray(whole) && whole.every((r) => r && typeof r === 'object' && !Array.isArray(r))) {
        return [
          wandbOr(
            rowsTable(
              name,
              'jsonl',
              baseName(name),
              (whole as Record<string, unknown>[]).map(
                (r, i) => [flatten(r), i + 1] as [Record<string, unknown>, number],
              ),
              [],
            ),
          ),
        ];
      }
      if (whole && typeof whole === 'object' && !Array.isArray(whole) && !text.trim().includes('\n')) {
        return [wandbOr(parseJsonLines(name, text))];
      }
      if (whole && typeof whole === 'object' && !Array.isArray(whole)) {
        throw new LogParseError(
          `${name} is a JSON object without "log_history": not a layout this view knows. Expected a Hugging Face trainer_state.json, a TensorBoard JSON export ([[wall_time, step, value], ...]) or JSON Lines (one object per line).`,
        );
      }
    }
    if (head[0] === '{') return [wandbOr(parseJsonLines(name, text))];
  }

  // a delimited table: its header is the first line that is not blank or a # comment
  let headerLine = '';
  let headerNo = 0;
  forEachLine(text, (line, lineNo) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    headerLine = line;
    headerNo = lineNo;
    return false;
  });
  const delim = sniffDelimiter(headerLine);
  const fields = delim ? splitDelimited(headerLine, delim).map((f) => f.trim()) : [];
  // a header names its columns; a text log line such as "step 10: loss 2.3, time 40ms" or nanoGPT's
  // "Overriding: batch_size = 12, dataset = x" is not one
  const nameLike = (f: string) => f !== '' && Number.isNaN(Number(f)) && f.length <= 80 && !/=|:\s/.test(f);
  if (fields.length >= 2 && fields.every(nameLike) && !METRIC_LINE.test(headerLine)) {
    return parseDelimited(name, text, headerLine, headerNo, delim!);
  }
  const records = parseKeyValueRecords(name, text);
  if (records) return [records];
  const textTable = parseTextLog(name, text);
  if (textTable) return [textTable];
  if (fields.length >= 2 && fields.every((f) => f !== '' && !Number.isNaN(Number(f)))) {
    throw new LogParseError(
      `${name}: the first line (${JSON.stringify(headerLine.slice(0, 60))}) holds numbers, not column names. Add a header line such as "step,train_loss,val_loss".`,
    );
  }
  throw new LogParseError(
    `${name}: no training log found. Expected CSV or TSV with a header (step, train_loss, val_loss, ...), JSON Lines, a Hugging Face trainer_state.json, a TensorBoard or W&B CSV export, or text lines like "step 500: train loss 2.1234, val loss 2.3456".`,
  );
}

/** A line of a text log (has a step and a loss), told apart from a CSV header. */
const METRIC_LINE = /(?:step|iter|iteration|epoch|ep|batch)\s*[:=]?\s*\d+.*\bloss\b\s*[:=]?\s*-?[\d.]/i;

/** The folder part of a file name ("runs/a/train_loss.csv" -> "runs/a"), or "". */
const folderOf = (file: string) => file.split(/[\\/]/).slice(0, -1).join('/');

/**
 * Parse several files loaded together (a dropped folder, a multi-file pick) into tables, and give one
 * run name to TensorBoard scalar exports that are one run's tags: files named by their tag alone
 * ("train_loss.csv", "val_loss.csv", no "run-<run>-tag-" prefix) in one folder, whose tags are
 * different curves. `mergeRuns` then joins them into one run, so train and validation can be compared.
 * Throws the first file's LogParseError, as `parseLog` does.
 * @example parseLogs([{ name: 'train_loss.csv', text: a }, { name: 'val_loss.csv', text: b }]).map((t) => t.runName) // ['train_loss + val_loss', 'train_loss + val_loss']
 */
export function parseLogs(files: { name: string; text: string }[]): LogTable[] {
  return joinTagExports(files.flatMap((f) => parseLog(f.name, f.text)));
}

/**
 * Give one run name to the tables of TensorBoard scalar exports that are one run's tags (see
 * parseLogs), for a caller that parsed the files one by one. Returns the same tables.
 */
export function joinTagExports(tables: LogTable[]): LogTable[] {
  const tagOnly = (t: LogTable) => t.format.startsWith('tensorboard') && !/^run[-_].*-tag-/.test(baseName(t.source));
  const byFolder = new Map<string, LogTable[]>();
  for (const t of tables) {
    if (!tagOnly(t)) continue;
    const k = folderOf(t.source);
    if (!byFolder.has(k)) byFolder.set(k, []);
    byFolder.get(k)!.push(t);
  }
  for (const [folder, group] of byFolder) {
    if (group.length < 2) continue;
    const curves = group.map((t) => t.roles[2]);
    // one run's tags are different curves; two train losses are two runs
    if (curves.includes('ignore') || new Set(curves).size !== curves.length) continue;
    const name = folder ? folder.split('/').at(-1)! : group.map((t) => t.runName).join(' + ');
    for (const t of group) {
      t.runName = name;
      t.notes.push(
        `Read with ${group
          .filter((o) => o !== t)
          .map((o) => `"${o.source}"`)
          .join(', ')} as one run: TensorBoard exports one file per tag.`,
      );
    }
  }
  return tables;
}
