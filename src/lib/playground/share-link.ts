/**
 * The share link: the playground's text and settings in the URL hash, so that opening the link shows
 * the same view. Everything stays in the hash: it never reaches a server, and a static host needs no
 * rewrite rules.
 *
 *   #/playground?model=tiny-bpe1k&stride=64&mode=rank&text=Call+me+Ishmael.
 */
import { parseColourMode, type ColourMode } from './colour-modes';

export interface SharedView {
  text: string;
  model?: string;
  /** Window stride in tokens; absent = the model's default. */
  stride?: number;
  mode?: ColourMode;
}

/**
 * The stride the engine will use for a requested one (a field's value, a link's): a whole number of at
 * least 1, at most `nCtx - 1` when the context is known; undefined (the default, half a context) for
 * anything else (0, -5, 1.5, empty).
 * @example usableStride(256, 256) // 255; usableStride(0, 256) // undefined
 */
export function usableStride(stride: number | undefined, nCtx: number | null | undefined): number | undefined {
  if (stride === undefined || !Number.isInteger(stride) || stride < 1) return undefined;
  return nCtx && nCtx >= 2 ? Math.min(stride, nCtx - 1) : stride;
}

/**
 * The hash for a view.
 * @example shareHash({ text: 'hi', model: 'tiny-byte' }) // '#/playground?model=tiny-byte&text=hi'
 */
export function shareHash(view: SharedView): string {
  const q = new URLSearchParams();
  if (view.model) q.set('model', view.model);
  if (view.stride) q.set('stride', String(view.stride));
  if (view.mode && view.mode !== 'surprisal') q.set('mode', view.mode);
  q.set('text', view.text);
  return `#/playground?${q}`;
}

/**
 * The view a hash shares, or null when it shares none (no `text` parameter).
 * @example parseShareHash('#/playground?text=hi&stride=7') // { text: 'hi', stride: 7 }
 */
export function parseShareHash(hash: string): SharedView | null {
  const at = hash.indexOf('?');
  if (at < 0) return null;
  const q = new URLSearchParams(hash.slice(at + 1));
  const text = q.get('text');
  if (text === null) return null;
  const view: SharedView = { text };
  const model = q.get('model');
  if (model) view.model = model;
  const stride = Number(q.get('stride'));
  if (Number.isInteger(stride) && stride > 0) view.stride = stride;
  if (q.has('mode')) view.mode = parseColourMode(q.get('mode'));
  return view;
}
