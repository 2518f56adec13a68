/**
 * The Playground's preview: the tokens shown before the first result, coloured as windows finish. The
 * engine's progress must hand out exactly the numbers the result will have, in order; the client must
 * carry the worker's `tokenized` and `partial` messages; the preview's records, filled from the
 * partials, must equal the result's records and sum to its totals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scoreText, scoreTextPacked, type ScoreProgress } from '../../src/lib/scoring/score-text';
import { loadTokenizer, type TextTokenizer } from '../../src/lib/tokens/tokenizer';
import { readModelFiles } from '../../src/worker/model-files';
import { fillPreview, partialScore, previewTokens, type PartialScore } from '../../src/lib/playground/preview';
import { InferenceClient } from '../../src/worker/client';
import { ModelService } from '../../src/state/model-service';
import type { WorkerEvent, WorkerRequest } from '../../src/worker/protocol';
import { recordingBigramScorer } from './helpers/bigram-model';
import { MODELS_DIR, readJSON, TRICKY_STRINGS } from './helpers/fixtures';

const tokenizer = loadTokenizer(readJSON(join(MODELS_DIR, 'tiny-byte/tokenizer.json')));
const V = 257;
const TEXT = TRICKY_STRINGS.map((s) => s.text).join(' | ');

/** The partials the worker would send: each progress's newly final tokens (partialScore). */
function partialsOf(progress: ScoreProgress[], slices: PartialScore[]): (p: ScoreProgress) => void {
  let from = 0;
  return (p) => {
    progress.push({ ...p });
    slices.push(partialScore(p, from));
    from = p.doneThrough;
  };
}

describe('progress as windows finish', () => {
  for (const bos of [256, null]) {
    it(`hands out each token's final numbers once, in order (${bos === null ? 'no BOS' : 'BOS'})`, async () => {
      const config = { vocab_size: V, n_ctx: 16, bos_token_id: bos };
      const progress: ScoreProgress[] = [];
      const slices: PartialScore[] = [];
      const { scorer } = recordingBigramScorer(V);
      const { packed } = await scoreTextPacked(TEXT, {
        tokenizer,
        config,
        scorer,
        stride: 5,
        k: 2,
        onProgress: partialsOf(progress, slices),
      });
      const T = packed.id.length;
      expect(progress.length).toBeGreaterThan(10);
      // doneThrough only grows, by each window's predictions, and ends at the last token
      for (let i = 1; i < progress.length; i++)
        expect(progress[i].doneThrough).toBeGreaterThan(progress[i - 1].doneThrough);
      expect(progress.at(-1)!.doneThrough).toBe(T);
      // the slices, joined, are the result's columns exactly (NaN for the token a model without BOS never scores)
      const joined = (key: 'logprob' | 'rank' | 'entropy') => slices.flatMap((s) => Array.from(s[key]));
      expect(joined('logprob')).toEqual(Array.from(packed.logprob));
      expect(joined('rank')).toEqual(Array.from(packed.rank));
      expect(joined('entropy')).toEqual(Array.from(packed.entropy));
      expect(Number.isNaN(slices[0].logprob[0])).toBe(bos === null);
    });
  }
});

describe('the preview records', () => {
  for (const bos of [256, null]) {
    it(`are the result's tokens, filled in by the partials to its numbers and totals (${bos === null ? 'no BOS' : 'BOS'})`, async () => {
      const config = { vocab_size: V, n_ctx: 16, bos_token_id: bos };
      const slices: PartialScore[] = [];
      const { scorer } = recordingBigramScorer(V);
      const result = await scoreText(TEXT, {
        tokenizer,
        config,
        scorer,
        stride: 7,
        k: 2,
        onProgress: partialsOf([], slices),
      });
      const tokens = previewTokens(TEXT, tokenizer.encode(TEXT));
      expect(tokens.every((t) => !t.scored && t.logprob === null)).toBe(true);
      let nats = 0;
      let scored = 0;
      for (const [i, slice] of slices.entries()) {
        const filled = fillPreview(tokens, slice);
        nats += filled.nats;
        scored += filled.scored;
        // tokens past the slice are still as they were
        const next = slices[i + 1]?.from ?? tokens.length;
        if (next < tokens.length) expect(tokens[next].logprob).toBeNull();
      }
      expect(tokens.map(({ top: _, ...t }) => t)).toEqual(result.tokens.map(({ top: _, ...t }) => t));
      expect(scored).toBe(result.totals.tokens_scored);
      expect(nats).toBeCloseTo(result.totals.nats_total, 9);
    });
  }
});

/** A Worker stand-in: records what the client posts, and lets the test answer. */
class FakeWorker extends EventTarget {
  posted: WorkerRequest[] = [];
  postMessage(req: WorkerRequest): void {
    this.posted.push(req);
  }
  answer(ev: WorkerEvent): void {
    this.dispatchEvent(new MessageEvent('message', { data: ev }));
  }
  terminate(): void {}
}

describe('the client', () => {
  it('asks for a text’s tokens and answers with the worker’s columns, cancelling nothing', async () => {
    const worker = new FakeWorker();
    const client = new InferenceClient(worker as unknown as Worker);
    const scoring = client.score('abc', {});
    const tokens = client.tokenize('abc', true);
    const req = worker.posted[1];
    expect(req).toMatchObject({ type: 'tokenize', text: 'abc', parseSpecial: true });
    expect(worker.posted.some((r) => r.type === 'cancel')).toBe(false);
    const columns = { ids: Int32Array.of(5, 6), start: Int32Array.of(0, 1), end: Int32Array.of(1, 3) };
    worker.answer({ type: 'tokenized', id: req.id, ...columns });
    expect(await tokens).toEqual(columns);
    worker.answer({ type: 'error', id: worker.posted[0].id, phase: 'score', message: 'done' });
    await expect(scoring).rejects.toThrow('done');
  });

  it('asks for partials only with a callback, and hands each to it', async () => {
    const worker = new FakeWorker();
    const client = new InferenceClient(worker as unknown as Worker);
    void client.score('plain', {}).catch(() => undefined);
    expect(worker.posted[0]).not.toHaveProperty('partial');
    const seen: PartialScore[] = [];
    void client.score('abc', {}, undefined, (p) => seen.push(p)).catch(() => undefined);
    const req = worker.posted.find((r) => r.type === 'score' && r.text === 'abc')!;
    expect(req).toMatchObject({ partial: true });
    const part = { from: 0, logprob: Float64Array.of(-1.5), rank: Int32Array.of(2), entropy: Float64Array.of(3) };
    worker.answer({ type: 'partial', id: req.id, ...part });
    worker.answer({ type: 'partial', id: 999, ...part }); // another request's: ignored
    expect(seen).toEqual([part]);
  });
});

describe('a lease', () => {
  it('tokenizes on its model’s worker without waiting for the load, and refuses once the model is unloaded', async () => {
    const asked: string[] = [];
    const service = new ModelService(
      () =>
        ({
          onFallback: null,
          load: () => new Promise(() => undefined), // still loading
          tokenize: (text: string) => {
            asked.push(text);
            return Promise.resolve({ ids: Int32Array.of(1), start: Int32Array.of(0), end: Int32Array.of(text.length) });
          },
          terminate: () => undefined,
        }) as unknown as InferenceClient,
    );
    const lease = service.open(
      {
        model: { kind: 'url', url: 'https://e.test/m/', name: 'm' },
        backend: 'wasm',
        threads: 1,
        assetsBase: 'https://e.test/',
      },
      'playground',
    );
    expect((await lease.tokenize('hello')).end).toEqual(Int32Array.of(5));
    expect(asked).toEqual(['hello']);
    service.unload(lease.key);
    await expect(lease.tokenize('again')).rejects.toThrow('was unloaded');
    expect(asked).toEqual(['hello']);
  });
});

describe('reading a model folder', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('hands its tokenizer over before the weights have arrived', async () => {
    const dir = join(MODELS_DIR, 'tiny-byte');
    // the weights' response is held until the tokenizer is handed over (or, failing that, two seconds)
    let release!: (by: string) => void;
    const released = new Promise<string>((resolve) => (release = resolve));
    const timer = setTimeout(() => release('timeout'), 2000);
    vi.stubGlobal('fetch', async (url: string) => {
      const path = new URL(url).pathname.replace('/m/', '');
      if (path.endsWith('.onnx')) await released;
      try {
        return new Response(readFileSync(join(dir, path)));
      } catch {
        return new Response('', { status: 404 });
      }
    });
    let handed: TextTokenizer | null = null;
    const files = await readModelFiles(
      { kind: 'url', url: 'https://e.test/m/', name: 'tiny-byte' },
      {
        signal: new AbortController().signal,
        onProgress: () => undefined,
        onTokenizer: (t) => {
          handed = t;
          release('tokenizer');
        },
      },
    );
    clearTimeout(timer);
    expect(await released).toBe('tokenizer');
    expect(handed).toBe(files.tokenizer);
    expect(files.modelBytes.byteLength).toBeGreaterThan(1000);
  });
});
