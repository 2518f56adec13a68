/**
 * Token -> character-span alignment. @huggingface/tokenizers gives token strings but no offsets, so
 * the input is replayed through the tokenizer's character-changing steps (added-token splits,
 * normalizer, pre-tokenizer) as aligned text, turned into UTF-8 bytes that each remember their input
 * span, and every token's bytes are matched there in order. Byte-level tokens (GPT-2's table) and
 * `<0xNN>` byte-fallback tokens are matched byte by byte, so a character whose bytes are split
 * across tokens is shared by all of them: each gets that character's whole span.
 */
import {
  alignedAtom,
  alignedConcat,
  alignedSlice,
  alignedStrip,
  alignedSubtext,
  type AlignedText,
} from './aligned-text';
import { byteLevelTokenBytes } from './byte-level';
import type { AlignedNormalizer, AlignedPreTokenizer, TokenModelSpec } from './text-pipeline';
import { writeCodePointUtf8 } from './utf8';

/** An added token of tokenizer.json (`added_tokens`). */
export interface AddedTokenSpec {
  id: number;
  content: string;
  /** Whitespace before it is not tokenized (it joins this token's span). */
  lstrip: boolean;
  /** Whitespace after it is not tokenized (it joins this token's span). */
  rstrip: boolean;
  /** Matched in the normalized text rather than the raw input. */
  normalized: boolean;
  special: boolean;
}

/** Everything alignment needs to know about a tokenizer. */
export interface AlignmentPlan {
  normalizer: AlignedNormalizer | null;
  preTokenizer: AlignedPreTokenizer;
  model: TokenModelSpec;
  addedTokens: readonly AddedTokenSpec[];
  /** Strings the normalizer or pre-tokenizer insert that stand for no input character. */
  insertions: readonly string[];
}

/** Per-token spans: (T) each, UTF-16 offsets into the input. */
export interface TokenSpans {
  start: Int32Array;
  end: Int32Array;
}

/** A run of a token's bytes; an insertion run may also stand for nothing in the input. */
interface PieceSegment {
  bytes: Uint8Array;
  insertion: boolean;
}

/** The input as the tokenizer model sees it, one byte at a time: (B) each. */
interface TargetBytes {
  bytes: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  /** Input offset where an insertion at the very end lands. */
  to: number;
}

/** Added tokens by their UTF-16 units, for finding them in a text. */
export type TrieNode = Map<string, TrieNode> & { token?: AddedTokenSpec };

/**
 * The added_tokens of a tokenizer.json.
 * @example addedTokenSpecs({ added_tokens: [{ id: 256, content: '<|endoftext|>', special: true }] })[0].id // 256
 */
export function addedTokenSpecs(json: Record<string, unknown>): AddedTokenSpec[] {
  return ((json.added_tokens as Record<string, unknown>[] | undefined) ?? []).map((t) => ({
    id: Number(t.id),
    content: String(t.content),
    lstrip: Boolean(t.lstrip),
    rstrip: Boolean(t.rstrip),
    normalized: Boolean(t.normalized),
    special: Boolean(t.special),
  }));
}

const BYTE_FALLBACK = /^<0x([0-9A-Fa-f]{2})>$/;
const encoder = new TextEncoder();
// not fatal: a partial sequence decodes to U+FFFD; ignoreBOM keeps a U+FEFF token instead of dropping it
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Maps a tokenizer's output back to the input. One aligner per tokenizer; it caches each piece's bytes.
 * @example
 * const spans = aligner.align('hello world', ['hello', 'Ġworld']); // start [0, 5], end [5, 11]
 */
export class TokenAligner {
  private readonly rawTrie: TrieNode;
  private readonly normalizedTrie: TrieNode;
  private readonly addedByContent = new Map<string, AddedTokenSpec>();
  private readonly segmentCache = new Map<string, PieceSegment[]>();

  constructor(private readonly plan: AlignmentPlan) {
    this.rawTrie = new Map() as TrieNode;
    this.normalizedTrie = new Map() as TrieNode;
    for (const token of plan.addedTokens) {
      this.addedByContent.set(token.content, token);
      // as @huggingface/tokenizers does: normalized tokens are looked for in the normalized text
      if (token.normalized && plan.normalizer) {
        const normalized = plan.normalizer(alignedSlice(token.content, 0, token.content.length)).text;
        this.addedByContent.set(normalized, token);
        insertIntoTrie(this.normalizedTrie, normalized, token);
      } else {
        insertIntoTrie(this.rawTrie, token.content, token);
      }
    }
  }

  /**
   * The [start, end) input span of each token piece, in order.
   * @example aligner.align('hi 👋', ['hi', 'Ġð', 'Łĳĭâ']) // the last two share the emoji's span
   */
  align(input: string, pieces: readonly string[]): TokenSpans {
    const target = toTargetBytes(this.modelInput(input));
    const T = pieces.length;
    const start = new Int32Array(T);
    const end = new Int32Array(T);
    const B = target.bytes.length;
    let cursor = 0; // next unmatched target byte

    const positionAt = (at: number) => (at < B ? target.start[at] : target.to);
    const matchesAt = (at: number, bytes: Uint8Array) => {
      if (at + bytes.length > B) return false;
      for (let i = 0; i < bytes.length; i++) if (target.bytes[at + i] !== bytes[i]) return false;
      return true;
    };
    const nextCodePoint = (at: number) => {
      let next = at + 1;
      while (next < B && (target.bytes[next] & 0xc0) === 0x80) next++;
      return next;
    };
    const isWhitespaceAt = (at: number) => /^\s$/u.test(decodeCodePoint(target.bytes, at, nextCodePoint(at)));
    // where an unknown token's text ends: where the next token's own characters begin
    const nextTokenStartsAt = (t: number, at: number) => {
      if (t >= T) return false;
      const [first, second] = this.segments(pieces[t]);
      // unknown runs are fused into one token, so a next unknown token is its literal text
      if (this.isUnknown(pieces[t]) && !this.plan.model.fuseUnknown) return true;
      if (!first) return false;
      return matchesAt(at, first.bytes) || (first.insertion && second !== undefined && matchesAt(at, second.bytes));
    };

    for (let t = 0; t < T; t++) {
      const piece = pieces[t];
      const segments = this.segments(piece);
      if (this.plan.preTokenizer.dropsWhitespace) {
        // skip dropped whitespace unless this token really holds the whole whitespace character
        // (a one-byte byte-level token may match just the first byte of a dropped U+FEFF)
        const startsWithWhole = (at: number) =>
          segments.length > 0 && segments[0].bytes.length >= nextCodePoint(at) - at && matchesAt(at, segments[0].bytes);
        while (cursor < B && isWhitespaceAt(cursor) && !startsWithWhole(cursor)) cursor = nextCodePoint(cursor);
      }
      let first = -1;
      let last = -1;
      const cover = (s: number, e: number) => {
        if (first < 0) first = s;
        last = Math.max(last, e);
      };
      for (const segment of segments) {
        if (matchesAt(cursor, segment.bytes)) {
          cover(target.start[cursor], target.end[cursor + segment.bytes.length - 1]);
          cursor += segment.bytes.length;
        } else if (segment.insertion) {
          cover(positionAt(cursor), positionAt(cursor));
        } else if (this.isUnknown(piece) && cursor < B) {
          // an unknown token stands for the text up to where the next token's text begins
          const from = cursor;
          do cursor = nextCodePoint(cursor);
          while (cursor < B && !nextTokenStartsAt(t + 1, cursor));
          cover(target.start[from], target.end[cursor - 1]);
        } else {
          throw alignmentError(input, pieces, t, positionAt(cursor));
        }
      }
      if (first < 0) cover(positionAt(cursor), positionAt(cursor));
      start[t] = first;
      end[t] = last;
    }
    while (cursor < B && this.plan.preTokenizer.dropsWhitespace && isWhitespaceAt(cursor))
      cursor = nextCodePoint(cursor);
    if (cursor < B) throw alignmentError(input, pieces, T, positionAt(cursor));

    giveUncoveredTextToNeighbours(start, end, input.length);
    return { start, end };
  }

  /**
   * The bytes a token piece stands for (with `spaceMarker` read as a space), decoded for display;
   * a partial UTF-8 sequence shows as U+FFFD.
   * @example aligner.displayText('Ġthe') // ' the'
   */
  displayText(piece: string, spaceMarker: string | null): string {
    const added = this.addedByContent.get(piece);
    if (added) return added.content;
    const segments = this.segments(piece);
    const bytes = new Uint8Array(segments.reduce((n, s) => n + s.bytes.length, 0));
    let at = 0;
    for (const s of segments) {
      bytes.set(s.bytes, at);
      at += s.bytes.length;
    }
    const text = decoder.decode(bytes);
    return spaceMarker ? text.replaceAll(spaceMarker, ' ') : text;
  }

  /**
   * The input as the tokenizer's model sees it: split around added tokens, each remaining section
   * normalized and pre-tokenized (as @huggingface/tokenizers' encode does), joined again.
   */
  private modelInput(input: string): AlignedText {
    const parts: AlignedText[] = [];
    const sections = splitOnAddedTokens(alignedSlice(input, 0, input.length), this.rawTrie);
    sections.forEach((section, sectionIndex) => {
      if (section.added) {
        parts.push(alignedAtom(section.text.text, section.spanStart, section.spanEnd));
        return;
      }
      if (section.text.text.length === 0) return;
      const normalized = this.plan.normalizer ? this.plan.normalizer(section.text) : section.text;
      if (normalized.text.length === 0) return;
      for (const sub of splitOnAddedTokens(normalized, this.normalizedTrie)) {
        if (sub.added) parts.push(alignedAtom(sub.text.text, sub.spanStart, sub.spanEnd));
        else if (sub.text.text.length > 0) parts.push(this.plan.preTokenizer.apply(sub.text, sectionIndex));
      }
    });
    return alignedConcat(parts, 0, input.length);
  }

  private isUnknown(piece: string): boolean {
    return piece === this.plan.model.unkToken;
  }

  private segments(piece: string): PieceSegment[] {
    let segments = this.segmentCache.get(piece);
    if (!segments) {
      segments = this.pieceSegments(piece);
      this.segmentCache.set(piece, segments);
    }
    return segments;
  }

  private pieceSegments(piece: string): PieceSegment[] {
    const literal = (text: string): PieceSegment => ({ bytes: encoder.encode(text), insertion: false });
    if (this.addedByContent.has(piece)) return [literal(piece)];
    const { model, preTokenizer, insertions } = this.plan;
    const byte = model.byteFallback ? BYTE_FALLBACK.exec(piece) : null;
    if (byte) return [{ bytes: Uint8Array.of(parseInt(byte[1], 16)), insertion: false }];
    if (preTokenizer.byteLevel) {
      const bytes = byteLevelTokenBytes(piece);
      if (bytes) return [{ bytes, insertion: false }];
    }
    let text = piece;
    const prefix = model.continuingSubwordPrefix;
    if (prefix && text.startsWith(prefix) && text.length > prefix.length) text = text.slice(prefix.length);
    const suffix = model.endOfWordSuffix;
    if (suffix && text.endsWith(suffix) && text.length > suffix.length) text = text.slice(0, -suffix.length);
    return splitOnInsertions(text, insertions).map(([run, insertion]) => ({ bytes: encoder.encode(run), insertion }));
  }
}

/** A section of text between added tokens, or one added token with its span (stripped whitespace included). */
interface Section {
  text: AlignedText;
  added: AddedTokenSpec | null;
  spanStart: number;
  spanEnd: number;
}

export function insertIntoTrie(trie: TrieNode, word: string, token: AddedTokenSpec): void {
  if (word.length === 0) return;
  let node = trie;
  // by UTF-16 unit, as matchAddedToken walks the text (and the library's DictionarySplitter does)
  for (let k = 0; k < word.length; k++) {
    const unit = word[k];
    let child = node.get(unit);
    if (!child) node.set(unit, (child = new Map() as TrieNode));
    node = child;
  }
  node.token = token;
}

/**
 * The longest added token starting at text[i], and where it ends; null when none does.
 * @example matchAddedToken(trie, 'a<|endoftext|>', 1) // { token: <|endoftext|>, end: 14 }
 */
export function matchAddedToken(
  trie: TrieNode,
  text: string,
  i: number,
): { token: AddedTokenSpec; end: number } | null {
  let node: TrieNode | undefined = trie;
  let match: { token: AddedTokenSpec; end: number } | null = null;
  for (let j = i; j < text.length && (node = node.get(text[j])); j++) {
    if (node.token) match = { token: node.token, end: j + 1 };
  }
  return match;
}

/**
 * Split around added tokens, longest match first (as @huggingface/tokenizers' DictionarySplitter does),
 * then strip whitespace beside tokens marked lstrip/rstrip, giving it to the token's span.
 */
function splitOnAddedTokens(a: AlignedText, trie: TrieNode): Section[] {
  const sections: Section[] = [];
  if (trie.size === 0) return [{ text: a, added: null, spanStart: a.from, spanEnd: a.to }];
  const text = a.text;
  const pushText = (i: number, j: number) => {
    if (j > i) {
      const sub = alignedSubtext(a, i, j);
      sections.push({ text: sub, added: null, spanStart: sub.from, spanEnd: sub.to });
    }
  };
  let sectionStart = 0;
  let i = 0;
  while (i < text.length) {
    const match = matchAddedToken(trie, text, i);
    if (match) {
      pushText(sectionStart, i);
      sections.push({
        text: alignedSubtext(a, i, match.end),
        added: match.token,
        spanStart: a.start[i],
        spanEnd: a.end[match.end - 1],
      });
      i = sectionStart = match.end;
    } else {
      i++;
    }
  }
  pushText(sectionStart, text.length);

  sections.forEach((section, k) => {
    const token = section.added;
    if (!token) return;
    const before = sections[k - 1];
    if (token.lstrip && before && !before.added) {
      const kept = alignedStrip(before.text, false, true);
      if (kept.text.length < before.text.text.length) section.spanStart = before.text.start[kept.text.length];
      before.text = kept;
    }
    const after = sections[k + 1];
    if (token.rstrip && after && !after.added) {
      const kept = alignedStrip(after.text, true, false);
      const removed = after.text.text.length - kept.text.length;
      if (removed > 0) section.spanEnd = after.text.end[removed - 1];
      after.text = kept;
    }
  });
  return sections;
}

/** Split `text` into runs, marking each occurrence of an insertion string. */
function splitOnInsertions(text: string, insertions: readonly string[]): [string, boolean][] {
  if (insertions.length === 0 || text.length === 0) return text.length ? [[text, false]] : [];
  const runs: [string, boolean][] = [];
  let plain = 0;
  let i = 0;
  outer: while (i < text.length) {
    for (const insertion of insertions) {
      if (insertion && text.startsWith(insertion, i)) {
        if (i > plain) runs.push([text.slice(plain, i), false]);
        runs.push([insertion, true]);
        i += insertion.length;
        plain = i;
        continue outer;
      }
    }
    i++;
  }
  if (text.length > plain) runs.push([text.slice(plain), false]);
  return runs;
}

/** UTF-8 bytes of aligned text, each byte carrying its character's input span. */
function toTargetBytes(a: AlignedText): TargetBytes {
  const n = a.text.length;
  // at most 3 bytes per UTF-16 unit (a surrogate pair is 2 units and 4 bytes)
  const bytes = new Uint8Array(3 * n);
  const start = new Int32Array(3 * n);
  const end = new Int32Array(3 * n);
  let at = 0;
  for (let i = 0; i < n;) {
    const codePoint = a.text.codePointAt(i)!;
    const units = codePoint > 0xffff ? 2 : 1;
    const next = writeCodePointUtf8(codePoint, bytes, at);
    start.fill(a.start[i], at, next);
    end.fill(a.end[i + units - 1], at, next);
    at = next;
    i += units;
  }
  return { bytes: bytes.subarray(0, at), start: start.subarray(0, at), end: end.subarray(0, at), to: a.to };
}

function decodeCodePoint(bytes: Uint8Array, from: number, to: number): string {
  return decoder.decode(bytes.subarray(from, to));
}

/**
 * Input characters no token covers (stripped whitespace, dropped separators) join the token before
 * them (or the first token), so that every character belongs to some token.
 */
function giveUncoveredTextToNeighbours(start: Int32Array, end: Int32Array, length: number): void {
  const T = start.length;
  if (T === 0) return;
  start[0] = 0;
  for (let t = 1; t < T; t++) if (start[t] > end[t - 1]) end[t - 1] = start[t];
  if (end[T - 1] < length) end[T - 1] = length;
}

function alignmentError(input: string, pieces: readonly string[], t: number, offset: number): Error {
  const near = JSON.stringify(input.slice(Math.max(0, offset - 10), offset + 10));
  const what =
    t < pieces.length
      ? `token ${t} (${JSON.stringify(pieces[t])}) does not match the input`
      : `the ${pieces.length} tokens end before the input does`;
  return new Error(
    `cannot align tokens with the input: ${what} at UTF-16 offset ${offset} (near ${near}); ` +
      `the tokenizer changes the text in a way this alignment does not model`,
  );
}
