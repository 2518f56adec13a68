/**
 * CSV out, one way for every export: d3-dsv's RFC 4180 quoting (a field holding a comma, quote or line
 * break is quoted, quotes doubled), and quotes around a field with spaces at its edges as well, so that a
 * token " the" or a target " " comes back as it was from readers that trim. Free-text labels go through
 * `guardFormula` (csv-guard.ts) before they get here.
 */
import { csvFormatValue } from 'd3-dsv';

export type CsvCell = string | number | boolean | null | undefined;

/**
 * One field: null and undefined are an empty cell, numbers as `String` writes them.
 * @example csvField('a,b') // '"a,b"'; csvField(' ') // '" "'; csvField(0.5) // '0.5'
 */
export function csvField(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : csvFormatValue(s);
}

/**
 * A header and rows as one CSV text, each line ended by `eol` (the last one too).
 * @param eol - the line end. @defaultValue '\r\n' (RFC 4180)
 * @example toCsv(['a', 'b'], [[1, 'x,y']]) // 'a,b\r\n1,"x,y"\r\n'
 */
export function toCsv(header: readonly string[], rows: Iterable<readonly CsvCell[]>, eol = '\r\n'): string {
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return lines.join(eol) + eol;
}
