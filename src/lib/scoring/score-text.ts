/**
 * The scoring engine: text -> tokens with spans -> windows -> one scorer call per window -> per-token
 * records -> totals. Only one window's statistics are alive at a time, so memory for model outputs is
 * bounded by the window, not the text.
 */
import type { ModelConfig } from '../models/model-config';
import type { TextTokenizer } from '../tokens/tokenizer';
import { computeTotals, scoredText } from './totals';
import type { Alternative, ScoreResult, TokenRecord, WindowScorer } from './types';
import { defaultStride, planWindows, validateStride } from './windows';

/** Progress after each window. */
export interface ScoreProgress {
  windowsDone: number;
  windowsTotal: number;
  /** Tokens of the text scored so far. */
  tokensScored: number;
  /** Tokens of the text that will be scored in all. */
  tokensToScore: number;
}

export interface ScoreTextOptions {
  tokenizer: Pick<TextTokenizer, 'encode' | 'tokenText' | 'vocabSize'>;
  /** The model's config.json values the semantics depend on. */
  config: Pick<ModelConfig, 'vocab_size' | 'n_ctx' | 'bos_token_id'>;
  /** Runs one forward pass per window. */
  scorer: WindowScorer;
  /** Model name for the result. @defaultValue '' */
  model?: string;
  /** Tokens between window starts, in [1, n_ctx - 1]. @defaultValue floor(n_ctx / 2) */
  stride?: number;
  /** Alternatives per token (`top`); at most the vocabulary size. @defaultValue 5 */
  k?: number;
  /** Called after every window. */
  onProgress?: (progress: ScoreProgress) => void;
  /** Abort between windows; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Filled in with the time spent tokenizing (encoding and deriving the spans), ms. */
  timing?: { tokenizeMs: number };
}

/**
 * Score a text: per-token log-probabilities, ranks, entropies and alternatives, and totals.
 * With a `bos_token_id` in the config it is prepended and every token of the text is scored;
 * otherwise the first token is reported unscored.
 * @example
 * const result = await scoreText('Call me Ishmael.', { tokenizer, config, scorer: logitsScorer(forward) });
 * result.totals.bits_per_byte
 */
export async function scoreText(text: string, options: ScoreTextOptions): Promise<ScoreResult> {
  const { tokenizer, config, scorer, signal } = options;
  const k = options.k ?? 5;
  const nCtx = config.n_ctx;
  const stride = options.stride ?? defaultStride(nCtx);
  validateStride(stride, nCtx);
  if (!Number.isInteger(k) || k < 0 || k > config.vocab_size) {
    throw new RangeError(`top k must be an integer in [0, ${config.vocab_size}], got ${k}`);
  }
  if (tokenizer.vocabSize > config.vocab_size) {
    throw new Error(
      `the tokenizer has ${tokenizer.vocabSize} token ids but the model's vocab_size is ${config.vocab_size}: ` +
        'they do not belong together',
    );
  }
  const bos = config.bos_token_id;
  if (bos !== null && !(Number.isInteger(bos) && bos >= 0 && bos < config.vocab_size)) {
    throw new Error(`bos_token_id ${bos} is outside the model's vocab_size ${config.vocab_size}`);
  }
  if (text.length === 0) throw new Error('empty text: there is nothing to score');
  signal?.throwIfAborted();

  const tokenizeAt = globalThis.performance?.now() ?? Date.now();
  const encoded = tokenizer.encode(text);
  if (options.timing) options.timing.tokenizeMs = (globalThis.performance?.now() ?? Date.now()) - tokenizeAt;
  const T = encoded.ids.length;
  if (T === 0) throw new Error('empty text: the tokenizer produced no tokens for it');
  const offset = bos === null ? 0 : 1; // sequence position of text token 0
  const sequence = new Int32Array(T + offset); // (N) BOS (if any) then the text's ids
  if (bos !== null) sequence[0] = bos;
  sequence.set(encoded.ids, offset);
  if (sequence.length < 2) {
    throw new Error(
      'nothing to score: the text is a single token and the model has no BOS token, so there is no context to predict it from',
    );
  }

  const tokens: TokenRecord[] = new Array(T);
  for (let i = 0; i < T; i++) {
    const start = encoded.start[i];
    const end = encoded.end[i];
    tokens[i] = {
      index: i,
      id: encoded.ids[i],
      text: text.slice(start, end),
      start,
      end,
      scored: false,
      logprob: null,
      rank: null,
      entropy: null,
      top: [],
    };
  }

  const windows = planWindows(sequence.length, nCtx, stride);
  const tokensToScore = sequence.length - 1;
  let tokensScored = 0;
  for (let w = 0; w < windows.length; w++) {
    signal?.throwIfAborted();
    const { start, end, from } = windows[w];
    const n = end - start - 1 - from; // predictions wanted: positions start + from + 1 .. end - 1
    // a copy, so a scorer may transfer it to a worker without detaching the whole sequence
    const stats = await scorer.scoreWindow({ ids: sequence.slice(start, end), from, k });
    if (stats.logprob.length !== n || stats.rank.length !== n || stats.entropy.length !== n) {
      throw new Error(`the scorer returned ${stats.logprob.length} predictions for a window that needs ${n}`);
    }
    // a GPU head may return fewer alternatives than asked when the vocabulary is smaller
    const kReturned = n > 0 ? stats.topIds.length / n : 0;
    for (let i = 0; i < n; i++) {
      const token = tokens[start + from + 1 + i - offset];
      token.scored = true;
      token.logprob = stats.logprob[i];
      token.rank = stats.rank[i];
      token.entropy = stats.entropy[i];
      const top: Alternative[] = new Array(Math.min(k, kReturned));
      for (let j = 0; j < top.length; j++) {
        const id = stats.topIds[i * kReturned + j];
        top[j] = { id, text: tokenizer.tokenText(id), logprob: stats.topLogprobs[i * kReturned + j] };
      }
      token.top = top;
    }
    tokensScored += n;
    options.onProgress?.({ windowsDone: w + 1, windowsTotal: windows.length, tokensScored, tokensToScore });
  }

  return {
    model: options.model ?? '',
    n_ctx: nCtx,
    stride,
    backend: scorer.backend,
    totals: computeTotals(tokens, scoredText(text, tokens, bos !== null)),
    tokens,
  };
}
