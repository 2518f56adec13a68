/**
 * The playground's pure logic (src/lib/playground): colour modes, share links, exports, the running
 * loss, presets and whitespace marks. Deterministic data, no DOM.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  COLOUR_MODES,
  legendFor,
  modeColour,
  modeValue,
  oneIn,
  rankBucket,
  textColourOn,
  MAX_BITS,
} from '../../src/lib/playground/colour-modes';
import { parseShareHash, shareHash } from '../../src/lib/playground/share-link';
import { csvParseRows as parseCsv } from 'd3-dsv';
import { CSV_COLUMNS, heatmapSvg, layoutHeatmap, resultToJson, tokensToCsv } from '../../src/lib/playground/export';
import { dotsPath, runningLoss } from '../../src/lib/playground/running-loss';
import { PRESETS, shuffleWords } from '../../src/lib/playground/presets';
import { splitWhitespace, visibleWhitespace } from '../../src/lib/playground/whitespace';
import type { ScoreResult, TokenRecord } from '../../src/lib/scoring/types';

const TRICKY = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'tricky-strings.json'), 'utf8'),
) as { strings: { name: string; text: string }[] };

/** Tokens of `text`, one per code point, with made-up but deterministic numbers. */
function fakeTokens(text: string): TokenRecord[] {
  const out: TokenRecord[] = [];
  let at = 0;
  [...text].forEach((ch, i) => {
    const logprob = -((i * 0.37) % 9) - 0.01;
    out.push({
      index: i,
      id: ch.codePointAt(0)!,
      text: ch,
      start: at,
      end: at + ch.length,
      scored: i > 0,
      logprob: i > 0 ? logprob : null,
      rank: i > 0 ? 1 + ((i * 7) % 300) : null,
      entropy: i > 0 ? 2.5 : null,
      top: i > 0 ? [{ id: 1, text: 'a,"b"\n', logprob: -0.5 }] : [],
    });
    at += ch.length;
  });
  return out;
}

/** WCAG contrast ratio of two sRGB colours given as rgb(...) or #hex. */
function contrast(a: string, b: string): number {
  const lum = (css: string) => {
    const m = css.startsWith('#')
      ? [1, 3, 5].map((i) => parseInt(css.slice(i, i + 2), 16))
      : css.match(/\d+/g)!.slice(0, 3).map(Number);
    const [r, g, bl] = m.map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

describe('colour modes', () => {
  it('buckets ranks as GLTR does', () => {
    expect([1, 2, 10, 11, 100, 101, 5000].map(rankBucket)).toEqual([
      'top1',
      'top10',
      'top10',
      'top100',
      'top100',
      'beyond',
      'beyond',
    ]);
  });

  it('computes each mode in bits', () => {
    const t = { logprob: -Math.LN2 * 3, entropy: Math.LN2 * 2, rank: 4 };
    expect(modeValue(t, 'surprisal')).toBeCloseTo(3, 12);
    expect(modeValue(t, 'entropy')).toBeCloseTo(2, 12);
    expect(modeValue(t, 'excess')).toBeCloseTo(1, 12);
    expect(modeValue(t, 'rank')).toBe(4);
    expect(modeColour({ logprob: null, entropy: null, rank: null }, 'surprisal')).toBeNull();
  });

  it('keeps every token readable: ink on any scale colour passes WCAG AA', () => {
    for (const mode of COLOUR_MODES) {
      for (let bits = -8; bits <= MAX_BITS + 2; bits += 0.25) {
        const t = {
          logprob: -Math.abs(bits) * Math.LN2,
          entropy: Math.max(0, bits) * Math.LN2,
          rank: Math.round(2 ** Math.abs(bits)),
        };
        const bg = modeColour(t, mode)!;
        expect(contrast(bg, textColourOn(bg)), `${mode} ${bits} ${bg}`).toBeGreaterThanOrEqual(4.5);
      }
    }
  });

  it('labels the legend in bits and "1 in N"', () => {
    expect(oneIn(3)).toBe('1 in 8');
    expect(oneIn(12)).toBe('1 in 4,096');
    const legend = legendFor('surprisal');
    expect(legend.kind === 'gradient' && legend.ticks.map((t) => t.sub)).toEqual([
      '1 in 1',
      '1 in 8',
      '1 in 64',
      '1 in 512',
      '1 in 4,096',
    ]);
    expect(legendFor('rank').kind).toBe('swatches');
  });
});

describe('share link', () => {
  it('round-trips text and settings, whatever the text holds', () => {
    for (const { text } of TRICKY.strings) {
      const view = { text: `${text} & + # ? = %`, model: 'tiny-bpe1k', stride: 64, mode: 'rank' as const };
      expect(parseShareHash(shareHash(view))).toEqual(view);
    }
    expect(parseShareHash(shareHash({ text: 'x' }))).toEqual({ text: 'x' });
    expect(parseShareHash('#/playground')).toBeNull();
    expect(parseShareHash('#/playground?text=a&stride=-3&mode=bogus')).toEqual({ text: 'a', mode: 'surprisal' });
  });
});

describe('exports', () => {
  it('CSV round-trips every tricky string exactly, numbers at full precision', () => {
    for (const { name, text } of TRICKY.strings) {
      const tokens = fakeTokens(text);
      const rows = parseCsv(tokensToCsv(tokens));
      expect(rows[0], name).toEqual([...CSV_COLUMNS]);
      expect(rows.length - 1, name).toBe(tokens.length);
      expect(
        rows
          .slice(1)
          .map((r) => r[2])
          .join(''),
        name,
      ).toBe(text);
      rows.slice(1).forEach((r, i) => {
        expect(r[6] === '' ? null : Number(r[6])).toBe(tokens[i].logprob);
        expect(JSON.parse(r[12])).toEqual(tokens[i].top);
      });
    }
  });

  it('JSON is the command line object plus the text', () => {
    const tokens = fakeTokens('abc');
    const result = {
      model: 'm',
      n_ctx: 8,
      stride: 4,
      backend: 'wasm',
      totals: { ppl: 3 } as ScoreResult['totals'],
      tokens,
    };
    const data = JSON.parse(resultToJson(result, 'abc'));
    expect(Object.keys(data)).toEqual(['model', 'n_ctx', 'stride', 'backend', 'text', 'totals', 'tokens']);
    expect(data.tokens).toEqual(tokens);
  });

  it('lays out lines: newlines break after their mark, long words wrap by character, tabs go to the next stop', () => {
    const text = 'ab\ncd\tef ghijklmnop';
    const layout = layoutHeatmap(text, fakeTokens(text), 'surprisal', {
      width: 80,
      lineHeight: 20,
      measure: (s) => [...s].length * 10,
    });
    // monospace: put each run at its column
    const lines = new Map<number, string[]>();
    for (const r of layout.runs) {
      const row = lines.get(r.y) ?? [];
      [...r.text].forEach((c, i) => (row[r.x / 10 + i] = c));
      lines.set(r.y, row);
    }
    expect([...lines.values()].map((row) => Array.from(row, (c) => c ?? ' ').join(''))).toEqual([
      'ab↵',
      'cd→ ef',
      'ghijklmn',
      'op',
    ]);
    expect(layout.boxes.every((b) => b.x + b.width <= 80)).toBe(true);
  });

  it('the SVG escapes text and is one well-formed document', () => {
    const text = '<script>alert(1)</script> & "x"';
    const tokens = fakeTokens(text);
    const layout = layoutHeatmap(text, tokens, 'rank', { width: 400, lineHeight: 20, measure: (s) => s.length * 8 });
    const svg = heatmapSvg(layout, { title: 'a <b> & c', mode: 'rank', font: 'monospace', fontSize: 14 });
    expect(svg).not.toMatch(/<script|<b>/);
    expect(svg).toContain('&lt;');
    expect(svg.match(/<svg/g)).toHaveLength(1);
  });
});

describe('running loss', () => {
  it('ends at the mean surprisal and smooths with a centred window', () => {
    const tokens = fakeTokens('the quick brown fox jumps over the lazy dog');
    const points = runningLoss(tokens, 5);
    const bits = tokens.filter((t) => t.logprob !== null).map((t) => -t.logprob! / Math.LN2);
    expect(points).toHaveLength(bits.length);
    expect(points.at(-1)!.cumulative).toBeCloseTo(bits.reduce((a, b) => a + b, 0) / bits.length, 12);
    expect(points[5].moving).toBeCloseTo((bits[3] + bits[4] + bits[5] + bits[6] + bits[7]) / 5, 12);
    expect(points[0].moving).toBeCloseTo((bits[0] + bits[1] + bits[2]) / 3, 12);
  });

  it('draws every dot once as a zero-length segment, merging dots on the same half pixel, clamped to the top', () => {
    const points = [
      { index: 0, bits: 1 },
      { index: 1, bits: 1 },
      { index: 2, bits: 1.1 },
      { index: 3, bits: 30 },
    ];
    const path = dotsPath(
      points,
      (i) => 10 + i * 0.2,
      (b) => 100 - 4 * b,
      20,
    );
    // x 10, 10.2 and 10.4 round to 10, 10 and 10.5; y 96, 96 and 95.6 round to 96, 96 and 95.5
    expect(path).toBe('M10 96h0M10.5 95.5h0M10.5 20h0');
    const many = Array.from({ length: 20_000 }, (_, i) => ({ index: i, bits: (i * 7) % 13 }));
    const d = dotsPath(
      many,
      (i) => 40 + i * (700 / 20_000),
      (b) => 150 - 5 * b,
      20,
    );
    const dots = d.split('M').length - 1;
    expect(dots).toBeLessThan(20_000); // overlapping dots are merged
    expect(dots).toBeGreaterThanOrEqual(1400); // 700 px: every half-pixel column keeps a dot
  });
});

describe('presets', () => {
  it('are deterministic, distinct and short enough to score as you type', () => {
    const names = PRESETS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(['prose', 'shuffled', 'repeated', 'random', 'numbers', 'code', 'french']);
    for (const p of PRESETS) expect(p.text.length, p.name).toBeGreaterThan(50);
    for (const p of PRESETS) expect(p.text.length, p.name).toBeLessThanOrEqual(2000);
    const prose = PRESETS.find((p) => p.name === 'prose')!.text;
    const shuffled = PRESETS.find((p) => p.name === 'shuffled')!.text;
    expect(shuffled).toBe(shuffleWords(prose, 4));
    expect(shuffled).not.toBe(prose.split(/\s+/).join(' '));
    expect(shuffled.split(' ').sort()).toEqual(prose.split(/\s+/).filter(Boolean).sort());
  });

  it('the prose comes from the test split of the golden references', () => {
    const golden = JSON.parse(
      fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'golden', 'tiny-byte.json'), 'utf8'),
    ) as {
      texts: { name: string; text: string }[];
    };
    const chapter4 = golden.texts.find((t) => t.name === 'test:moby-dick/chapter_4:opening')!.text;
    expect(chapter4.startsWith(PRESETS[0].text)).toBe(true);
  });
});

describe('whitespace', () => {
  it('draws invisible characters and keeps the text in parts', () => {
    expect(visibleWhitespace(' a\tb\n\u200b')).toBe('·a→b↵⟨U+200B⟩');
    for (const { text } of TRICKY.strings) {
      expect(
        splitWhitespace(text, true)
          .map((p) => p.text)
          .join(''),
      ).toBe(text);
      expect(
        splitWhitespace(text, false)
          .map((p) => p.text)
          .join(''),
      ).toBe(text);
    }
    expect(splitWhitespace('a b', false)).toEqual([{ text: 'a b', kind: 'text' }]);
  });
});
