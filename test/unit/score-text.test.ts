import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scoreText } from '../../src/lib/scoring/score-text';
import type { WindowScorer, WindowStats } from '../../src/lib/scoring/types';
import { planWindows } from '../../src/lib/scoring/windows';
import { loadTokenizer } from '../../src/lib/tokens/tokenizer';
import { utf8ByteLength } from '../../src/lib/tokens/utf8';
import { bigramLogprob, recordingBigramScorer } from './helpers/bigram-model';
import { MODELS_DIR, readJSON, TRICKY_STRINGS } from './helpers/fixtures';

const tokenizer = loadTokenizer(readJSON(join(MODELS_DIR, 'tiny-byte/tokenizer.json')));
const V = 257; // 256 bytes + <|endoftext|>
const BOS = 256;
const withBos = { vocab_size: V, n_ctx: 16, bos_token_id: BOS };
const withoutBos = { vocab_size: V, n_ctx: 16, bos_token_id: null };
const TEXT = TRICKY_STRINGS.map((s) => s.text).join(' | '); // a few hundred byte tokens: many windows

describe('scoreText', () => {
  it('with a BOS token scores every token, each once, from the right context', async () => {
    const { scorer, requests, table } = recordingBigramScorer(V);
    const result = await scoreText(TEXT, { tokenizer, config: withBos, scorer, stride: 5, k: 3, model: 'bigram' });
    const ids = result.tokens.map((t) => t.id);
    expect(result.tokens.every((t) => t.scored)).toBe(true);
    result.tokens.forEach((token, i) => {
      const previous = i === 0 ? BOS : ids[i - 1];
      // the scorer computes in float64 from the same float32 table: agreement to rounding
      expect(Math.abs(token.logprob! - bigramLogprob(table, V, previous, token.id))).toBeLessThan(1e-9);
      expect(token.top).toHaveLength(3);
      expect(token.top[0].logprob).toBeGreaterThanOrEqual(token.top[1].logprob);
      expect(token.top[0].text).toBe(tokenizer.tokenText(token.top[0].id));
      expect(token.text).toBe(TEXT.slice(token.start, token.end));
    });
    // one call per window, each with exactly that window's ids
    const sequence = [BOS, ...ids];
    const windows = planWindows(sequence.length, 16, 5);
    expect(requests).toHaveLength(windows.length);
    requests.forEach((req, w) => {
      expect(Array.from(req.ids)).toEqual(sequence.slice(windows[w].start, windows[w].end));
      expect(req.from).toBe(windows[w].from);
      expect(req.ids.length).toBeLessThanOrEqual(16);
    });
    expect(result).toMatchObject({ model: 'bigram', n_ctx: 16, stride: 5, backend: 'bigram' });
    expect(result.totals.tokens_scored).toBe(result.tokens.length);
    expect(result.totals.bytes).toBe(utf8ByteLength(TEXT));
  });

  it('without a BOS token leaves the first token unscored, and totals cover the text after it', async () => {
    const { scorer, table } = recordingBigramScorer(V);
    const text = 'Call me Ishmael.';
    const result = await scoreText(text, { tokenizer, config: withoutBos, scorer, k: 2 });
    const [first, ...rest] = result.tokens;
    expect(first).toMatchObject({ scored: false, logprob: null, rank: null, entropy: null, top: [] });
    rest.forEach((token, i) => {
      expect(token.scored).toBe(true);
      expect(token.logprob).toBeCloseTo(bigramLogprob(table, V, result.tokens[i].id, token.id), 9);
    });
    expect(result.stride).toBe(8); // floor(n_ctx / 2)
    expect(result.totals.tokens_scored).toBe(result.tokens.length - 1);
    expect(result.totals.bytes).toBe(utf8ByteLength(text) - 1);
    expect(result.totals.chars).toBe(text.length - 1);
  });

  it('does not depend on the stride for a model without long context', async () => {
    const logprobs = [];
    for (const stride of [1, 7, 15]) {
      const { scorer } = recordingBigramScorer(V);
      const result = await scoreText(TEXT, { tokenizer, config: withBos, scorer, stride, k: 0 });
      logprobs.push(result.tokens.map((t) => t.logprob));
    }
    expect(logprobs[1]).toEqual(logprobs[0]);
    expect(logprobs[2]).toEqual(logprobs[0]);
  });

  it('reports progress after each window', async () => {
    const { scorer } = recordingBigramScorer(V);
    const seen: string[] = [];
    await scoreText('abcdefghijklmnopqrstuvwxyz0123456789', {
      tokenizer,
      config: withBos,
      scorer,
      onProgress: (p) => seen.push(`${p.windowsDone}/${p.windowsTotal} ${p.tokensScored}/${p.tokensToScore}`),
    });
    // 37 positions, n_ctx 16, stride 8: windows end at 16, 24, 32, 37
    expect(seen).toEqual(['1/4 15/36', '2/4 23/36', '3/4 31/36', '4/4 36/36']);
  });

  it('keeps the alternatives a scorer returns when it has fewer than asked (a GPU head over a small vocabulary)', async () => {
    const { scorer: bigram } = recordingBigramScorer(V);
    const full = await scoreText(TEXT, { tokenizer, config: withBos, scorer: bigram, stride: 5, k: 3 });
    // the same statistics, cut to 2 alternatives per prediction
    const { scorer: inner } = recordingBigramScorer(V);
    const scorer: WindowScorer = {
      backend: 'two',
      async scoreWindow(req) {
        const s = await inner.scoreWindow({ ...req, k: 3 });
        const keep = (a: Int32Array | Float64Array) => a.filter((_, i) => i % 3 < 2);
        return { ...s, topIds: keep(s.topIds) as Int32Array, topLogprobs: keep(s.topLogprobs) as Float64Array };
      },
    };
    const cut = await scoreText(TEXT, { tokenizer, config: withBos, scorer, stride: 5, k: 3 });
    cut.tokens.forEach((t, i) => {
      expect(t.logprob).toBe(full.tokens[i].logprob);
      expect(t.top).toEqual(full.tokens[i].top.slice(0, 2));
    });
  });

  it('stops between windows when aborted', async () => {
    const { scorer, requests } = recordingBigramScorer(V);
    const controller = new AbortController();
    const run = scoreText(TEXT, {
      tokenizer,
      config: withBos,
      scorer,
      signal: controller.signal,
      onProgress: (p) => p.windowsDone === 2 && controller.abort(),
    });
    await expect(run).rejects.toThrow(/abort/i);
    expect(requests).toHaveLength(2);
  });

  it('fails clearly on empty text, a single unscorable token, bad strides and mismatched vocabularies', async () => {
    const { scorer } = recordingBigramScorer(V);
    const options = { tokenizer, config: withBos, scorer };
    await expect(scoreText('', options)).rejects.toThrow(/empty text/);
    await expect(scoreText('a', { ...options, config: withoutBos })).rejects.toThrow(/nothing to score/);
    await expect(scoreText('abc', { ...options, stride: 16 })).rejects.toThrow(
      /stride must be an integer in \[1, 15\]/,
    );
    await expect(scoreText('abc', { ...options, config: { ...withBos, vocab_size: 200 } })).rejects.toThrow(
      /tokenizer has 257 token ids but the model's vocab_size is 200/,
    );
    await expect(scoreText('abc', { ...options, config: { ...withBos, bos_token_id: 300 } })).rejects.toThrow(
      /bos_token_id 300/,
    );
    await expect(scoreText('abc', { ...options, k: 1000 })).rejects.toThrow(/top k/);
  });

  it('scores a single token when the model has a BOS token', async () => {
    const { scorer } = recordingBigramScorer(V);
    const result = await scoreText(' ', { tokenizer, config: withBos, scorer });
    expect(result.totals.tokens_scored).toBe(1);
    expect(result.totals.words).toBe(0);
    expect(result.totals.word_ppl).toBeNull();
  });

  it('scores 1 MB of text with memory bounded by the window', async () => {
    let text = '';
    while (text.length < 1_000_000) text += TEXT + '\n';
    text = text.slice(0, 1_000_000);
    let largestWindow = 0;
    let calls = 0;
    // a constant scorer: this is about the engine's bookkeeping, not the maths
    const scorer: WindowScorer = {
      backend: 'constant',
      async scoreWindow({ ids, from, k }): Promise<WindowStats> {
        calls++;
        largestWindow = Math.max(largestWindow, ids.length);
        const n = ids.length - 1 - from;
        return {
          logprob: new Float64Array(n).fill(-2),
          rank: new Int32Array(n).fill(3),
          entropy: new Float64Array(n).fill(2.5),
          topIds: new Int32Array(n * k),
          topLogprobs: new Float64Array(n * k),
        };
      },
    };
    const config = { vocab_size: V, n_ctx: 256, bos_token_id: BOS };
    const result = await scoreText(text, { tokenizer, config, scorer, k: 0 });
    expect(largestWindow).toBe(256);
    expect(calls).toBe(planWindows(result.tokens.length + 1, 256, 128).length);
    expect(result.totals.tokens_scored).toBe(result.tokens.length);
    expect(result.totals.bytes).toBe(utf8ByteLength(text));
    expect(result.totals.nats_per_token).toBeCloseTo(2, 12);
  });
});
