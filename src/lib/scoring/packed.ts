/**
 * A ScoreResult as columns of typed arrays, for the worker's message to the page. Structured-cloning
 * 20,000 token records with five alternatives each means 120,000 objects serialised in the worker and
 * rebuilt on the main thread; columns are transferred without a copy, and the page rebuilds the records
 * in one tight loop. Token texts are not sent at all: each is text.slice(start, end) of the text the page
 * sent; alternative texts go once per distinct id. scoreTextPacked (score-text.ts) builds these columns
 * directly (the tests' packResult makes them from records, test/unit/helpers/pack-result.ts).
 */
import type { Alternative, ScoreResult, TokenRecord } from './types';

export interface PackedResult {
  model: string;
  n_ctx: number;
  stride: number;
  backend: string;
  totals: ScoreResult['totals'];
  /** (T) */
  id: Int32Array;
  start: Int32Array;
  end: Int32Array;
  /** (T) 1 = scored */
  scored: Uint8Array;
  /** (T) NaN where unscored */
  logprob: Float64Array;
  /** (T) 0 where unscored */
  rank: Int32Array;
  /** (T) NaN where unscored */
  entropy: Float64Array;
  /** Alternative slots per token: the k asked for (scoreTextPacked) or the longest `top` (the tests' packResult). */
  k: number;
  /** (T) alternatives of each token, <= k */
  topCount: Uint16Array;
  /** (T, k) row-major */
  topIds: Int32Array;
  topLogprobs: Float64Array;
  /** The text of every id among the alternatives: altTexts[i] is the text of altIds[i]. */
  altIds: Int32Array;
  altTexts: string[];
}

/** Alternatives per token the columns can hold. */
export const MAX_PACKED_K = 0xffff;

/** The buffers of a result's columns, to transfer with its message. */
export function transferList(p: PackedResult): ArrayBuffer[] {
  return [
    p.id,
    p.start,
    p.end,
    p.scored,
    p.logprob,
    p.rank,
    p.entropy,
    p.topCount,
    p.topIds,
    p.topLogprobs,
    p.altIds,
  ].map((a) => a.buffer as ArrayBuffer);
}

/** How unpackResult builds the records. */
export interface UnpackOptions {
  /**
   * Build each token's `top` when it is first read (then keep it), not up front. The page reads the
   * alternatives of a token or two (the inspector), so for 20,000 tokens this skips 120,000 objects,
   * most of the unpacking's cost. Such records serialise like plain ones (toJSON), but spreading one
   * or structured-cloning it drops `top`. @defaultValue false
   */
  topOnDemand?: boolean;
}

/**
 * The records again (on the page), given the text that was scored.
 * @example const result = unpackResult(packed, text); result.tokens[0].text
 */
export function unpackResult(p: PackedResult, text: string, options: UnpackOptions = {}): ScoreResult {
  const T = p.id.length;
  const columns: TopColumns = {
    k: p.k,
    topCount: p.topCount,
    topIds: p.topIds,
    topLogprobs: p.topLogprobs,
    altText: new Map(),
  };
  for (let i = 0; i < p.altIds.length; i++) columns.altText.set(p.altIds[i], p.altTexts[i]);
  const tokens: TokenRecord[] = new Array(T);
  for (let i = 0; i < T; i++) {
    const scored = p.scored[i] === 1;
    const start = p.start[i];
    const end = p.end[i];
    tokens[i] = options.topOnDemand
      ? new TopOnDemand(
          i,
          p.id[i],
          text.slice(start, end),
          start,
          end,
          scored,
          p.logprob[i],
          p.rank[i],
          p.entropy[i],
          columns,
        )
      : {
          index: i,
          id: p.id[i],
          text: text.slice(start, end),
          start,
          end,
          scored,
          logprob: scored ? p.logprob[i] : null,
          rank: scored ? p.rank[i] : null,
          entropy: scored ? p.entropy[i] : null,
          top: topOf(columns, i),
        };
  }
  return { model: p.model, n_ctx: p.n_ctx, stride: p.stride, backend: p.backend, totals: p.totals, tokens };
}

/** The alternatives' columns, and each alternative id's text. */
interface TopColumns {
  k: number;
  topCount: Uint16Array;
  topIds: Int32Array;
  topLogprobs: Float64Array;
  altText: Map<number, string>;
}

/** Token i's alternatives, most likely first. */
function topOf(c: TopColumns, i: number): Alternative[] {
  const n = c.topCount[i];
  const top: Alternative[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const id = c.topIds[i * c.k + j];
    top[j] = { id, text: c.altText.get(id) ?? '', logprob: c.topLogprobs[i * c.k + j] };
  }
  return top;
}

/** A record whose `top` is built on first read (UnpackOptions.topOnDemand). */
class TopOnDemand implements TokenRecord {
  readonly logprob: number | null;
  readonly rank: number | null;
  readonly entropy: number | null;
  #top: Alternative[] | null = null;
  readonly #columns: TopColumns;

  constructor(
    readonly index: number,
    readonly id: number,
    readonly text: string,
    readonly start: number,
    readonly end: number,
    readonly scored: boolean,
    logprob: number,
    rank: number,
    entropy: number,
    columns: TopColumns,
  ) {
    this.logprob = scored ? logprob : null;
    this.rank = scored ? rank : null;
    this.entropy = scored ? entropy : null;
    this.#columns = columns;
  }

  get top(): Alternative[] {
    return (this.#top ??= topOf(this.#columns, this.index));
  }

  /** The plain record, keys in the order of the others. */
  toJSON(): TokenRecord {
    const { index, id, text, start, end, scored, logprob, rank, entropy } = this;
    return { index, id, text, start, end, scored, logprob, rank, entropy, top: this.top };
  }
}
