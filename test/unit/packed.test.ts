import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpackResult } from '../../src/lib/scoring/packed';
import { packResult } from './helpers/pack-result';
import { scoreText, scoreTextPacked } from '../../src/lib/scoring/score-text';
import { loadTokenizer } from '../../src/lib/tokens/tokenizer';
import { recordingBigramScorer } from './helpers/bigram-model';
import { MODELS_DIR, readJSON, TRICKY_STRINGS } from './helpers/fixtures';

const tokenizer = loadTokenizer(readJSON(join(MODELS_DIR, 'tiny-byte/tokenizer.json')));
const V = 257;
const TEXT = TRICKY_STRINGS.map((s) => s.text).join(' | ');

/** A message's trip: structured clone with the buffers transferred, as postMessage does. */
function send<T>(value: T, transfer: ArrayBuffer[]): T {
  return structuredClone(value, { transfer });
}

describe('packed results (the worker -> page message)', () => {
  it.each([
    ['with a BOS token', 256],
    ['without one (first token unscored)', null],
  ])('rebuild the exact records, key order included, %s', async (_name, bos) => {
    const { scorer } = recordingBigramScorer(V);
    const result = await scoreText(TEXT, {
      tokenizer,
      config: { vocab_size: V, n_ctx: 16, bos_token_id: bos },
      scorer,
      stride: 5,
      k: 4,
      model: 'm',
    });
    const { packed, transfer } = packResult(result);
    const received = send(packed, transfer);
    expect(packed.id.byteLength).toBe(0); // transferred, not copied: the worker's columns are gone
    const back = unpackResult(received, TEXT);
    expect(back).toEqual(result);
    expect(JSON.stringify(back)).toBe(JSON.stringify(result)); // the same JSON export, key for key
    expect(received.altTexts.length).toBeLessThanOrEqual(V); // one text per distinct alternative id
  });

  it.each([
    ['with a BOS token', 256],
    ['without one (first token unscored)', null],
  ])(
    'scoreTextPacked builds, window by window, the columns packResult makes of the records, %s',
    async (_name, bos) => {
      const options = {
        tokenizer,
        config: { vocab_size: V, n_ctx: 16, bos_token_id: bos },
        stride: 5,
        k: 4,
        model: 'm',
      };
      const fromRecords = packResult(
        await scoreText(TEXT, { ...options, scorer: recordingBigramScorer(V).scorer }),
      ).packed;
      const { packed, transfer } = await scoreTextPacked(TEXT, { ...options, scorer: recordingBigramScorer(V).scorer });
      expect(packed).toEqual(fromRecords);
      expect(transfer).toHaveLength(11);
      const received = send(packed, transfer);
      expect(packed.logprob.byteLength).toBe(0); // transferred, not copied
      expect(unpackResult(received, TEXT).totals).toEqual(fromRecords.totals);
    },
  );

  it.each([
    ['with a BOS token', 256],
    ['without one (first token unscored)', null],
  ])('records with top on demand read, and serialise, exactly as the plain ones, %s', async (_name, bos) => {
    const { scorer } = recordingBigramScorer(V);
    const result = await scoreText(TEXT, {
      tokenizer,
      config: { vocab_size: V, n_ctx: 16, bos_token_id: bos },
      scorer,
      stride: 5,
      k: 4,
      model: 'm',
    });
    const { packed, transfer } = packResult(result);
    const lazy = unpackResult(send(packed, transfer), TEXT, { topOnDemand: true });
    expect(lazy.tokens).toHaveLength(result.tokens.length);
    lazy.tokens.forEach((t, i) => {
      const plain = result.tokens[i];
      for (const key of Object.keys(plain) as (keyof typeof plain)[])
        expect(t[key], `token ${i} ${key}`).toEqual(plain[key]);
      expect(t.top).toBe(t.top); // built once, then the same array
    });
    expect(JSON.stringify(lazy)).toBe(JSON.stringify(result)); // the JSON export, key for key
    expect(JSON.stringify(lazy, null, 1)).toBe(JSON.stringify(result, null, 1));
  });

  it('keeps a result with no alternatives (k = 0)', async () => {
    const { scorer } = recordingBigramScorer(V);
    const result = await scoreText('abc', {
      tokenizer,
      config: { vocab_size: V, n_ctx: 16, bos_token_id: 256 },
      scorer,
      k: 0,
    });
    const { packed, transfer } = packResult(result);
    expect(unpackResult(send(packed, transfer), 'abc')).toEqual(result);
  });
});
