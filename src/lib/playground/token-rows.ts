/**
 * The token strip's rows, shared by the Playground's heatmap, the Compare panels and the exported
 * pictures: which characters each token shows, how its text splits into plain runs and marked
 * whitespace, and where the strip's layout blocks end. Pure: no DOM; the components and the exports
 * build their elements or drawings from this.
 */
import { splitWhitespace, type TextPart } from './whitespace';

/** The characters each token shows: [from[i], to[i]) in the text; from ≥ to when token i shows none. */
export interface ShownRanges {
  from: Int32Array;
  to: Int32Array;
}

/**
 * The shared-character cursor: tokens that share characters (the bytes of one emoji) show them once,
 * on the first of them; the others show nothing. Computed once, without a string per token.
 * @example shownRanges([{ start: 0, end: 2 }, { start: 0, end: 2 }]) // from [0, 2], to [2, 2]
 */
export function shownRanges(tokens: readonly { start: number; end: number }[]): ShownRanges {
  const from = new Int32Array(tokens.length);
  const to = new Int32Array(tokens.length);
  let cursor = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    from[i] = Math.max(t.start, cursor);
    to[i] = t.end;
    cursor = Math.max(cursor, t.end);
  }
  return { from, to };
}

/** The characters token `i` shows ('' when it shares them with a token before it). */
export function shownText(text: string, shown: ShownRanges, i: number): string {
  return shown.from[i] < shown.to[i] ? text.slice(shown.from[i], shown.to[i]) : '';
}

/**
 * Token `i`'s shown characters as plain runs and single marked whitespace characters (newline, tab,
 * and spaces when `markSpaces`): joined, the parts are exactly the shown characters.
 * @example tokenParts('a\nb', shownRanges([{ start: 0, end: 3 }]), 0, false).map((p) => p.kind) // ['text', 'newline', 'text']
 */
export function tokenParts(text: string, shown: ShownRanges, i: number, markSpaces: boolean): TextPart[] {
  const s = shownText(text, shown, i);
  return s ? splitWhitespace(s, markSpaces) : [];
}

/**
 * Where the strip's blocks start (token indexes, ascending, 0 first): a block holds at least `size`
 * tokens and ends after a token whose shown characters end in a newline, so that each block is whole
 * lines and the browser lays out (and skips, off screen) one block at a time.
 * @example blockStarts('a\nb\nc', shownRanges(tokens), 2)
 */
export function blockStarts(text: string, shown: ShownRanges, size: number): number[] {
  const n = shown.from.length;
  if (n === 0) return [];
  const starts = [0];
  let inBlock = 1;
  for (let i = 1; i < n; i++) {
    const prevEnd = shown.to[i - 1];
    if (inBlock >= size && shown.from[i - 1] < prevEnd && text.charCodeAt(prevEnd - 1) === 10) {
      starts.push(i);
      inBlock = 0;
    }
    inBlock++;
  }
  return starts;
}

/** The strip's rows of one result: shown characters per token and its blocks. */
export interface StripRows extends ShownRanges {
  blocks: number[];
}

/**
 * Everything the strip needs to draw `tokens` over `text`, in blocks of at least `blockSize` tokens.
 * @example const rows = stripRows(text, result.tokens); tokenParts(text, rows, 0, false)
 */
export function stripRows(text: string, tokens: readonly { start: number; end: number }[], blockSize = 200): StripRows {
  const shown = shownRanges(tokens);
  return { ...shown, blocks: blockStarts(text, shown, blockSize) };
}

/**
 * The next selection for a key pressed on the strip (arrows, Home, End, Escape), or undefined for a
 * key the strip leaves alone. `at` is the current selection (null: none), `count` the token count.
 * @example nextSelection('ArrowRight', null, 10) // 0
 */
export function nextSelection(key: string, at: number | null, count: number): number | null | undefined {
  if (count === 0) return undefined;
  const last = count - 1;
  const i = at ?? -1;
  switch (key) {
    case 'ArrowRight':
      return Math.min(last, i + 1);
    case 'ArrowLeft':
      return i < 0 ? 0 : Math.max(0, i - 1);
    case 'Home':
      return 0;
    case 'End':
      return last;
    case 'Escape':
      return null;
    default:
      return undefined;
  }
}
