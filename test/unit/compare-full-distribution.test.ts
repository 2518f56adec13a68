import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureDistributions, wantFullDistribution } from '../../src/lib/compare/full-distribution';
import { scoreText } from '../../src/lib/scoring/score-text';
import { loadTokenizer } from '../../src/lib/tokens/tokenizer';
import { bigramLogprob, recordingBigramScorer } from './helpers/bigram-model';
import { MODELS_DIR, readJSON, TRICKY_STRINGS } from './helpers/fixtures';

const tokenizer = loadTokenizer(readJSON(join(MODELS_DIR, 'tiny-byte/tokenizer.json')));
const V = 257;
const BOS = 256;
const TEXT = TRICKY_STRINGS.map((s) => s.text).join(' | ');

describe('captureDistributions', () => {
  for (const bos of [BOS, null]) {
    it(`captures one full row per scored token, in order, across windows (${bos === null ? 'no BOS' : 'BOS'})`, async () => {
      const config = { vocab_size: V, n_ctx: 16, bos_token_id: bos };
      const plain = await scoreText(TEXT, {
        tokenizer,
        config,
        scorer: recordingBigramScorer(V).scorer,
        stride: 5,
        k: 3,
      });
      const { scorer, table } = recordingBigramScorer(V);
      const capture = captureDistributions(scorer, V);
      const captured = await scoreText(TEXT, { tokenizer, config, scorer: capture.scorer, stride: 5, k: 3 });
      // the engine sees exactly what it asked for
      expect(captured.tokens).toEqual(plain.tokens);
      const d = capture.result(bos === null ? 1 : 0)!;
      expect(d.vocab).toBe(V);
      expect(d.first).toBe(bos === null ? 1 : 0);
      expect(d.logprobs.length).toBe(captured.totals.tokens_scored * V);
      const ids = captured.tokens.map((t) => t.id);
      for (let row = 0; row < captured.totals.tokens_scored; row++) {
        const i = row + d.first;
        const at = row * V;
        let mass = 0;
        for (let v = 0; v < V; v++) mass += Math.exp(d.logprobs[at + v]);
        expect(Math.abs(mass - 1)).toBeLessThan(1e-5);
        // the row predicts token i: its entry for the actual token is the token's logprob (float32)
        expect(Math.abs(d.logprobs[at + ids[i]] - captured.tokens[i].logprob!)).toBeLessThan(1e-5);
        const previous = i === 0 ? BOS : ids[i - 1];
        const other = (ids[i] + 7) % V;
        expect(Math.abs(d.logprobs[at + other] - bigramLogprob(table, V, previous, other))).toBeLessThan(1e-5);
      }
    });
  }

  it('reports null when the scorer returns fewer alternatives than the vocabulary', async () => {
    const { scorer } = recordingBigramScorer(V);
    const short = {
      backend: 'short',
      scoreWindow: (req: Parameters<typeof scorer.scoreWindow>[0]) => scorer.scoreWindow({ ...req, k: 10 }),
    };
    const capture = captureDistributions(short, V);
    await scoreText('hello', {
      tokenizer,
      config: { vocab_size: V, n_ctx: 16, bos_token_id: BOS },
      scorer: capture.scorer,
      k: 3,
    });
    expect(capture.result(0)).toBeNull();
  });

  it('full distributions only where they are cheap', () => {
    expect(wantFullDistribution(100_000, 257)).toBe(true);
    expect(wantFullDistribution(5_000, 1280)).toBe(true);
    expect(wantFullDistribution(100, 8192)).toBe(true);
    expect(wantFullDistribution(1_000, 8192)).toBe(false);
  });
});
