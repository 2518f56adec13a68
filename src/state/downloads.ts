/**
 * Files the playground hands the user: the per-token table (CSV, JSON) and the heatmap (SVG, PNG).
 * The content comes from the pure builders in lib/playground/export.ts; this module only measures
 * text in the page's font, rasterises the SVG into the PNG and triggers the download.
 */
import { exportTitle, heatmapSvg, layoutHeatmap, resultToJson, tokensToCsv } from '../lib/playground/export';
import type { ColourMode } from '../lib/playground/colour-modes';
import type { ScoreResult } from '../lib/scoring/types';

/** What the heatmap looks like when the page has none to measure (TokenStrip.svelte's defaults). */
const FALLBACK = {
  family: "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', monospace",
  size: 14.25,
  lineHeight: 24.94,
  width: 760,
  tabSize: 4,
};
const PAD = 16;
/** Browsers refuse canvases much over 32,767 px on a side. */
const MAX_CANVAS = 32_000;

/** Save a string or blob as a file. */
export function download(name: string, content: Blob | string, type = 'text/plain'): void {
  const blob = typeof content === 'string' ? new Blob([content], { type: `${type};charset=utf-8` }) : content;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const baseName = (result: ScoreResult) => `perplexity-${result.model.replace(/[^\w.-]+/g, '_')}`;

export function downloadCsv(result: ScoreResult): void {
  download(`${baseName(result)}.csv`, tokensToCsv(result.tokens), 'text/csv');
}

export function downloadJson(result: ScoreResult, text: string): void {
  download(`${baseName(result)}.json`, resultToJson(result, text), 'application/json');
}

/**
 * The heatmap's font, line height, tab size and text width as the page shows them right now, read from
 * the heatmap element's computed style, so that the export wraps and sizes text as the page does.
 */
function pageHeatmapStyle(): typeof FALLBACK {
  const el = document.querySelector<HTMLElement>('[data-testid="tokens"]');
  if (!el) return FALLBACK;
  const css = getComputedStyle(el);
  const size = parseFloat(css.fontSize);
  const width = el.clientWidth - parseFloat(css.paddingLeft) - parseFloat(css.paddingRight);
  if (!(size > 0) || !(width > 0)) return FALLBACK; // not laid out (a hidden view)
  return {
    family: css.fontFamily || FALLBACK.family,
    size,
    lineHeight: parseFloat(css.lineHeight) || 1.75 * size,
    width: Math.max(240, width),
    tabSize: parseInt(css.tabSize, 10) || 4,
  };
}

/**
 * The SVG of the heatmap: laid out with glyph widths measured by a canvas in the page's own font, so
 * the boxes hold their text and lines break where the page breaks them.
 */
export function heatmapSvgFor(result: ScoreResult, text: string, mode: ColourMode): string {
  const style = pageHeatmapStyle();
  const ctx = document.createElement('canvas').getContext('2d')!;
  ctx.font = `${style.size}px ${style.family}`;
  const widths = new Map<string, number>();
  const measure = (s: string) => {
    let w = widths.get(s);
    if (w === undefined) widths.set(s, (w = ctx.measureText(s).width));
    return w;
  };
  const metrics = ctx.measureText('Hg');
  const layout = layoutHeatmap(text, result.tokens, mode, {
    width: style.width,
    lineHeight: style.lineHeight,
    measure,
    tabSize: style.tabSize,
  });
  return heatmapSvg(layout, {
    title: exportTitle(result, mode),
    mode,
    font: style.family,
    fontSize: style.size,
    ascent: metrics.fontBoundingBoxAscent,
    descent: metrics.fontBoundingBoxDescent,
    padding: PAD,
  });
}

export function downloadSvg(result: ScoreResult, text: string, mode: ColourMode): void {
  download(`${baseName(result)}-${mode}.svg`, heatmapSvgFor(result, text, mode), 'image/svg+xml');
}

/**
 * Rasterise an SVG document: the browser draws the SVG itself, so the PNG is the SVG, pixel for pixel.
 * The one way every picture in the app becomes a PNG (the heatmap here, the charts through
 * components/curves/export-image.ts). At `scale` times its size (2 for sharp slides; 1 when that would
 * pass the browser's canvas limit); the size is the SVG's own unless `width` and `height` are given.
 * @example await svgToPng(heatmapSvgFor(result, text, mode))
 */
export async function svgToPng(
  svg: string,
  options: { width?: number; height?: number; scale?: number } = {},
): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml;charset=utf-8' }));
  try {
    const img = new Image();
    img.src = url;
    try {
      await img.decode();
    } catch {
      throw new Error('the browser could not draw the picture for the PNG');
    }
    const W = options.width ?? img.naturalWidth;
    const H = options.height ?? img.naturalHeight;
    const scale = options.scale ?? 2;
    const s = Math.max(W, H) * scale <= MAX_CANVAS ? scale : 1;
    if (Math.max(W, H) * s > MAX_CANVAS)
      throw new Error(`the picture is too large for a PNG (${Math.ceil(Math.max(W, H))} px); download the SVG instead`);
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(W * s);
    canvas.height = Math.ceil(H * s);
    canvas.getContext('2d')!.drawImage(img, 0, 0, W * s, H * s);
    return await new Promise((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser could not encode the PNG'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The PNG of the heatmap: the SVG export, rasterised at twice its size. */
export async function heatmapPng(result: ScoreResult, text: string, mode: ColourMode): Promise<Blob> {
  return svgToPng(heatmapSvgFor(result, text, mode));
}

export async function downloadPng(result: ScoreResult, text: string, mode: ColourMode): Promise<void> {
  download(`${baseName(result)}-${mode}.png`, await heatmapPng(result, text, mode));
}
