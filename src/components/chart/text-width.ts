/**
 * Rendered text widths for laying out SVG text (legends) without a layout pass: a canvas's
 * measureText with the chart's font, the root font size read when asked (projector mode enlarges it).
 */

let context: CanvasRenderingContext2D | null | undefined;

/** The chart's sans-serif family, as ChartFrame sets it on its SVG. */
export const CHART_FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/** The root element's font size in pixels (1rem): 15 normally, 20 in projector mode. */
export function remPx(): number {
  const root = globalThis.document?.documentElement;
  return root ? parseFloat(getComputedStyle(root).fontSize) || 16 : 16;
}

/**
 * The width in pixels of `text` at `rem` rem in the chart's font. Without a canvas (a test in Node),
 * an estimate of 0.6 em a character.
 */
export function textWidth(text: string, rem: number, weight = 400): number {
  const px = rem * remPx();
  if (context === undefined) context = globalThis.document?.createElement('canvas').getContext('2d') ?? null;
  if (!context) return text.length * px * 0.6;
  context.font = `${weight} ${px}px ${CHART_FONT_FAMILY}`;
  return context.measureText(text).width;
}
