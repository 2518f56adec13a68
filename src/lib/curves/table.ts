/**
 * A growable numeric table, filled one row at a time (so that a million-row log is read in one pass
 * without an array of row objects), and the one cell parser every format uses.
 */
import type { TableColumn } from './types';

/** What a cell held. */
export const CellKind = {
  Number: 0,
  /** Empty, or a conventional "no value": "", "null", "None", "NA", "-". */
  Missing: 1,
  /** A logged NaN: "nan", "NaN". */
  NaN: 2,
  /** Text that is not a number. */
  Text: 3,
} as const;
export type CellKind = (typeof CellKind)[keyof typeof CellKind];

const MISSING = new Set(['', 'null', 'none', 'na', 'n/a', '-', 'undefined']);
const NAN = new Set(['nan', '-nan', '+nan']);
const POS_INF = new Set(['inf', '+inf', 'infinity', '+infinity']);
const NEG_INF = new Set(['-inf', '-infinity']);

/** The number a cell holds, into `out.value`, and what kind of cell it was. Reuses one object: no garbage. */
export function parseCell(text: string, out: { value: number }): CellKind {
  // the fast path: nearly every cell of a real log is a plain number
  if (text.length === 0) {
    out.value = NaN;
    return CellKind.Missing;
  }
  const fast = +text;
  // +'' and +' ' are 0 too, so a zero needs a second look
  if (fast === fast && (fast !== 0 || text.trim() !== '')) {
    out.value = fast;
    return CellKind.Number;
  }
  let t = text.trim().toLowerCase();
  if (t.startsWith('tensor(') && t.endsWith(')')) t = t.slice(7, -1).split(',')[0].trim(); // PyTorch's repr
  if (MISSING.has(t)) {
    out.value = NaN;
    return CellKind.Missing;
  }
  if (NAN.has(t)) {
    out.value = NaN;
    return CellKind.NaN;
  }
  if (POS_INF.has(t)) {
    out.value = Infinity;
    return CellKind.Number;
  }
  if (NEG_INF.has(t)) {
    out.value = -Infinity;
    return CellKind.Number;
  }
  const v = +t;
  if (t !== '' && v === v) {
    out.value = v;
    return CellKind.Number;
  }
  out.value = NaN;
  return CellKind.Text;
}

/** Columns that grow with rows; a column first seen at row r reads NaN for the rows before it. */
export class TableBuilder {
  private cols: {
    name: string;
    data: Float64Array;
    nanRows: number[];
    nonNumeric: number;
    first: { row: number; text: string } | null;
  }[] = [];
  private byName = new Map<string, number>();
  private capacity = 1024;
  rows = 0;
  private readonly cell = { value: 0 };

  constructor(names: string[] = []) {
    for (const n of names) this.column(n);
  }

  /** The index of a column, added (all NaN so far) if new. Names are made unique. */
  column(name: string): number {
    const known = this.byName.get(name);
    if (known !== undefined) return known;
    const data = new Float64Array(this.capacity).fill(NaN);
    this.cols.push({ name, data, nanRows: [], nonNumeric: 0, first: null });
    this.byName.set(name, this.cols.length - 1);
    return this.cols.length - 1;
  }

  /** Begin a new row (every cell NaN until set). */
  addRow(): number {
    if (this.rows === this.capacity) {
      this.capacity *= 2;
      for (const c of this.cols) {
        const next = new Float64Array(this.capacity).fill(NaN, this.rows);
        next.set(c.data.subarray(0, this.rows));
        c.data = next;
      }
    }
    return this.rows++;
  }

  /** Set the current row's cell from text. `line` is the file's line number for messages. */
  setText(col: number, text: string, line: number): void {
    const c = this.cols[col];
    const row = this.rows - 1;
    switch (parseCell(text, this.cell)) {
      case CellKind.Number:
        c.data[row] = this.cell.value;
        break;
      case CellKind.NaN:
        c.nanRows.push(row);
        break;
      case CellKind.Text:
        c.nonNumeric++;
        c.first ??= { row: line, text: text.length > 24 ? text.slice(0, 24) + '…' : text };
        break;
      case CellKind.Missing:
        break;
    }
  }

  /** Set the current row's cell from a JSON value (number, numeric string, null, "NaN"). */
  setValue(col: number, value: unknown, line: number): void {
    if (typeof value === 'number') {
      if (value === value) this.cols[col].data[this.rows - 1] = value;
      else this.cols[col].nanRows.push(this.rows - 1);
    } else if (typeof value === 'string') this.setText(col, value, line);
    else if (typeof value === 'boolean' || value === null || value === undefined) return;
    else this.setText(col, String(value), line);
  }

  /** Drop the current row (a line that turned out to hold nothing). */
  dropRow(): void {
    const row = --this.rows;
    for (const c of this.cols) {
      c.data[row] = NaN;
      if (c.nanRows.at(-1) === row) c.nanRows.pop();
    }
  }

  get columnCount(): number {
    return this.cols.length;
  }

  build(): TableColumn[] {
    return this.cols.map((c) => ({
      name: c.name,
      values: c.data.slice(0, this.rows),
      nanRows: c.nanRows,
      nonNumeric: c.nonNumeric,
      firstNonNumeric: c.first,
    }));
  }
}
