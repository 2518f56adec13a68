/**
 * The command line's bounded path: the input is read as a stream against a byte limit and checked as
 * UTF-8 as it arrives, and the text is scored window by window with each token's record handed on as
 * soon as its window is done, so that nothing per token outlives its window except the token ids and
 * spans. The records and totals are exactly scoreText's (the unit tests compare them).
 */
import type { Readable } from 'node:stream';
import type { ModelConfig } from '../src/lib/models/model-config';
import { scoredText, totalsFromSum } from '../src/lib/scoring/totals';
import type { Alternative, TokenRecord, Totals, WindowScorer } from '../src/lib/scoring/types';
import { defaultStride, planWindows, validateStride } from '../src/lib/scoring/windows';
import type { TextTokenizer } from '../src/lib/tokens/tokenizer';

/** The default input limit, bytes: about 3 million tokens, minutes of CPU. */
export const DEFAULT_MAX_BYTES = 10_000_000;

/** An input over the limit, or not UTF-8. */
export class InputError extends Error {
  override name = 'InputError';
}

/** "10 MB", "1.5 GB": a byte count as people read it. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toPrecision(3))} ${units[unit]}`;
}

/**
 * Read a whole text from a byte stream, at most `maxBytes` of it, decoding UTF-8 as it arrives: a stream
 * that goes past the limit or holds a byte that is not UTF-8 stops being read at once (an endless stream
 * costs `maxBytes`, not all memory). A leading byte order mark is dropped, as TextDecoder does.
 * @example await readBoundedText(createReadStream('a.txt'), 'a.txt', 1e6)
 */
export async function readBoundedText(
  stream: AsyncIterable<Uint8Array> & Partial<Pick<Readable, 'destroy'>>,
  name: string,
  maxBytes: number,
): Promise<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const parts: string[] = [];
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        throw new InputError(
          `${name}: more than ${formatBytes(maxBytes)} of text (the limit); raise it with --max-bytes N if you mean to score that much`,
        );
      }
      parts.push(decodeChecked(decoder, chunk, name, bytes - chunk.length));
    }
    parts.push(decodeChecked(decoder, undefined, name, bytes));
  } finally {
    stream.destroy?.();
  }
  return parts.join('');
}

function decodeChecked(decoder: TextDecoder, chunk: Uint8Array | undefined, name: string, at: number): string {
  try {
    return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
  } catch {
    throw new InputError(`${name}: not valid UTF-8 text (a bad byte at or after byte ${at.toLocaleString('en-US')})`);
  }
}

export interface StreamScoreOptions {
  tokenizer: Pick<TextTokenizer, 'encode' | 'tokenText' | 'vocabSize'>;
  config: Pick<ModelConfig, 'vocab_size' | 'n_ctx' | 'bos_token_id'>;
  scorer: WindowScorer;
  stride?: number;
  k: number;
  /** Read special tokens' strings as those tokens (`--parse-special`). */
  parseSpecial?: boolean;
  /** Each token's record, in order, once its window is scored. */
  onToken: (record: TokenRecord) => void | Promise<void>;
  /** After each window. */
  onProgress?: (windowsDone: number, windowsTotal: number) => void;
}

/**
 * Score `text` as scoreText does, handing each token's record to `onToken` in order, and return the
 * stride used and the totals. Memory beyond the text's ids and spans is one window's.
 * @example const { totals } = await scoreStreaming(text, { tokenizer, config, scorer, k: 5, onToken: print });
 */
export async function scoreStreaming(
  text: string,
  options: StreamScoreOptions,
): Promise<{ stride: number; totals: Totals }> {
  const { tokenizer, config, scorer, k, onToken } = options;
  const nCtx = config.n_ctx;
  const stride = options.stride ?? defaultStride(nCtx);
  validateStride(stride, nCtx);
  const bos = config.bos_token_id;
  if (text.length === 0) throw new Error('empty text: there is nothing to score');
  const encoded = tokenizer.encode(text, { parseSpecial: options.parseSpecial === true });
  const T = encoded.ids.length;
  if (T === 0) throw new Error('empty text: the tokenizer produced no tokens for it');
  const offset = bos === null ? 0 : 1;
  const sequence = new Int32Array(T + offset);
  if (bos !== null) sequence[0] = bos;
  sequence.set(encoded.ids, offset);
  if (sequence.length < 2) {
    throw new Error(
      'nothing to score: the text is a single token and the model has no BOS token, so there is no context to predict it from',
    );
  }
  const record = (i: number): Omit<TokenRecord, 'scored' | 'logprob' | 'rank' | 'entropy' | 'top'> => ({
    index: i,
    id: encoded.ids[i],
    text: text.slice(encoded.start[i], encoded.end[i]),
    start: encoded.start[i],
    end: encoded.end[i],
  });
  if (offset === 0) await onToken({ ...record(0), scored: false, logprob: null, rank: null, entropy: null, top: [] });

  const altText = new Map<number, string>();
  const textOf = (id: number) => {
    let t = altText.get(id);
    if (t === undefined) {
      t = tokenizer.tokenText(id);
      if (altText.size > 100_000) altText.clear(); // bounded on any vocabulary
      altText.set(id, t);
    }
    return t;
  };
  const windows = planWindows(sequence.length, nCtx, stride);
  let natsTotal = 0;
  let scoredCount = 0;
  for (let w = 0; w < windows.length; w++) {
    const { start, end, from } = windows[w];
    const n = end - start - 1 - from;
    const stats = await scorer.scoreWindow({ ids: sequence.slice(start, end), from, k });
    if (stats.logprob.length !== n)
      throw new Error(`the scorer returned ${stats.logprob.length} predictions for a window that needs ${n}`);
    const kReturned = n > 0 ? stats.topIds.length / n : 0;
    const kTop = Math.min(k, kReturned);
    const first = start + from + 1 - offset;
    for (let i = 0; i < n; i++) {
      const top: Alternative[] = new Array(kTop);
      for (let j = 0; j < kTop; j++) {
        const id = stats.topIds[i * kReturned + j];
        top[j] = { id, text: textOf(id), logprob: stats.topLogprobs[i * kReturned + j] };
      }
      natsTotal -= stats.logprob[i];
      scoredCount++;
      await onToken({
        ...record(first + i),
        scored: true,
        logprob: stats.logprob[i],
        rank: stats.rank[i],
        entropy: stats.entropy[i],
        top,
      });
    }
    options.onProgress?.(w + 1, windows.length);
  }
  return {
    stride,
    totals: totalsFromSum(natsTotal, scoredCount, T, scoredText(text, [{ end: encoded.end[0] }], bos !== null)),
  };
}
