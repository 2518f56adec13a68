/**
 * The geometry every chart shares, with no DOM: margins at a type scale, the plot area inside them,
 * tick lists in pixels, and thinning ticks that would overlap. The chart frame and axis components
 * (components/chart/) draw what these compute.
 */

/** Space around the plot area, in CSS pixels, for the axes' ticks and labels. */
export interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** One tick: its data value, its label and its position along the axis in plot pixels. */
export interface Tick {
  value: number;
  label: string;
  px: number;
}

/**
 * Margins at a type scale (projector mode enlarges the tick labels, and the margins with them).
 * @example scaleMargin({ top: 12, right: 16, bottom: 30, left: 42 }, 4 / 3).left // 56
 */
export function scaleMargin(m: Margin, scale = 1): Margin {
  return { top: m.top * scale, right: m.right * scale, bottom: m.bottom * scale, left: m.left * scale };
}

/**
 * The plot area inside the margins, never under `min` pixels a side (a chart in a narrow or hidden
 * container still draws, clipped, rather than inverting its scales).
 * @defaultValue min 10
 * @example plotSize(800, 400, { top: 10, right: 10, bottom: 30, left: 40 }) // { innerWidth: 750, innerHeight: 360 }
 */
export function plotSize(
  width: number,
  height: number,
  m: Margin,
  min = 10,
): { innerWidth: number; innerHeight: number } {
  return { innerWidth: Math.max(min, width - m.left - m.right), innerHeight: Math.max(min, height - m.top - m.bottom) };
}

/**
 * Ticks at the given values, placed by a scale and labelled by a formatter; values the scale cannot
 * place (a log scale at 0) are left out.
 * @example ticksAt([0, 1], (v) => v * 100, String) // [{ value: 0, label: '0', px: 0 }, { value: 1, label: '1', px: 100 }]
 */
export function ticksAt(
  values: Iterable<number>,
  scale: (v: number) => number | undefined,
  format: (v: number) => string = String,
): Tick[] {
  const out: Tick[] = [];
  for (const value of values) {
    const px = scale(value);
    if (px !== undefined && Number.isFinite(px)) out.push({ value, label: format(value), px });
  }
  return out;
}

/** Drop ticks closer than `gap` pixels to the previous kept one, in pixel order. */
export function spacedTicks<T extends { px: number }>(ticks: T[], gap: number): T[] {
  const out: T[] = [];
  for (const t of [...ticks].sort((a, b) => a.px - b.px))
    if (!out.length || Math.abs(t.px - out[out.length - 1].px) >= gap) out.push(t);
  return out;
}
