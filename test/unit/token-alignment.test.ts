import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../src/lib/tokens/tokenizer';
import { allTokenizers, MODELS_DIR, readJSON, sentencePieceTokenizerFiles, TRICKY_STRINGS } from './helpers/fixtures';
import { join } from 'node:path';

const TOKENIZERS = allTokenizers();
const GRAPHEMES = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * The span invariants every tokenizer must meet on every text: spans in order, every character in
 * some span, and the spans reproduce the input. Tokens that share a character (bytes of one emoji
 * split across tokens) share its span, so neighbouring spans may overlap by exactly that one
 * character: the input is rebuilt from the distinct spans, each contributing what lies past the
 * previous one's end.
 */
function expectValidSpans(text: string, start: Int32Array, end: Int32Array): void {
  // a tokenizer that strips or drops whitespace gives no token at all for a text of only whitespace
  if (start.length === 0 && text.trim() === '') return;
  let rebuilt = '';
  let covered = 0; // characters [0, covered) belong to some span so far
  for (let i = 0; i < start.length; i++) {
    expect(start[i], `token ${i} start`).toBeGreaterThanOrEqual(0);
    expect(end[i], `token ${i} end`).toBeGreaterThanOrEqual(start[i]);
    expect(end[i], `token ${i} end`).toBeLessThanOrEqual(text.length);
    if (i > 0) {
      expect(start[i], `token ${i} start goes backwards`).toBeGreaterThanOrEqual(start[i - 1]);
      expect(end[i], `token ${i} end goes backwards`).toBeGreaterThanOrEqual(end[i - 1]);
    }
    expect(start[i], `gap before token ${i}`).toBeLessThanOrEqual(covered);
    if (start[i] < covered && end[i] > start[i] && !(i > 0 && start[i] === start[i - 1] && end[i] === end[i - 1])) {
      // a partial overlap is one shared character (a cluster, where a normalizer composed it)
      const shared = [...GRAPHEMES.segment(text.slice(start[i], covered))];
      expect(shared, `token ${i} overlaps more than one character`).toHaveLength(1);
    }
    rebuilt += text.slice(Math.max(start[i], covered), end[i]);
    covered = Math.max(covered, end[i]);
  }
  expect(covered, 'characters after the last token').toBe(text.length);
  expect(rebuilt).toBe(text);
}

/** A deterministic mix of the hard cases, for texts no one wrote by hand. */
function randomTexts(count: number, seed: number): string[] {
  const pool = [
    'a',
    'Z',
    'é',
    'e\u0301',
    ' ',
    '  ',
    '\n',
    '\t',
    '\r\n',
    '👍',
    '🏽',
    '👩‍👧',
    '🇯🇵',
    '日',
    '本',
    '한',
    'ß',
    '𝔸',
    '\u200b',
    '\ufeff',
    '\ud800',
    '▁',
    '<|endoftext|>',
    '<s>',
    '</s>',
    "'s",
    '42',
    '.',
    '<0x41>',
    'Ġ',
  ];
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + Math.floor(next() * 24) }, () => pool[Math.floor(next() * pool.length)]).join(''),
  );
}

describe.each(TOKENIZERS)('alignment: $name', ({ tokenizer, sentencePiece, exactDisplay }) => {
  it.each(TRICKY_STRINGS)('spans are valid on "$name"', ({ text }) => {
    const { ids, start, end } = tokenizer.encode(text);
    expect(start).toHaveLength(ids.length);
    expect(end).toHaveLength(ids.length);
    expectValidSpans(text, start, end);
  });

  it('spans are valid on random mixes of the hard cases', () => {
    for (const text of randomTexts(60, 7)) {
      const { start, end } = tokenizer.encode(text);
      expectValidSpans(text, start, end);
    }
  });

  it.runIf(exactDisplay)('a token that shares no character reads as exactly its span', () => {
    for (const { text } of TRICKY_STRINGS) {
      const { ids, start, end } = tokenizer.encode(text);
      for (let i = 0; i < ids.length; i++) {
        const shared = (i > 0 && end[i - 1] > start[i]) || (i + 1 < ids.length && start[i + 1] < end[i]);
        if (shared) continue;
        const display = tokenizer.tokenText(ids[i]);
        const span = text.slice(start[i], end[i]);
        // a SentencePiece token may carry the '▁' its normalizer prepended, which stands for no character
        if (sentencePiece && display === ` ${span}`) continue;
        expect(display, `token ${i} of ${JSON.stringify(text)}`).toBe(span);
      }
    }
  });

  it('empty text has no tokens', () => {
    expect(tokenizer.encode('').ids).toHaveLength(0);
  });
});

describe('special tokens', () => {
  it('a literal <|endoftext|> is plain text by default, and says so', () => {
    for (const { name, tokenizer, sentencePiece, exactDisplay } of TOKENIZERS) {
      if (sentencePiece || !exactDisplay) continue;
      const text = 'before <|endoftext|> after';
      const eot = tokenizer.tokenToId('<|endoftext|>');
      expect(eot, name).toBeDefined();
      const { ids, start, end } = tokenizer.encode(text);
      expect(Array.from(ids), name).not.toContain(eot);
      // its characters are covered by ordinary tokens, exactly
      expect(Array.from(ids, (_, i) => text.slice(start[i], end[i])).join(''), name).toBe(text);
      expect(tokenizer.specialTokensIn(text), name).toEqual(['<|endoftext|>']);
      expect(tokenizer.specialTokensIn('before <|endoftext after'), name).toEqual([]);
    }
  });

  it('with parseSpecial, a literal <|endoftext|> is one added token spanning its characters', () => {
    for (const { name, tokenizer, sentencePiece, exactDisplay } of TOKENIZERS) {
      if (sentencePiece || !exactDisplay) continue;
      const text = 'before <|endoftext|> after';
      const { ids, start, end } = tokenizer.encode(text, { parseSpecial: true });
      const eot = tokenizer.tokenToId('<|endoftext|>');
      const i = Array.from(ids).indexOf(eot!);
      expect(i, name).toBeGreaterThan(0);
      expect(text.slice(start[i], end[i]), name).toBe('<|endoftext|>');
      expect(tokenizer.tokenText(eot!)).toBe('<|endoftext|>');
    }
  });

  it('literal <s> and </s> in SentencePiece text are plain text, or with parseSpecial the BOS and EOS tokens', () => {
    const sp = sentencePieceTokenizerFiles();
    const tokenizer = loadTokenizer(sp.json, sp.config);
    const text = 'a <s> b</s>c';
    expect(Array.from(tokenizer.encode(text).ids)).not.toContain(1);
    const { ids, start, end } = tokenizer.encode(text, { parseSpecial: true });
    const spans = Array.from(ids, (id, i) => [id, text.slice(start[i], end[i])]);
    expect(spans).toContainEqual([1, '<s>']);
    expect(spans).toContainEqual([2, '</s>']);
    expectValidSpans(text, start, end);
  });

  it('a prepended ▁ that stands for no character gets an empty span at the start', () => {
    const sp = sentencePieceTokenizerFiles();
    const tokenizer = loadTokenizer(sp.json, sp.config);
    const text = '日本語';
    const { ids, start, end } = tokenizer.encode(text);
    expect(tokenizer.tokenText(ids[0])).toBe(' ');
    expect([start[0], end[0]]).toEqual([0, 0]);
    expect(text.slice(start[1], end[1])).toBe('日');
  });
});

describe('token display text', () => {
  const byte = loadTokenizer(readJSON(join(MODELS_DIR, 'tiny-byte/tokenizer.json')));
  const sp = sentencePieceTokenizerFiles();
  const llama = loadTokenizer(sp.json, sp.config);

  it('decodes byte-level tokens, with U+FFFD for a partial UTF-8 sequence', () => {
    expect(byte.tokenText(0x20)).toBe(' ');
    expect(byte.tokenText(0x41)).toBe('A');
    expect(byte.tokenText(0xf0)).toBe('\ufffd');
  });

  it('reads ▁ as a space and <0xNN> as a byte in SentencePiece tokens', () => {
    expect(llama.tokenText(llama.tokenToId('▁the')!)).toBe(' the');
    expect(llama.tokenText(llama.tokenToId('<0x41>')!)).toBe('A');
    expect(llama.tokenText(llama.tokenToId('<0xF0>')!)).toBe('\ufffd');
    expect(llama.tokenText(1)).toBe('<s>');
  });

  it('names an id outside the vocabulary', () => {
    expect(byte.tokenText(100_000)).toBe('<id 100000>');
  });
});

describe('unsupported tokenizers fail clearly', () => {
  const base = readJSON(join(MODELS_DIR, 'tiny-byte/tokenizer.json'));

  it('names an unknown pre-tokenizer type', () => {
    expect(() => loadTokenizer({ ...base, pre_tokenizer: { type: 'Frobnicate' } })).toThrow(
      /pre-tokenizer type 'Frobnicate'/,
    );
  });

  it('names an unknown normalizer type', () => {
    expect(() => loadTokenizer({ ...base, normalizer: { type: 'Squash' } })).toThrow(/normalizer type 'Squash'/);
  });

  it('names an unsupported model type', () => {
    expect(() => loadTokenizer({ ...base, model: { type: 'WordPiece', vocab: {} } })).toThrow(/model type 'WordPiece'/);
  });

  it('rejects something that is not a tokenizer.json', () => {
    expect(() => loadTokenizer({ hello: 'world' })).toThrow(/not a tokenizer.json/);
  });
});
