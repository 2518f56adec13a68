/**
 * Issue 17, security: every CSV export guards its free-text labels against formula injection with one
 * shared guard; a hub revision cannot leave resolve/<rev>/.
 */
import { describe, expect, it } from 'vitest';
import { guardFormula } from '../../src/lib/csv-guard';
import { runsToCsv } from '../../src/lib/curves/export';
import type { Run } from '../../src/lib/curves/types';
import { csvParseRows as parseCsv } from 'd3-dsv';
import { safeName } from '../../src/lib/shannon/csv';
import { checkRevision, hubPrefix, resolveModelLocation } from '../../src/lib/models/hub';

const FORMULAS = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'];

function run(id: string): Run {
  const series = { steps: Float64Array.of(1, 2), values: Float64Array.of(2.5, 2.25) };
  return {
    id,
    name: id,
    sources: [],
    format: 'csv',
    xLabel: 'step',
    train: series,
    val: null,
    lr: null,
    tokens: null,
    notes: [],
  } as Run;
}

describe('CSV formula guard', () => {
  it('prefixes labels a spreadsheet would run, and leaves others alone', () => {
    for (const f of FORMULAS) expect(guardFormula(f)).toBe(`'${f}`);
    for (const ok of ['run-1', 'a=b', ' =x', '', "'=already"]) expect(guardFormula(ok)).toBe(ok);
  });

  it('the training-curve export writes a run named =... as text, not a live formula', () => {
    // the input: a log file or column named as a formula
    for (const f of FORMULAS) {
      const rows = parseCsv(runsToCsv([run(f)]));
      expect(rows[1][0], JSON.stringify(f)).toBe(`'${f}`);
      expect(rows[1].slice(1, 4)).toEqual(['train', '1', '2.5']);
    }
  });

  it('the guessing game uses the same guard', () => {
    for (const f of FORMULAS) expect(safeName(f)).toBe(guardFormula(f));
  });
});

describe('hub revisions', () => {
  it('refuses . and .. as revision segments (they would leave resolve/<rev>/)', () => {
    for (const rev of ['..', '.', '%2e%2e', '%2E.', 'refs/../x', 'a//b', 'refs/pr/.']) {
      expect(() => checkRevision(rev), rev).toThrow(/is not a branch, tag or commit/);
      expect(() => resolveModelLocation(`owner/name@${rev}`), rev).toThrow(/is not a branch, tag or commit/);
    }
    // the input: a prefix outside resolve/<rev>/
    expect(() => hubPrefix('owner/name', '..')).toThrow();
  });

  it('keeps every real revision inside resolve/<rev>/', () => {
    for (const rev of ['main', 'v1.0', 'refs/pr/1', 'a1b2c3d', '..x', 'x..', 'release.2']) {
      const prefix = hubPrefix('owner/name', rev);
      expect(new URL('model.onnx', prefix).pathname, rev).toMatch(/^\/owner\/name\/resolve\/[^/]+\/model\.onnx$/);
    }
  });
});
