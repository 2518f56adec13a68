/**
 * The heatmap export's layout (lib/playground/export.ts): lines break where the page's CSS breaks them
 * (white-space: pre-wrap, overflow-wrap: anywhere, tab-size), every run of characters sits inside its
 * token's box, and no character XML 1.0 forbids reaches the SVG. Widths: a fixed 10 px advance.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { heatmapSvg, layoutHeatmap, visibleControls, type HeatmapLayout } from '../../src/lib/playground/export';
import type { TokenRecord } from '../../src/lib/scoring/types';

const measure = (s: string) => [...s].length * 10;

/** Tokens from pieces of text, every one scored (the first too, as with a BOS token). */
function tokensOf(pieces: string[], spans?: [number, number][]): TokenRecord[] {
  let at = 0;
  return pieces.map((text, index) => {
    const [start, end] = spans?.[index] ?? [at, at + text.length];
    at = end;
    return { index, id: index, text, start, end, scored: true, logprob: -1 - index, rank: 1, entropy: 1, top: [] };
  });
}

/** The runs of each line, placed at their columns (10 px each). */
function lines(layout: HeatmapLayout): string[] {
  const rows = new Map<number, string[]>();
  for (const r of layout.runs) {
    const row = rows.get(r.y) ?? [];
    [...r.text].forEach((c, i) => (row[r.x / 10 + i] = c));
    rows.set(r.y, row);
  }
  return [...rows.values()].map((row) => Array.from(row, (c) => c ?? ' ').join(''));
}

/** Every run inside a box of its own token on its own line. */
function runsInBoxes(layout: HeatmapLayout): boolean {
  return layout.runs.every((r) =>
    layout.boxes.some(
      (b) => b.index === r.index && b.y === r.y && b.x <= r.x + 1e-9 && r.x + r.width <= b.x + b.width + 1e-9,
    ),
  );
}

describe('heatmap layout', () => {
  it('moves a word to the next line whole, leaving the space before it at the end of the line', () => {
    const pieces = ['the', ' quick', ' brown', ' fox'];
    const text = pieces.join('');
    const layout = layoutHeatmap(text, tokensOf(pieces), 'surprisal', { width: 100, lineHeight: 20, measure });
    expect(lines(layout)).toEqual(['the quick', 'brown fox']);
    // ' brown' is split: its space ends line 1, its word starts line 2
    const brown = layout.boxes.filter((b) => b.index === 2).map((b) => [b.x, b.y, b.width]);
    expect(brown).toEqual([
      [90, 0, 10],
      [0, 20, 50],
    ]);
    expect(runsInBoxes(layout)).toBe(true);
    expect(layout.runs.every((r) => !/\s/.test(r.text))).toBe(true);
    expect(layout.height).toBe(40);
  });

  it('keeps a word that spans several tokens together, and breaks one wider than a line by character', () => {
    const pieces = ['ab ', 'pre', 'cisely', ' x'];
    const layout = layoutHeatmap(pieces.join(''), tokensOf(pieces), 'surprisal', {
      width: 80,
      lineHeight: 20,
      measure,
    });
    expect(lines(layout)).toEqual(['ab', 'precisel', 'y x']);
    expect(runsInBoxes(layout)).toBe(true);
    expect(layout.boxes.every((b) => b.x + b.width <= 80)).toBe(true);
  });

  it('goes to the next tab stop, skipping one closer than half a space', () => {
    const text = 'a\tb\nwxyz\tc';
    const layout = layoutHeatmap(text, tokensOf([...text]), 'surprisal', {
      width: 200,
      lineHeight: 20,
      measure,
      tabSize: 4,
    });
    const at = (ch: string) => layout.runs.findLast((r) => r.text === ch)!;
    expect(at('b').x).toBe(40);
    expect(at('c').x).toBe(80);
    const tabs = layout.boxes.filter((b) => text[b.index] === '\t').map((b) => b.width);
    expect(tabs).toEqual([30, 40]);
  });

  it('shows characters shared by several tokens (the bytes of an emoji) once, on the first', () => {
    const text = 'a🐳b';
    const tokens = tokensOf(
      ['a', '🐳', '', 'b'],
      [
        [0, 1],
        [1, 3],
        [1, 3],
        [3, 4],
      ],
    );
    const layout = layoutHeatmap(text, tokens, 'surprisal', { width: 200, lineHeight: 20, measure });
    expect(layout.runs.map((r) => [r.index, r.text])).toEqual([
      [0, 'a'],
      [1, '🐳'],
      [3, 'b'],
    ]);
    expect(layout.boxes.some((b) => b.index === 2)).toBe(false);
  });
});

/** What XML 1.0 forbids in a document. */
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex -- the control characters are what it looks for
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const TRICKY: { name: string; text: string }[] = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'tricky-strings.json'), 'utf8'),
).strings;

describe('every tricky string', () => {
  it('draws every visible character once, in order, inside its box, and makes a valid SVG', () => {
    for (const { name, text } of TRICKY) {
      // one token per code point, and one per 3 code points: boundaries inside words and graphemes
      for (const size of [1, 3]) {
        const cps = [...text];
        const pieces = Array.from({ length: Math.ceil(cps.length / size) }, (_, i) =>
          cps.slice(i * size, i * size + size).join(''),
        );
        const layout = layoutHeatmap(text, tokensOf(pieces), 'surprisal', { width: 120, lineHeight: 20, measure });
        const drawn = layout.runs
          .filter((r) => !r.mark)
          .map((r) => r.text)
          .join('');
        expect(drawn, name).toBe(visibleControls(text).replace(/[ \t\r\n]/g, ''));
        expect(runsInBoxes(layout), name).toBe(true);
        expect(
          layout.boxes.every((b) => b.x >= 0 && b.x + b.width <= 120 + 1e-9),
          name,
        ).toBe(true);
        const svg = heatmapSvg(layout, { title: name, mode: 'surprisal', font: 'monospace', fontSize: 14 });
        expect(svg, name).not.toMatch(FORBIDDEN);
      }
    }
  });
});

describe('characters XML cannot hold', () => {
  it('are drawn as visible symbols', () => {
    expect(visibleControls('a\u0000b\u001b\u007f\u0085')).toBe('a␀b␛␡\ufffd');
    expect(visibleControls('x\ud800y\udc00z')).toBe('x\ufffdy\ufffdz');
    expect(visibleControls('🐳 \t\n\r ok')).toBe('🐳 \t\n\r ok');
  });

  it('never reach the SVG, in the text or the title', () => {
    const text = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\u007f\ufffe\ud800 end';
    const tokens = tokensOf([...text]);
    const layout = layoutHeatmap(text, tokens, 'surprisal', { width: 300, lineHeight: 20, measure });
    const svg = heatmapSvg(layout, { title: 'model\u0000name', mode: 'surprisal', font: 'monospace', fontSize: 14 });
    expect(svg).not.toMatch(FORBIDDEN);
    expect(svg).toContain('␀');
    expect(svg).toContain('model␀name');
    // every control became one visible run: nothing disappears
    expect(layout.runs.map((r) => r.text).join('')).toContain('␀␁␂␃␄␅␆␇␈');
  });
});

describe('the SVG', () => {
  it('holds each run to its measured width at its measured place, with no spaces to collapse', () => {
    const pieces = ['Hello', ',', ' world', ' 鲸鱼', ' <b>'];
    const layout = layoutHeatmap(pieces.join(''), tokensOf(pieces), 'surprisal', {
      width: 400,
      lineHeight: 20,
      measure,
    });
    const svg = heatmapSvg(layout, { title: 't', mode: 'surprisal', font: 'monospace', fontSize: 14 });
    const texts = [
      ...svg.matchAll(/<text data-index="(\d+)" x="([\d.]+)" y="[\d.]+" textLength="([\d.]+)"[^>]*>([^<]*)<\/text>/g),
    ];
    expect(texts.map((m) => [Number(m[1]), Number(m[2]), Number(m[3]), m[4]])).toEqual([
      [0, 0, 50, 'Hello'],
      [1, 50, 10, ','],
      [2, 70, 50, 'world'],
      [3, 130, 20, '鲸鱼'],
      [4, 160, 30, '&lt;b&gt;'],
    ]);
    // boxes stop a pixel short: the page's hairline between tokens
    expect(svg).toMatch(/<rect data-index="2" x="60" y="[\d.]+" width="59"/);
  });
});
