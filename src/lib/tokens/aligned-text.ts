/**
 * Text that remembers where it came from: every UTF-16 unit of a normalized or pre-tokenized string
 * carries the [start, end) span of the original input it stands for. Replaying a tokenizer's
 * normalizer and pre-tokenizer on this shape is what lets token ids be mapped back to characters,
 * since @huggingface/tokenizers returns no offsets.
 */

export interface AlignedText {
  readonly text: string;
  /** (text.length) UTF-16 offsets into the original input; start[i] === end[i] for an inserted unit. */
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** The input range this text stands for: where an insertion into an empty text lands. */
  readonly from: number;
  readonly to: number;
}

/** Accumulates units and their spans without quadratic string or array growth. */
class AlignedBuilder {
  private readonly pieces: string[] = [];
  private start = new Int32Array(16);
  private end = new Int32Array(16);
  private length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.start.length) return;
    const size = Math.max(this.start.length * 2, this.length + extra);
    const start = new Int32Array(size);
    const end = new Int32Array(size);
    start.set(this.start.subarray(0, this.length));
    end.set(this.end.subarray(0, this.length));
    this.start = start;
    this.end = end;
  }

  /** Copy units [i, j) of `source` with their own spans. */
  copy(source: AlignedText, i: number, j: number): void {
    if (j <= i) return;
    this.reserve(j - i);
    this.pieces.push(source.text.slice(i, j));
    this.start.set(source.start.subarray(i, j), this.length);
    this.end.set(source.end.subarray(i, j), this.length);
    this.length += j - i;
  }

  /** Add `text`, every unit of it standing for the input span [start, end). */
  add(text: string, start: number, end: number): void {
    if (text.length === 0) return;
    this.reserve(text.length);
    this.pieces.push(text);
    this.start.fill(start, this.length, this.length + text.length);
    this.end.fill(end, this.length, this.length + text.length);
    this.length += text.length;
  }

  build(from: number, to: number): AlignedText {
    return {
      text: this.pieces.join(''),
      start: this.start.slice(0, this.length),
      end: this.end.slice(0, this.length),
      from,
      to,
    };
  }
}

/**
 * The input range [from, to) as an aligned text in which every unit stands for itself.
 * @example alignedSlice('hello world', 6, 11).text // 'world'
 */
export function alignedSlice(input: string, from: number, to: number): AlignedText {
  const n = to - from;
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    start[i] = from + i;
    end[i] = from + i + 1;
  }
  // a surrogate pair is one character: both halves stand for the whole pair
  for (let i = 0; i + 1 < n; i++) {
    const unit = input.charCodeAt(from + i);
    const next = input.charCodeAt(from + i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      end[i] = from + i + 2;
      start[i + 1] = from + i;
      i++;
    }
  }
  return { text: input.slice(from, to), start, end, from, to };
}

/** The input offset just before unit i (where an insertion before unit i lands). */
function positionBefore(a: AlignedText, i: number): number {
  if (i < a.text.length) return a.start[i];
  return a.text.length > 0 ? a.end[a.text.length - 1] : a.from;
}

/**
 * Insert `prefix` at the start; its units stand for no input character (an empty span at the start).
 * @example alignedPrepend(alignedSlice('hi', 0, 2), '▁').text // '▁hi'
 */
export function alignedPrepend(a: AlignedText, prefix: string): AlignedText {
  const b = new AlignedBuilder();
  const at = positionBefore(a, 0);
  b.add(prefix, at, at);
  b.copy(a, 0, a.text.length);
  return b.build(a.from, a.to);
}

/**
 * Replace every match of a global regular expression; the replacement's units stand for the whole
 * span of what they replaced (an empty match inserts at its position).
 * @example alignedReplace(alignedSlice('a b', 0, 3), / /gu, '▁').text // 'a▁b'
 */
export function alignedReplace(a: AlignedText, pattern: RegExp, content: string): AlignedText {
  if (!pattern.global) throw new Error(`alignedReplace needs a global pattern, got ${pattern}`);
  const b = new AlignedBuilder();
  let last = 0;
  for (const match of a.text.matchAll(pattern)) {
    const i = match.index;
    const length = match[0].length;
    b.copy(a, last, i);
    if (length > 0) b.add(content, a.start[i], a.end[i + length - 1]);
    else b.add(content, positionBefore(a, i), positionBefore(a, i));
    last = i + length;
  }
  b.copy(a, last, a.text.length);
  return b.build(a.from, a.to);
}

/** One base character with the marks that follow it (or a run of marks with no base). */
const CHARACTER_WITH_MARKS = /\P{M}\p{M}*|\p{M}+/gsu;

/**
 * Apply a character-local transformation (Unicode normalization, lower-casing, accent stripping) and
 * keep alignment: each base character with its combining marks is transformed on its own and its
 * output stands for the whole cluster. When transforming piecewise differs from transforming the
 * whole text (context such as a final sigma, or composition across clusters), every output unit
 * stands for the whole text instead: coarse, but never wrong.
 * @example alignedMapCharacters(alignedSlice('cafe\u0301', 0, 5), (s) => s.normalize('NFC')).text // 'café'
 */
export function alignedMapCharacters(a: AlignedText, transform: (text: string) => string): AlignedText {
  const b = new AlignedBuilder();
  for (const match of a.text.matchAll(CHARACTER_WITH_MARKS)) {
    const i = match.index;
    const length = match[0].length;
    b.add(transform(match[0]), a.start[i], a.end[i + length - 1]);
  }
  const piecewise = b.build(a.from, a.to);
  const whole = transform(a.text);
  if (piecewise.text === whole) return piecewise;
  // spans never go backwards, so the first and last units bound the whole text's span
  const n = a.text.length;
  const coarse = new AlignedBuilder();
  coarse.add(whole, n > 0 ? a.start[0] : a.from, n > 0 ? a.end[n - 1] : a.to);
  return coarse.build(a.from, a.to);
}

/**
 * Remove leading and/or trailing whitespace (as String.prototype.trim does).
 * @example alignedStrip(alignedSlice('  hi ', 0, 5), true, true).text // 'hi'
 */
export function alignedStrip(a: AlignedText, left: boolean, right: boolean): AlignedText {
  const i = left ? a.text.length - a.text.trimStart().length : 0;
  const j = right ? a.text.trimEnd().length : a.text.length;
  const b = new AlignedBuilder();
  b.copy(a, i, Math.max(i, j));
  return b.build(a.from, a.to);
}

/**
 * Join aligned texts in order.
 * @example alignedConcat([alignedSlice('ab', 0, 1), alignedSlice('ab', 1, 2)], 0, 2).text // 'ab'
 */
export function alignedConcat(parts: readonly AlignedText[], from: number, to: number): AlignedText {
  const b = new AlignedBuilder();
  for (const part of parts) b.copy(part, 0, part.text.length);
  return b.build(from, to);
}

/**
 * A text whose every unit stands for the same input span (an added token, which is atomic).
 * @example alignedAtom('<|endoftext|>', 7, 20).end[0] // 20
 */
export function alignedAtom(text: string, start: number, end: number): AlignedText {
  const b = new AlignedBuilder();
  b.add(text, start, end);
  return b.build(start, end);
}

/**
 * Units [i, j) of an aligned text, with their spans.
 * @example alignedSubtext(alignedSlice('hello', 0, 5), 1, 3).text // 'el'
 */
export function alignedSubtext(a: AlignedText, i: number, j: number): AlignedText {
  const from = positionBefore(a, i);
  return {
    text: a.text.slice(i, j),
    start: a.start.slice(i, j),
    end: a.end.slice(i, j),
    from,
    to: j > i ? a.end[j - 1] : from,
  };
}
