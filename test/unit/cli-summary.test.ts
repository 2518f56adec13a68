import { describe, expect, it } from 'vitest';
import { formatSummary, shown, WorstTokens } from '../../cli/score-summary';
import { computeTotals } from '../../src/lib/scoring/totals';
import type { TokenRecord } from '../../src/lib/scoring/types';

const token = (index: number, text: string, logprob: number): TokenRecord => ({
  index,
  id: index,
  text,
  start: index,
  end: index + 1,
  scored: true,
  logprob,
  rank: 1,
  entropy: 1,
  top: [{ id: 0, text: '\u009b31m', logprob: -0.1 }],
});

describe('the CLI summary', () => {
  it('escapes DEL, C1 controls and bidi overrides: nothing raw reaches the terminal', () => {
    // the input: token texts holding DEL and CSI (U+009B, an escape sequence on some terminals)
    const tokens = [
      token(0, '\u007f', -5),
      token(1, '\u009b2J', -4),
      token(2, 'a\u202eb', -3),
      token(3, '\u001b[31m', -2),
    ];
    const text = tokens.map((t) => t.text).join('');
    const summary = formatSummary({
      model: 'm',
      n_ctx: 8,
      stride: 4,
      backend: 'node',
      totals: computeTotals(tokens, text),
      tokens,
    });
    // eslint-disable-next-line no-control-regex
    expect(summary).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(summary).toContain('"\\u007f"');
    expect(summary).toContain('"\\u009b2J"');
    expect(summary).toContain('"a\\u202eb"');
    expect(summary).toContain('"\\u001b[31m"');
    expect(shown('plain "text"\n')).toBe('"plain \\"text\\"\\n"');
  });

  it('keeps the most surprising tokens without holding them all', () => {
    const worst = new WorstTokens(3);
    const lps = [-1, -7, -3, -7, -0.5, -9, -2];
    lps.forEach((lp, i) => worst.add(token(i, 'x', lp)));
    expect(worst.tokens.map((t) => t.index)).toEqual([5, 1, 3]);
  });
});
