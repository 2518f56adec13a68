/**
 * The Playground's preview: a text's tokens shown before its first result (as soon as the model's
 * tokenizer is read, before the model has opened), then coloured as the worker's windows finish
 * (ScoreRequest.partial). Pure: the records are built and filled here, drawn by TokenStrip.
 */
import type { ScoreProgress } from '../scoring/score-text';
import type { TokenRecord } from '../scoring/types';

/** A text's tokens as the tokenizer splits it: ids and UTF-16 spans (the worker's `tokenized`). */
export interface TokenSpans {
  ids: Int32Array;
  start: Int32Array;
  end: Int32Array;
}

/** A score's text tokens from .. from + logprob.length - 1, final before the whole text is (the worker's `partial`). */
export interface PartialScore {
  from: number;
  /** NaN where a token is never scored (the first, without BOS). */
  logprob: Float64Array;
  rank: Int32Array;
  entropy: Float64Array;
}

/**
 * The text's tokens before its first result: drawn uncoloured as soon as the model's tokenizer is read
 * (before the model has opened), and coloured as the windows finish.
 */
export interface Preview {
  text: string;
  /** The model whose tokenizer split the text. */
  model: string;
  /** Special tokens' strings read as those tokens (ScoreRequest.parseSpecial). */
  parseSpecial: boolean;
  /** Records filled in place as windows finish (scored, logprob, rank, entropy); `top` stays empty. */
  tokens: TokenRecord[];
}

/** The preview's records of a text's tokens: nothing scored yet. */
export function previewTokens(text: string, spans: TokenSpans): TokenRecord[] {
  const tokens: TokenRecord[] = new Array(spans.ids.length);
  for (let i = 0; i < tokens.length; i++) {
    const start = spans.start[i];
    const end = spans.end[i];
    tokens[i] = {
      index: i,
      id: spans.ids[i],
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
  return tokens;
}

/**
 * Fill a score's final tokens into the preview's records; returns the nats and the count of the tokens
 * it scored (NaN: never scored, the first token without BOS).
 */
export function fillPreview(tokens: TokenRecord[], part: PartialScore): { nats: number; scored: number } {
  let nats = 0;
  let scored = 0;
  const to = Math.min(tokens.length, part.from + part.logprob.length);
  for (let i = part.from; i < to; i++) {
    const logprob = part.logprob[i - part.from];
    if (Number.isNaN(logprob)) continue;
    const t = tokens[i];
    t.scored = true;
    t.logprob = logprob;
    t.rank = part.rank[i - part.from];
    t.entropy = part.entropy[i - part.from];
    nats -= logprob;
    scored++;
  }
  return { nats, scored };
}

/**
 * The tokens a score made final since token `from`, copied out of the engine's live columns (what the
 * worker sends as a `partial`).
 * @example const part = partialScore(progress, sentUpTo); sentUpTo = progress.doneThrough;
 */
export function partialScore(progress: Pick<ScoreProgress, 'doneThrough' | 'columns'>, from: number): PartialScore {
  const { logprob, rank, entropy } = progress.columns;
  const to = progress.doneThrough;
  return { from, logprob: logprob.slice(from, to), rank: rank.slice(from, to), entropy: entropy.slice(from, to) };
}
