/**
 * The scoring engine: text -> tokens with spans -> windows -> one scorer call per window -> per-token
 * records -> totals. Only one window's statistics are alive at a time, so memory for model outputs is
 * bounded by the window, not the text.
 */
import type { ModelConfig } from '../models/model-config';
import type { TextTokenizer } from '../tokens/tokenizer';
import { MAX_PACKED_K, transferList, unpackResult, type PackedResult } from './packed';
import { scoredText, totalsFromSum } from './totals';
import type { ScoreResult, WindowScorer } from './types';
import { defaultStride, planWindows, validateStride } from './windows';

/** Progress after each window. */
export interface ScoreProgress {
  windowsDone: number;
  windowsTotal: number;
  /** Tokens of the text scored so far. */
  tokensScored: number;
  /** Tokens of the text that will be scored in all. */
  tokensToScore: number;
  /**
   * Text tokens 0 .. doneThrough - 1 are final (windows go in order): scored, or the first token of a model
   * without BOS, which never is.
   */
  doneThrough: number;
  /** The result's columns as they fill in (the engine's own arrays: read them in the callback, do not keep them). */
  columns: { logprob: Float64Array; rank: Int32Array; entropy: Float64Array };
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
  /** Read special tokens' strings in the text (`<|endoftext|>`) as those tokens; by default they are plain text. */
  parseSpecial?: boolean;
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
  return unpackResult((await scoreTextPacked(text, options)).packed, text);
}

/**
 * scoreText as columns (packed.ts), built as the windows come in, without a record per token: what the
 * worker sends to the page, with the buffers to transfer. scoreText is this plus unpackResult.
 * @example const { packed, transfer } = await scoreTextPacked(text, options); postMessage({ packed }, transfer);
 */
export async function scoreTextPacked(
  text: string,
  options: ScoreTextOptions,
): Promise<{ packed: PackedResult; transfer: ArrayBuffer[] }> {
  const { tokenizer, config, scorer, signal } = options;
  const k = options.k ?? 5;
  const nCtx = config.n_ctx;
  const stride = options.stride ?? defaultStride(nCtx);
  validateStride(stride, nCtx);
  if (!Number.isInteger(k) || k < 0 || k > config.vocab_size) {
    throw new RangeError(`top k must be an integer in [0, ${config.vocab_size}], got ${k}`);
  }
  if (k > MAX_PACKED_K) throw new RangeError(`top k = ${k}: at most ${MAX_PACKED_K} alternatives per token`);
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
  const encoded = tokenizer.encode(text, { parseSpecial: options.parseSpecial === true });
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

  // the result's columns; every token starts unscored
  const logprob = new Float64Array(T).fill(Number.NaN);
  const entropy = new Float64Array(T).fill(Number.NaN);
  const rank = new Int32Array(T);
  const scored = new Uint8Array(T);
  const topCount = new Uint16Array(T);
  const topIds = new Int32Array(T * k);
  const topLogprobs = new Float64Array(T * k);
  const alternatives = new AltTexts(tokenizer, config.vocab_size); // each alternative's text, once per distinct id
  const columns = { logprob, rank, entropy };

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
    const kTop = Math.min(k, kReturned);
    // predictions i = 0 .. n - 1 are for text tokens first .. first + n - 1, in order
    const first = start + from + 1 - offset;
    scored.fill(1, first, first + n);
    logprob.set(stats.logprob, first);
    rank.set(stats.rank, first);
    entropy.set(stats.entropy, first);
    topCount.fill(kTop, first, first + n);
    if (kReturned === k) {
      topIds.set(stats.topIds, first * k);
      topLogprobs.set(stats.topLogprobs, first * k);
      alternatives.add(stats.topIds);
    } else {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < kTop; j++) {
          topIds[(first + i) * k + j] = stats.topIds[i * kReturned + j];
          topLogprobs[(first + i) * k + j] = stats.topLogprobs[i * kReturned + j];
        }
        alternatives.add(stats.topIds.subarray(i * kReturned, i * kReturned + kTop));
      }
    }
    tokensScored += n;
    options.onProgress?.({
      windowsDone: w + 1,
      windowsTotal: windows.length,
      tokensScored,
      tokensToScore,
      doneThrough: first + n,
      columns,
    });
  }

  // summed in token order, as over the records
  let natsTotal = 0;
  let scoredCount = 0;
  for (let t = 0; t < T; t++) {
    if (scored[t] !== 1) continue;
    natsTotal -= logprob[t];
    scoredCount++;
  }
  const packed: PackedResult = {
    model: options.model ?? '',
    n_ctx: nCtx,
    stride,
    backend: scorer.backend,
    totals: totalsFromSum(natsTotal, scoredCount, T, scoredText(text, [{ end: encoded.end[0] }], bos !== null)),
    id: own(encoded.ids),
    start: own(encoded.start),
    end: own(encoded.end),
    scored,
    logprob,
    rank,
    entropy,
    k,
    topCount,
    topIds,
    topLogprobs,
    altIds: Int32Array.from(alternatives.ids),
    altTexts: alternatives.texts,
  };
  return { packed, transfer: transferList(packed) };
}

/** The texts of the alternatives' ids, each once, in the order first seen. */
class AltTexts {
  readonly ids: number[] = [];
  readonly texts: string[] = [];
  /** seen[id] = 1 once an id's text is in; ids past the config's vocabulary (wider logits) go to `more`. */
  private readonly seen: Uint8Array;
  private readonly more = new Set<number>();

  constructor(
    private readonly tokenizer: Pick<TextTokenizer, 'tokenText'>,
    vocabSize: number,
  ) {
    this.seen = new Uint8Array(vocabSize);
  }

  add(ids: Int32Array): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id >= 0 && id < this.seen.length) {
        if (this.seen[id] === 1) continue;
        this.seen[id] = 1;
      } else {
        if (this.more.has(id)) continue;
        this.more.add(id);
      }
      this.ids.push(id);
      this.texts.push(this.tokenizer.tokenText(id));
    }
  }
}

/** The array itself when it owns its whole buffer (so transferring the buffer moves nothing else), else a copy. */
export function own(a: Int32Array): Int32Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}
