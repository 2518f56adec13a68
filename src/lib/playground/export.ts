/**
 * Exports of a scored text: the per-token table as CSV and JSON, and the heatmap as an SVG drawing
 * (the PNG is that SVG rasterised, in the page). Pure: no DOM; text widths come from a
 * `measure` function the caller passes (a canvas in the page, a fixed advance in tests).
 */
import type { ScoreResult, TokenRecord } from '../scoring/types';
import { toCsv } from '../csv';
import { formatExp } from '../format';
import { legendFor, modeColour, textColourOn, COLOUR_MODE_LABELS, type ColourMode } from './colour-modes';
import { shownRanges, shownText } from './token-rows';

/** The columns of the CSV, in order; `top` is a JSON array of the alternatives. */
export const CSV_COLUMNS = [
  'index',
  'id',
  'text',
  'start',
  'end',
  'scored',
  'logprob_nats',
  'surprisal_bits',
  'p',
  'rank',
  'entropy_nats',
  'entropy_bits',
  'top',
] as const;

/**
 * The per-token table, one row per token, numbers at full precision (String(x) round-trips a double).
 * Unscored tokens have empty numeric cells. Lines end in CRLF, as RFC 4180 says.
 * @example tokensToCsv(result.tokens).split('\r\n')[0] // 'index,id,text,...'
 */
export function tokensToCsv(tokens: readonly TokenRecord[]): string {
  return toCsv(
    CSV_COLUMNS,
    tokens.map((t) => {
      const lp = t.logprob;
      return [
        t.index,
        t.id,
        t.text,
        t.start,
        t.end,
        t.scored,
        lp,
        lp === null ? null : -lp / Math.LN2,
        lp === null ? null : Math.exp(lp),
        t.rank,
        t.entropy,
        t.entropy === null ? null : t.entropy / Math.LN2,
        JSON.stringify(t.top),
      ];
    }),
  );
}

/**
 * The JSON export: the command line's `--json` object (DESIGN.md "Command line") plus the text.
 * @example JSON.parse(resultToJson(result, text)).totals.ppl
 */
export function resultToJson(result: ScoreResult, text: string): string {
  const { model, n_ctx, stride, backend, totals, tokens } = result;
  return JSON.stringify({ model, n_ctx, stride, backend, text, totals, tokens }, null, 1) + '\n';
}

/**
 * Characters XML 1.0 forbids (C0 controls other than tab, newline and CR; U+FFFE, U+FFFF; lone
 * surrogates) make an SVG that no viewer opens. They are drawn as visible symbols instead: C0 controls
 * and DEL as their Control Pictures (U+0000 as ␀, U+001B as ␛, DEL as ␡), the others as U+FFFD �.
 * C1 controls (U+0080 to U+009F) are legal but invisible: drawn as � too, so that nothing disappears.
 * @example visibleControls('a\u0000b') // 'a␀b'
 */
export function visibleControls(s: string): string {
  return s.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => {
      const code = c.charCodeAt(0);
      if (code < 0x20) return String.fromCharCode(0x2400 + code);
      if (code === 0x7f) return '\u2421';
      return '\ufffd';
    },
  );
}

/** One token's coloured box on one line of the drawing (a token can wrap onto the next line). */
export interface HeatmapBox {
  index: number;
  x: number;
  /** Top of the line. */
  y: number;
  width: number;
  fill: string | null;
  /** Unscored tokens get a dashed outline, as in the page. */
  scored: boolean;
}

/** A run of characters drawn at a measured position and width: never holds a space, tab or newline. */
export interface HeatmapRun {
  index: number;
  x: number;
  /** Top of the line. */
  y: number;
  width: number;
  text: string;
  ink: string;
  /** A whitespace mark (↵ for a newline, → for a tab), drawn faint as in the page. */
  mark: boolean;
}

export interface HeatmapLayout {
  width: number;
  height: number;
  lineHeight: number;
  /** Top of the first line of text. */
  top: number;
  boxes: HeatmapBox[];
  runs: HeatmapRun[];
}

export interface LayoutOptions {
  /** Width of the text column, px. */
  width: number;
  lineHeight: number;
  /** Width of a string in the drawing's font, px. */
  measure: (s: string) => number;
  /** Space above the first line (for a title), px. */
  top?: number;
  /** Tab stops every this many spaces, as CSS `tab-size`. @defaultValue 4 */
  tabSize?: number;
}

/** The page's marks for a newline and a tab (TokenStrip.svelte draws them with CSS). */
export const NEWLINE_MARK = '↵';
export const TAB_MARK = '→';

interface Piece {
  index: number;
  kind: 'text' | 'space' | 'tab' | 'newline';
  text: string;
  fill: string | null;
  ink: string;
  scored: boolean;
}

/**
 * Lay the tokens out in lines the way the page's heatmap does (CSS `white-space: pre-wrap; overflow-wrap:
 * anywhere; tab-size`): lines break after spaces, even inside a token, so a word moves to the next line
 * whole while the spaces before it stay at the end of the line (hanging past the edge, clipped); a word
 * wider than a line breaks between characters; a newline ends the line after its ↵ mark; a tab advances
 * to the next tab stop. Tokens that share characters (the bytes of one emoji) show them once, on the
 * first, as in the page (the strip's row builder, lib/playground/token-rows.ts). Characters XML cannot hold are drawn as symbols (`visibleControls`).
 * @example layoutHeatmap(text, result.tokens, 'surprisal', { width: 760, lineHeight: 25, measure }).runs
 */
export function layoutHeatmap(
  text: string,
  tokens: readonly TokenRecord[],
  mode: ColourMode,
  options: LayoutOptions,
): HeatmapLayout {
  const { width, lineHeight, measure } = options;
  const top = options.top ?? 0;
  const space = measure(' ');
  const tabStop = (options.tabSize ?? 4) * space;

  // the text as pieces of one kind each, in order, each tagged with its token
  const pieces: Piece[] = [];
  const rows = shownRanges(tokens);
  for (const [i, t] of tokens.entries()) {
    const shown = visibleControls(shownText(text, rows, i));
    const fill = modeColour(t, mode);
    const ink = fill ? textColourOn(fill) : '#111318';
    for (const m of shown.matchAll(/\r\n|\r|\n|\t| +|[^ \t\r\n]+/g)) {
      const s = m[0];
      const kind = s === '\t' ? 'tab' : s[0] === ' ' ? 'space' : /^[\r\n]/.test(s) ? 'newline' : 'text';
      pieces.push({ index: t.index, kind, text: s, fill, ink, scored: t.scored });
    }
  }

  const boxes: HeatmapBox[] = [];
  const runs: HeatmapRun[] = [];
  let x = 0;
  let line = 0;
  /** A box of `w` at x on this line, joined to the token's box just before it; clipped at the edge. */
  const box = (p: Piece, w: number) => {
    const shown = Math.min(w, width - x);
    if (shown <= 0) return;
    const y = top + line * lineHeight;
    const last = boxes.at(-1);
    if (last && last.index === p.index && last.y === y && Math.abs(last.x + last.width - x) < 1e-6) last.width += shown;
    else boxes.push({ index: p.index, x, y, width: shown, fill: p.fill, scored: p.scored });
  };
  const run = (p: Piece, s: string, w: number, mark = false) =>
    runs.push({ index: p.index, x, y: top + line * lineHeight, width: w, text: s, ink: p.ink, mark });

  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i];
    if (p.kind === 'newline') {
      const w = measure(NEWLINE_MARK);
      run(p, NEWLINE_MARK, w, true);
      box(p, w);
      line++;
      x = 0;
    } else if (p.kind === 'tab') {
      let stop = (Math.floor(x / tabStop + 1e-9) + 1) * tabStop;
      if (stop - x < space / 2) stop += tabStop; // CSS: a stop closer than half a space is skipped
      run(p, TAB_MARK, Math.min(measure(TAB_MARK), stop - x), true);
      box(p, stop - x);
      x = stop;
    } else if (p.kind === 'space') {
      const w = measure(p.text);
      box(p, w);
      x += w;
    } else {
      if (i === 0 || pieces[i - 1].kind !== 'text') {
        // the start of a word: it moves to the next line whole if it fits there and not here
        let word = 0;
        for (let j = i; j < pieces.length && pieces[j].kind === 'text'; j++) word += measure(pieces[j].text);
        if (x > 0 && x + word > width) {
          line++;
          x = 0;
        }
      }
      let rest = p.text;
      while (rest) {
        const w = measure(rest);
        if (x + w <= width) {
          run(p, rest, w);
          box(p, w);
          x += w;
          break;
        }
        // wider than the rest of the line: as many code points as fit, at least one on an empty line
        const chars = [...rest];
        let n = 0;
        while (n < chars.length && x + measure(chars.slice(0, n + 1).join('')) <= width) n++;
        if (n === 0 && x === 0) n = 1;
        if (n > 0) {
          const piece = chars.slice(0, n).join('');
          const pw = measure(piece);
          run(p, piece, pw);
          box(p, pw);
        }
        rest = chars.slice(n).join('');
        line++;
        x = 0;
      }
    }
  }
  return { width, height: top + (line + 1) * lineHeight, lineHeight, top, boxes, runs };
}

/** Escape for XML text and attributes, with the characters XML cannot hold made visible. */
const xml = (s: string) =>
  visibleControls(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

export interface SvgOptions {
  title: string;
  mode: ColourMode;
  /** The CSS font family of the heatmap text (the page's, so that the measured widths hold). */
  font: string;
  /** px */
  fontSize: number;
  /** The font's ascent and descent, px (canvas `fontBoundingBoxAscent`/`Descent`): the boxes' height. @defaultValue 0.93 and 0.24 x fontSize (DejaVu Sans Mono) */
  ascent?: number;
  descent?: number;
  /** @defaultValue 16 */
  padding?: number;
}

/** Space for the title above the text and for the legend below it, px. */
const TITLE_SPACE = 28;
const LEGEND_SPACE = 46;

/**
 * A standalone SVG of a heatmap layout with its title and legend, drawn as the page draws it: boxes the
 * height of the font's content area plus 0.1 em above and below, centred in the line, with a white
 * hairline between tokens. Each run of characters is placed at its measured x and held to its measured
 * width (`textLength`), so a viewer with another font squeezes the glyphs rather than letting them drift
 * out of their boxes; no run holds a space, so no viewer can collapse one. Text is escaped, never markup.
 * Rects and texts carry `data-index` (the token's index) for tests.
 * @example heatmapSvg(layoutHeatmap(text, tokens, mode, layoutOptions), { title, mode, font, fontSize: 14.25 })
 */
export function heatmapSvg(layout: HeatmapLayout, options: SvgOptions): string {
  const pad = options.padding ?? 16;
  const size = options.fontSize;
  const ascent = options.ascent ?? 0.93 * size;
  const descent = options.descent ?? 0.24 * size;
  const legend = legendFor(options.mode);
  const W = layout.width + 2 * pad;
  const H = layout.height + 2 * pad + LEGEND_SPACE + TITLE_SPACE;
  const halfLeading = (layout.lineHeight - ascent - descent) / 2;
  const baseline = halfLeading + ascent;
  const boxTop = halfLeading - 0.1 * size;
  const boxHeight = ascent + descent + 0.2 * size;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${r(W)}" height="${r(H)}" viewBox="0 0 ${r(W)} ${r(H)}" role="img" aria-label="${xml(options.title)}">`,
    `<title>${xml(options.title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${pad}" y="${pad + 12}" font-family="system-ui, sans-serif" font-size="14" font-weight="600" fill="#111318">${xml(options.title)}</text>`,
    `<g transform="translate(${pad},${pad + TITLE_SPACE})" font-family="${xml(options.font)}" font-size="${r(size)}" xml:space="preserve" style="white-space: pre">`,
  );
  for (const b of layout.boxes) {
    // the page's hairline between tokens: the box stops a pixel short
    const w = r(Math.max(0, b.width - 1));
    if (b.fill)
      out.push(
        `<rect data-index="${b.index}" x="${r(b.x)}" y="${r(b.y + boxTop)}" width="${w}" height="${r(boxHeight)}" fill="${b.fill}" rx="2"/>`,
      );
    else if (!b.scored)
      out.push(
        `<rect data-index="${b.index}" x="${r(b.x + 0.5)}" y="${r(b.y + boxTop + 0.5)}" width="${r(Math.max(0, b.width - 2))}" height="${r(boxHeight - 1)}" fill="none" stroke="#6b6f7a" stroke-dasharray="2 2"/>`,
      );
  }
  for (const t of layout.runs)
    out.push(
      `<text data-index="${t.index}" x="${r(t.x)}" y="${r(t.y + baseline)}" textLength="${r(t.width)}" lengthAdjust="spacingAndGlyphs" fill="${t.ink}"${t.mark ? ' fill-opacity="0.45"' : ''}>${xml(t.text)}</text>`,
    );
  out.push('</g>');
  const ly = pad + TITLE_SPACE + layout.height + 12;
  // the legend's end labels are centred on the ends of the bar: indent it so they stay inside
  out.push(
    `<g transform="translate(${pad + 24},${ly})" font-family="system-ui, sans-serif" font-size="11" fill="#333">`,
  );
  if (legend.kind === 'gradient') {
    out.push(`<defs><linearGradient id="legend-gradient">`);
    for (const s of legend.stops) out.push(`<stop offset="${r(s.offset)}" stop-color="${s.colour}"/>`);
    out.push(`</linearGradient></defs>`, `<rect x="0" y="0" width="240" height="10" fill="url(#legend-gradient)"/>`);
    for (const t of legend.ticks)
      out.push(
        `<text x="${r(t.offset * 240)}" y="24" text-anchor="middle">${xml(t.label)}</text>`,
        `<text x="${r(t.offset * 240)}" y="36" text-anchor="middle" fill="#666">${xml(t.sub)}</text>`,
      );
    out.push(`<text x="260" y="9">${xml(legend.title)}</text>`);
  } else {
    legend.items.forEach((item, i) => {
      out.push(
        `<rect x="${i * 110}" y="0" width="12" height="12" fill="${item.colour}"/>`,
        `<text x="${i * 110 + 16}" y="10">${xml(item.label)}</text>`,
      );
    });
    out.push(`<text x="0" y="30">${xml(legend.title)}</text>`);
  }
  out.push('</g></svg>');
  return out.join('\n') + '\n';
}

const r = (v: number) => Math.round(v * 100) / 100;

/** The heading of an exported picture. */
export function exportTitle(result: ScoreResult, mode: ColourMode): string {
  return `${result.model} · perplexity ${formatExp(result.totals.nats_per_token, 4).text} · coloured by ${COLOUR_MODE_LABELS[mode].toLowerCase()}`;
}
