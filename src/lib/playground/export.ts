/**
 * Exports of a scored text: the per-token table as CSV and JSON, and the heatmap as an SVG drawing
 * (the PNG is the same layout painted on a canvas, in the page). Pure: no DOM; text widths come from a
 * `measure` function the caller passes (a canvas in the page, a fixed advance in tests).
 */
import type { ScoreResult, TokenRecord } from '../scoring/types';
import { legendFor, modeColour, textColourOn, COLOUR_MODE_LABELS, type ColourMode } from './colour-modes';

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

/** RFC 4180: quote a field holding a comma, quote, CR or LF; double the quotes inside. */
function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The per-token table, one row per token, numbers at full precision (String(x) round-trips a double).
 * Unscored tokens have empty numeric cells. Lines end in CRLF, as RFC 4180 says.
 * @example tokensToCsv(result.tokens).split('\r\n')[0] // 'index,id,text,...'
 */
export function tokensToCsv(tokens: readonly TokenRecord[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const t of tokens) {
    const lp = t.logprob;
    rows.push(
      [
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
      ]
        .map(csvField)
        .join(','),
    );
  }
  return rows.join('\r\n') + '\r\n';
}

/**
 * Parse RFC 4180 CSV into rows of strings (for tests, and for anyone checking an export).
 * @example parseCsv('a,"b,c"\r\n') // [['a', 'b,c']]
 */
export function parseCsv(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i];
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && csv[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * The JSON export: the command line's `--json` object (DESIGN.md "Command line") plus the text.
 * @example JSON.parse(resultToJson(result, text)).totals.ppl
 */
export function resultToJson(result: ScoreResult, text: string): string {
  const { model, n_ctx, stride, backend, totals, tokens } = result;
  return JSON.stringify({ model, n_ctx, stride, backend, text, totals, tokens }, null, 1) + '\n';
}

/** One piece of a token on one line of the drawing. */
export interface HeatmapBox {
  index: number;
  x: number;
  y: number;
  width: number;
  text: string;
  fill: string | null;
  ink: string;
}

export interface HeatmapLayout {
  width: number;
  height: number;
  lineHeight: number;
  /** Top of the first line of text. */
  top: number;
  boxes: HeatmapBox[];
}

export interface LayoutOptions {
  /** Width of the text column, px. */
  width: number;
  lineHeight: number;
  /** Width of a string in the drawing's font, px. */
  measure: (s: string) => number;
  /** Space above the first line (for a title), px. */
  top?: number;
  /** @defaultValue 4 */
  tabSize?: number;
}

/**
 * Lay the tokens out in lines: a newline starts a new line, a token that does not fit moves to the next
 * line whole (or breaks by character if it is wider than a line). Tabs are drawn as spaces.
 * Tokens that share characters (the bytes of one emoji) show them once, on the first, as in the page.
 */
export function layoutHeatmap(
  text: string,
  tokens: readonly TokenRecord[],
  mode: ColourMode,
  options: LayoutOptions,
): HeatmapLayout {
  const { width, lineHeight, measure } = options;
  const tab = ' '.repeat(options.tabSize ?? 4);
  const top = options.top ?? 0;
  const boxes: HeatmapBox[] = [];
  let x = 0;
  let line = 0;
  let cursor = 0;
  for (const t of tokens) {
    const from = Math.max(t.start, cursor);
    const shown = from < t.end ? text.slice(from, t.end) : '';
    cursor = Math.max(cursor, t.end);
    const fill = modeColour(t, mode);
    const ink = fill ? textColourOn(fill) : '#111318';
    // the token's own lines: "a\nb" is "a", newline, "b"
    const parts = shown.replace(/\t/g, tab).split(/\r\n|\r|\n/);
    parts.forEach((part, p) => {
      if (p > 0) {
        line++;
        x = 0;
      }
      let rest = part;
      while (rest.length) {
        const w = measure(rest);
        if (x + w <= width) {
          boxes.push({ index: t.index, x, y: top + line * lineHeight, width: w, text: rest, fill, ink });
          x += w;
          break;
        }
        if (x > 0 && w <= width) {
          line++;
          x = 0;
          continue;
        }
        // wider than what is left of the line: as many code points as fit
        const chars = [...rest];
        let n = 0;
        while (n < chars.length && x + measure(chars.slice(0, n + 1).join('')) <= width) n++;
        if (n === 0 && x === 0) n = 1; // one character wider than the line: draw it anyway
        if (n > 0) {
          const piece = chars.slice(0, n).join('');
          const pw = measure(piece);
          boxes.push({ index: t.index, x, y: top + line * lineHeight, width: pw, text: piece, fill, ink });
        }
        rest = chars.slice(n).join('');
        line++;
        x = 0;
      }
    });
  }
  return { width, height: top + (line + 1) * lineHeight, lineHeight, top, boxes };
}

const xml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

export interface SvgOptions {
  title: string;
  mode: ColourMode;
  font: string;
  fontSize: number;
  padding?: number;
}

/**
 * A standalone SVG of a heatmap layout with its title and legend. Text is escaped, never markup.
 */
export function heatmapSvg(layout: HeatmapLayout, options: SvgOptions): string {
  const pad = options.padding ?? 16;
  const legend = legendFor(options.mode);
  const legendHeight = 46;
  const W = layout.width + 2 * pad;
  const H = layout.height + 2 * pad + legendHeight + 28;
  const baseline = layout.lineHeight * 0.72;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${xml(options.title)}">`,
    `<title>${xml(options.title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${pad}" y="${pad + 12}" font-family="system-ui, sans-serif" font-size="14" font-weight="600" fill="#111318">${xml(options.title)}</text>`,
    `<g transform="translate(${pad},${pad + 28})" font-family="${xml(options.font)}" font-size="${options.fontSize}" xml:space="preserve">`,
  );
  for (const b of layout.boxes) {
    if (b.fill) out.push(`<rect x="${r(b.x)}" y="${r(b.y)}" width="${r(b.width)}" height="${r(layout.lineHeight - 2)}" fill="${b.fill}"/>`);
    if (b.text.trim()) out.push(`<text x="${r(b.x)}" y="${r(b.y + baseline)}" fill="${b.ink}">${xml(b.text)}</text>`);
  }
  out.push('</g>');
  const ly = pad + 28 + layout.height + 12;
  // the legend's end labels are centred on the ends of the bar: indent it so they stay inside
  out.push(`<g transform="translate(${pad + 24},${ly})" font-family="system-ui, sans-serif" font-size="11" fill="#333">`);
  if (legend.kind === 'gradient') {
    out.push(`<defs><linearGradient id="legend-gradient">`);
    for (const s of legend.stops) out.push(`<stop offset="${r(s.offset)}" stop-color="${s.colour}"/>`);
    out.push(`</linearGradient></defs>`, `<rect x="0" y="0" width="240" height="10" fill="url(#legend-gradient)"/>`);
    for (const t of legend.ticks)
      out.push(`<text x="${r(t.offset * 240)}" y="24" text-anchor="middle">${xml(t.label)}</text>`,
        `<text x="${r(t.offset * 240)}" y="36" text-anchor="middle" fill="#666">${xml(t.sub)}</text>`);
    out.push(`<text x="260" y="9">${xml(legend.title)}</text>`);
  } else {
    legend.items.forEach((item, i) => {
      out.push(`<rect x="${i * 110}" y="0" width="12" height="12" fill="${item.colour}"/>`,
        `<text x="${i * 110 + 16}" y="10">${xml(item.label)}</text>`);
    });
    out.push(`<text x="0" y="30">${xml(legend.title)}</text>`);
  }
  out.push('</g></svg>');
  return out.join('\n') + '\n';
}

const r = (v: number) => Math.round(v * 100) / 100;

/** The heading of an exported picture. */
export function exportTitle(result: ScoreResult, mode: ColourMode): string {
  return `${result.model} · perplexity ${result.totals.ppl.toPrecision(4)} · coloured by ${COLOUR_MODE_LABELS[mode].toLowerCase()}`;
}
