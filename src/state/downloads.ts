/**
 * Files the playground hands the user: the per-token table (CSV, JSON) and the heatmap (SVG, PNG).
 * The content comes from the pure builders in lib/playground/export.ts; this module only measures
 * text, paints the PNG and triggers the download.
 */
import { exportTitle, heatmapSvg, layoutHeatmap, resultToJson, tokensToCsv } from '../lib/playground/export';
import { legendFor, type ColourMode } from '../lib/playground/colour-modes';
import type { ScoreResult } from '../lib/scoring/types';

const FONT_FAMILY = "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', monospace";
const FONT_SIZE = 15;
const LINE_HEIGHT = 24;
const TEXT_WIDTH = 760;
const PAD = 16;
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

function layout(result: ScoreResult, text: string, mode: ColourMode) {
  const ctx = document.createElement('canvas').getContext('2d')!;
  ctx.font = `${FONT_SIZE}px ${FONT_FAMILY}`;
  return layoutHeatmap(text, result.tokens, mode, {
    width: TEXT_WIDTH,
    lineHeight: LINE_HEIGHT,
    measure: (s) => ctx.measureText(s).width,
  });
}

export function heatmapSvgFor(result: ScoreResult, text: string, mode: ColourMode): string {
  return heatmapSvg(layout(result, text, mode), {
    title: exportTitle(result, mode),
    mode,
    font: FONT_FAMILY,
    fontSize: FONT_SIZE,
    padding: PAD,
  });
}

export function downloadSvg(result: ScoreResult, text: string, mode: ColourMode): void {
  download(`${baseName(result)}-${mode}.svg`, heatmapSvgFor(result, text, mode), 'image/svg+xml');
}

/** The same drawing as the SVG, painted at twice the size for sharp slides. */
export async function heatmapPng(result: ScoreResult, text: string, mode: ColourMode): Promise<Blob> {
  const l = layout(result, text, mode);
  const legend = legendFor(mode);
  const W = l.width + 2 * PAD;
  const H = l.height + 2 * PAD + 28 + 46;
  // browsers refuse canvases much over 32,767 px on a side: halve the resolution, then give up
  const scale = H * 2 <= MAX_CANVAS ? 2 : 1;
  if (H * scale > MAX_CANVAS)
    throw new Error(`the text is too long for a PNG (${Math.ceil(H)} px tall); download the SVG instead`);
  const canvas = document.createElement('canvas');
  canvas.width = W * scale;
  canvas.height = H * scale;
  const ctx = canvas.getContext('2d')!;
  ctx.scale(scale, scale);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = '#111318';
  ctx.font = '600 14px system-ui, sans-serif';
  ctx.fillText(exportTitle(result, mode), PAD, PAD + 12);
  ctx.translate(PAD, PAD + 28);
  ctx.font = `${FONT_SIZE}px ${FONT_FAMILY}`;
  ctx.textBaseline = 'alphabetic';
  for (const b of l.boxes) {
    if (b.fill) {
      ctx.fillStyle = b.fill;
      ctx.fillRect(b.x, b.y, b.width, LINE_HEIGHT - 2);
    }
    if (b.text.trim()) {
      ctx.fillStyle = b.ink;
      ctx.fillText(b.text, b.x, b.y + LINE_HEIGHT * 0.72);
    }
  }
  // legend
  ctx.translate(24, l.height + 12); // indented as in the SVG, so the end labels stay inside
  ctx.font = '11px system-ui, sans-serif';
  if (legend.kind === 'gradient') {
    const g = ctx.createLinearGradient(0, 0, 240, 0);
    for (const s of legend.stops) g.addColorStop(s.offset, s.colour);
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, 240, 10);
    ctx.textAlign = 'center';
    for (const t of legend.ticks) {
      ctx.fillStyle = '#333';
      ctx.fillText(t.label, t.offset * 240, 24);
      ctx.fillStyle = '#666';
      ctx.fillText(t.sub, t.offset * 240, 36);
    }
    ctx.textAlign = 'left';
    ctx.fillStyle = '#333';
    ctx.fillText(legend.title, 260, 9);
  } else {
    legend.items.forEach((item, i) => {
      ctx.fillStyle = item.colour;
      ctx.fillRect(i * 110, 0, 12, 12);
      ctx.fillStyle = '#333';
      ctx.fillText(item.label, i * 110 + 16, 10);
    });
    ctx.fillText(legend.title, 0, 30);
  }
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the browser could not encode the PNG'))), 'image/png'),
  );
}

export async function downloadPng(result: ScoreResult, text: string, mode: ColourMode): Promise<void> {
  download(`${baseName(result)}-${mode}.png`, await heatmapPng(result, text, mode));
}
