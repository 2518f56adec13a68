/**
 * A direct encoder for the most common tokenizer.json: GPT-2-style byte-level BPE (no normalizer, the
 * ByteLevel pre-tokenizer with its regex, a BPE model without dropout or affixes). It gives the ids that
 * @huggingface/tokenizers gives, and each token's input span straight from the BPE (no alignment pass),
 * several times faster on text whose words it has not seen: the library looks every pair up through
 * JSON.stringify, where this looks up integer pairs in a flat hash table. The unit tests check ids and
 * spans against the library and the aligner on the tricky strings, random text and four tokenizers.
 * Anything outside that subset gets `null` from createByteLevelBpe and the library's path.
 */
import { addedTokenSpecs, insertIntoTrie, matchAddedToken, type TrieNode } from './align';
import { BYTE_TO_CHAR } from './byte-level';
import type { EncodedText } from './tokenizer';
import type { JsonObject } from './text-pipeline';
import { writeCodePointUtf8 } from './utf8';

/** The ByteLevel pre-tokenizer's split, exactly as @huggingface/tokenizers writes it (JS `\s`, `u` flag). */
const BYTE_LEVEL_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Words at most this long (UTF-16 units) are cached, as the library caches them. */
const CACHE_WORD_LENGTH = 256;
/** The cache is cleared when it holds this many words (memory stays bounded on any text). */
const CACHE_LIMIT = 100_000;
/** Words of more bytes than this merge through a heap (n log n) rather than by scanning (n^2). */
const SCAN_LIMIT = 64;

/** One word's tokens: ids, and UTF-16 spans relative to the word's start. */
interface WordTokens {
  ids: Int32Array;
  start: Int32Array;
  end: Int32Array;
}

/**
 * Merge rules as a flat open-addressing hash table from the pair (left id, right id) to the rule's
 * rank; the merged id is `merged[rank]`.
 */
class MergeTable {
  private readonly mask: number;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly rank: Int32Array;
  readonly merged: Int32Array;

  constructor(pairs: readonly [number, number, number][]) {
    let capacity = 1024;
    while (capacity < pairs.length * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.left = new Int32Array(capacity).fill(-1);
    this.right = new Int32Array(capacity);
    this.rank = new Int32Array(capacity);
    this.merged = new Int32Array(pairs.length);
    pairs.forEach(([a, b, m], r) => {
      this.merged[r] = m;
      let h = this.hash(a, b);
      while (this.left[h] !== -1 && !(this.left[h] === a && this.right[h] === b)) h = (h + 1) & this.mask;
      // a pair listed twice takes its later rank, as the library's Map does
      this.left[h] = a;
      this.right[h] = b;
      this.rank[h] = r;
    });
  }

  private hash(a: number, b: number): number {
    return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) & this.mask;
  }

  /** The rank of the rule merging a then b, or -1. */
  rankOf(a: number, b: number): number {
    let h = this.hash(a, b);
    for (;;) {
      const l = this.left[h];
      if (l === -1) return -1;
      if (l === a && this.right[h] === b) return this.rank[h];
      h = (h + 1) & this.mask;
    }
  }
}

/**
 * The direct encoder for a tokenizer.json in the supported subset, or null (then the caller uses
 * @huggingface/tokenizers and the aligner).
 * @example
 * const bpe = createByteLevelBpe(JSON.parse(tokenizerJson));
 * bpe?.encode('Call me Ishmael.') // { ids, start, end }
 */
export function createByteLevelBpe(json: JsonObject): { encode(text: string): EncodedText } | null {
  const model = json.model as JsonObject | undefined;
  const pre = json.pre_tokenizer as JsonObject | null | undefined;
  if (json.normalizer != null || !model || !pre) return null;
  if (pre.type !== 'ByteLevel' || pre.use_regex === false || pre.add_prefix_space === true) return null;
  const modelType = model.type ?? (model.merges !== undefined ? 'BPE' : undefined);
  if (modelType !== 'BPE' || (model.dropout != null && model.dropout !== 0) || model.byte_fallback === true)
    return null;
  if (model.continuing_subword_prefix || model.end_of_word_suffix) return null;
  if (typeof model.vocab !== 'object' || model.vocab === null || !Array.isArray(model.merges)) return null;

  const vocab = new Map<string, number>(Object.entries(model.vocab as Record<string, number>));
  const added = addedTokenSpecs(json);
  if (added.some((t) => t.lstrip || t.rstrip || t.content.length === 0)) return null;
  // ids must name strings one to one (an added token may reuse its own string's id, not another's)
  const stringOfId = new Map<number, string>();
  for (const [token, id] of vocab) stringOfId.set(id, token);
  if (added.some((t) => stringOfId.has(t.id) && stringOfId.get(t.id) !== t.content)) return null;
  // the library maps a token string to an added token's id before the vocabulary's
  const addedId = new Map(added.map((t) => [t.content, t.id]));
  const idOf = (token: string) => addedId.get(token) ?? vocab.get(token);

  const byteId = new Int32Array(256);
  for (let b = 0; b < 256; b++) {
    const id = idOf(BYTE_TO_CHAR[b]);
    if (id === undefined) return null; // a byte the vocabulary cannot spell: the library would need unk
    byteId[b] = id;
  }
  // rules over ids; every rule's parts and result must be tokens (else the library's unk handling applies)
  const pairs: [number, number, number][] = [];
  for (const rule of model.merges as (string | [string, string])[]) {
    const [a, b] = typeof rule === 'string' ? splitRule(rule) : rule;
    const ia = idOf(a);
    const ib = idOf(b);
    const im = idOf(a + b);
    if (ia === undefined || ib === undefined || im === undefined) return null;
    pairs.push([ia, ib, im]);
  }
  const merges = new MergeTable(pairs);
  const ignoreMerges = model.ignore_merges === true;
  // no merges (a byte vocabulary): every byte is its own token whatever the pre-tokenizer's split
  const bytesOnly = pairs.length === 0 && !ignoreMerges;

  // with no normalizer every added token is looked for in the raw text
  const trie = new Map() as TrieNode;
  for (const t of added) insertIntoTrie(trie, t.content, t);

  const cache = new Map<string, WordTokens>();
  const bytes = new Uint8Array(4 * CACHE_WORD_LENGTH);

  /** A word's tokens by BPE over its UTF-8 bytes. */
  function encodeWord(word: string): WordTokens {
    // UTF-8 bytes, and for each byte the UTF-16 span of its character within the word
    const maxBytes = word.length * 3;
    const buf = maxBytes <= bytes.length ? bytes : new Uint8Array(maxBytes);
    const charStart = new Int32Array(maxBytes);
    const charEnd = new Int32Array(maxBytes);
    let n = 0;
    for (let u = 0; u < word.length;) {
      const cp = word.codePointAt(u)!;
      const units = cp > 0xffff ? 2 : 1;
      const next = writeCodePointUtf8(cp, buf, n);
      for (; n < next; n++) {
        charStart[n] = u;
        charEnd[n] = u + units;
      }
      u += units;
    }
    if (ignoreMerges) {
      let spelled = '';
      for (let i = 0; i < n; i++) spelled += BYTE_TO_CHAR[buf[i]];
      const whole = idOf(spelled);
      if (whole !== undefined)
        return { ids: Int32Array.of(whole), start: Int32Array.of(0), end: Int32Array.of(word.length) };
    }
    const sym = new Int32Array(n);
    for (let i = 0; i < n; i++) sym[i] = byteId[buf[i]];
    const startByte = n <= SCAN_LIMIT ? mergeByScan(sym, n, merges) : mergeByHeap(sym, n, merges);
    const T = startByte.length;
    const out: WordTokens = { ids: new Int32Array(T), start: new Int32Array(T), end: new Int32Array(T) };
    for (let t = 0; t < T; t++) {
      const from = startByte[t];
      const to = t + 1 < T ? startByte[t + 1] : n;
      out.ids[t] = sym[from];
      out.start[t] = charStart[from];
      out.end[t] = charEnd[to - 1];
    }
    return out;
  }

  return {
    encode(text: string): EncodedText {
      const out = new Growing(Math.ceil(text.length / 2) + 8);
      const appendWord = (word: string, at: number) => {
        let w = word.length <= CACHE_WORD_LENGTH ? cache.get(word) : undefined;
        if (w === undefined) {
          w = encodeWord(word);
          if (word.length <= CACHE_WORD_LENGTH) {
            if (cache.size >= CACHE_LIMIT) cache.clear();
            cache.set(word, w);
          }
        }
        out.pushWord(w, at);
      };
      const appendSection = (from: number, to: number) => {
        if (to <= from) return;
        if (bytesOnly) {
          for (let u = from; u < to;) {
            const cp = text.codePointAt(u)!;
            const units = cp > 0xffff ? 2 : 1;
            const n = writeCodePointUtf8(cp, bytes, 0);
            for (let b = 0; b < n; b++) out.push(byteId[bytes[b]], u, u + units);
            u += units;
          }
          return;
        }
        const section = from === 0 && to === text.length ? text : text.slice(from, to);
        BYTE_LEVEL_SPLIT.lastIndex = 0;
        for (let m = BYTE_LEVEL_SPLIT.exec(section); m !== null; m = BYTE_LEVEL_SPLIT.exec(section)) {
          appendWord(m[0], from + m.index);
        }
      };
      // split on added tokens first: the longest one starting at each position, left to right
      let sectionStart = 0;
      for (let i = 0; trie.size > 0 && i < text.length;) {
        const match = matchAddedToken(trie, text, i);
        if (match) {
          appendSection(sectionStart, i);
          out.push(match.token.id, i, match.end);
          i = sectionStart = match.end;
        } else {
          i++;
        }
      }
      appendSection(sectionStart, text.length);
      return out.result();
    },
  };
}

/** "a b" -> ["a", "b"]; a rule's parts never contain spaces in byte-level BPE (a space is "Ġ"). */
function splitRule(rule: string): [string, string] {
  const i = rule.indexOf(' ');
  return [rule.slice(0, i), rule.slice(i + 1)];
}

/**
 * BPE on sym[0..n) in place: repeatedly merge the adjacent pair of lowest rank, the leftmost of equals.
 * Returns each final token's first byte; the token's id is sym[that byte].
 */
function mergeByScan(sym: Int32Array, n: number, merges: MergeTable): Int32Array {
  const ids = sym.slice(0, n);
  const pos = new Int32Array(n);
  for (let i = 0; i < n; i++) pos[i] = i;
  let len = n;
  while (len > 1) {
    let best = -1;
    let at = -1;
    for (let i = 0; i + 1 < len; i++) {
      const r = merges.rankOf(ids[i], ids[i + 1]);
      if (r >= 0 && (best < 0 || r < best)) {
        best = r;
        at = i;
      }
    }
    if (at < 0) break;
    ids[at] = merges.merged[best];
    ids.copyWithin(at + 1, at + 2, len);
    pos.copyWithin(at + 1, at + 2, len);
    len--;
  }
  for (let t = 0; t < len; t++) sym[pos[t]] = ids[t];
  return pos.slice(0, len);
}

/**
 * The same merges for long words through a binary heap of (rank, left byte) with lazy deletion: a
 * symbol keeps the index of its first byte, so that index orders symbols as the text does and breaks
 * ties between equal ranks leftmost first.
 */
function mergeByHeap(sym: Int32Array, n: number, merges: MergeTable): Int32Array {
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  const alive = new Uint8Array(n).fill(1);
  const heap = new MinHeap(n);
  const consider = (i: number) => {
    const j = next[i];
    if (j < 0) return;
    const r = merges.rankOf(sym[i], sym[j]);
    if (r >= 0) heap.push(r, i);
  };
  for (let i = 0; i + 1 < n; i++) consider(i);
  while (heap.size > 0) {
    const r = heap.topRank();
    const i = heap.pop();
    const j = next[i];
    // stale unless the pair at i is still the one this entry was made for (a pair has one rank)
    if (!alive[i] || j < 0 || merges.rankOf(sym[i], sym[j]) !== r) continue;
    sym[i] = merges.merged[r];
    alive[j] = 0;
    next[i] = next[j];
    if (next[j] >= 0) prev[next[j]] = i;
    if (prev[i] >= 0) consider(prev[i]);
    consider(i);
  }
  const starts: number[] = [];
  for (let i = 0; i >= 0 && i < n; i = next[i]) starts.push(i);
  return Int32Array.from(starts);
}

/** A binary min-heap of (rank, position) ordered by rank, then position. */
class MinHeap {
  private rank: Int32Array;
  private pos: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.rank = new Int32Array(Math.max(4, capacity * 2));
    this.pos = new Int32Array(this.rank.length);
  }

  private less(a: number, b: number): boolean {
    return this.rank[a] < this.rank[b] || (this.rank[a] === this.rank[b] && this.pos[a] < this.pos[b]);
  }

  private swap(a: number, b: number): void {
    const r = this.rank[a];
    this.rank[a] = this.rank[b];
    this.rank[b] = r;
    const p = this.pos[a];
    this.pos[a] = this.pos[b];
    this.pos[b] = p;
  }

  push(rank: number, pos: number): void {
    if (this.size === this.rank.length) {
      this.rank = grown(this.rank, this.size, this.size * 2);
      this.pos = grown(this.pos, this.size, this.size * 2);
    }
    let i = this.size++;
    this.rank[i] = rank;
    this.pos[i] = pos;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  topRank(): number {
    return this.rank[0];
  }

  /** Removes the smallest entry and returns its position. */
  pop(): number {
    const top = this.pos[0];
    this.size--;
    if (this.size > 0) {
      this.rank[0] = this.rank[this.size];
      this.pos[0] = this.pos[this.size];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.size && this.less(l, m)) m = l;
        if (r < this.size && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/** Growable (ids, start, end) columns. */
class Growing {
  private ids: Int32Array;
  private start: Int32Array;
  private end: Int32Array;
  private n = 0;

  constructor(capacity: number) {
    this.ids = new Int32Array(capacity);
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
  }

  private reserve(extra: number): void {
    if (this.n + extra <= this.ids.length) return;
    const size = Math.max(this.n + extra, this.ids.length * 2);
    this.ids = grown(this.ids, this.n, size);
    this.start = grown(this.start, this.n, size);
    this.end = grown(this.end, this.n, size);
  }

  push(id: number, start: number, end: number): void {
    this.reserve(1);
    this.ids[this.n] = id;
    this.start[this.n] = start;
    this.end[this.n] = end;
    this.n++;
  }

  pushWord(w: WordTokens, at: number): void {
    const T = w.ids.length;
    this.reserve(T);
    for (let t = 0; t < T; t++) {
      this.ids[this.n] = w.ids[t];
      this.start[this.n] = at + w.start[t];
      this.end[this.n] = at + w.end[t];
      this.n++;
    }
  }

  result(): EncodedText {
    return { ids: this.ids.slice(0, this.n), start: this.start.slice(0, this.n), end: this.end.slice(0, this.n) };
  }
}

/** A copy of a[0..used) in a new array of `size`. */
function grown(a: Int32Array, used: number, size: number): Int32Array {
  const b = new Int32Array(size);
  b.set(a.subarray(0, used));
  return b;
}
