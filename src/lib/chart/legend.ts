/**
 * Legend entries laid out in rows across a width, by the measured width of each label: a key
 * (swatch), the label, and a gap, wrapping to a new row where the next entry would overflow.
 */

export interface LegendPlaced {
  /** Left edge of the entry's key, in pixels from the legend's origin. */
  x: number;
  /** Row, from 0. */
  row: number;
}

/**
 * Place legend entries in rows. An entry wider than the whole width gets a row of its own.
 * @param measure the label's rendered width in pixels (a canvas measureText with the chart's font)
 * @param key the swatch's width plus the space before the label
 * @param gap the space after the label, before the next entry
 * @example layoutLegend([{ label: 'a' }, { label: 'b' }], 60, () => 20, 10, 5) // x 0 row 0, x 0 row 1
 */
export function layoutLegend<T extends { label: string }>(
  items: readonly T[],
  width: number,
  measure: (label: string) => number,
  key: number,
  gap: number,
): (T & LegendPlaced)[] {
  let x = 0;
  let row = 0;
  return items.map((it) => {
    const w = key + measure(it.label) + gap;
    if (x > 0 && x + w > width) {
      x = 0;
      row++;
    }
    const out = { ...it, x, row };
    x += w;
    return out;
  });
}
