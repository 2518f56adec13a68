/**
 * The one CSV writer (src/lib/csv.ts, on d3-dsv): RFC 4180 quoting, edge spaces kept, and every tricky
 * field read back exactly by an independent RFC 4180 reader (d3-dsv's parser).
 */
import { csvParseRows } from 'd3-dsv';
import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../../src/lib/csv';

const TRICKY = ['plain', 'a,b', 'say "hi"', ' ', ' the', 'end ', 'line\nbreak', 'cr\r\nlf', '', '=1', 'é👩‍🔬', '"'];

describe('CSV out', () => {
  it('quotes exactly the fields that need it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(' the')).toBe('" the"');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(-0.5)).toBe('-0.5');
    expect(csvField(true)).toBe('true');
  });

  it('writes a header and rows with the line end asked for', () => {
    expect(toCsv(['a', 'b'], [[1, 'x,y']])).toBe('a,b\r\n1,"x,y"\r\n');
    expect(toCsv(['a'], [[null], [2]], '\n')).toBe('a\n\n2\n');
  });

  it('reads back field for field', () => {
    const rows = TRICKY.map((s, i) => [i, s]);
    const back = csvParseRows(toCsv(['i', 's'], rows));
    expect(back).toEqual([['i', 's'], ...rows.map(([i, s]) => [String(i), s])]);
  });
});
