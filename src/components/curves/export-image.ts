/**
 * The chart as a standalone SVG file or a PNG: the on-screen SVG is styled by CSS (theme variables),
 * so the copy gets each element's computed style written inline, and the PNG is that SVG painted on
 * a canvas at twice the size for sharp slides.
 */
import { svgToPng as rasterise } from '../../state/downloads';

const PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'stroke-linejoin',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-variant-numeric',
  'text-anchor',
  'dominant-baseline',
] as const;

/** Serialise an on-screen SVG with its computed styles inline; interaction-only layers are left out. */
export function standaloneSvg(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [clone, ...clone.querySelectorAll('*')];
  from.forEach((el, i) => {
    const style = getComputedStyle(el);
    const target = to[i] as SVGElement;
    const decl = PROPS.map((p) => `${p}:${style.getPropertyValue(p)}`).join(';');
    target.setAttribute('style', decl);
    target.removeAttribute('class');
  });
  for (const el of clone.querySelectorAll('.overlay, [data-hover]')) el.remove();
  clone.querySelectorAll('rect').forEach((r) => {
    if (r.getAttribute('style')?.includes('fill:rgba(0, 0, 0, 0)') && !r.closest('clipPath')) r.remove();
  });
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('viewBox', `0 0 ${svg.width.baseVal.value} ${svg.height.baseVal.value}`);
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(clone);
}

/** Paint the standalone SVG on a canvas, `scale` times its size (the app's one rasteriser, state/downloads.ts). */
export function svgToPng(svgText: string, width: number, height: number, scale = 2): Promise<Blob> {
  return rasterise(svgText, { width, height, scale });
}
