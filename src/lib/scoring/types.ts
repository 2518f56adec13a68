/**
 * The contracts of the scoring engine (see DESIGN.md "Scoring semantics"). Everything that crosses a
 * module or worker boundary is one of these plain, structured-cloneable shapes.
 */

/** One alternative the model expected at a position. */
export interface Alternative {
  id: number;
  /** The token's text as decoded bytes (may contain U+FFFD for a partial UTF-8 sequence). */
  text: string;
  /** Natural-log probability. */
  logprob: number;
}

/** One token of the input text. */
export interface TokenRecord {
  index: number;
  id: number;
  /** The exact input characters this token covers: input.slice(start, end). */
  text: string;
  /** UTF-16 offsets into the input string; tokens that share a character share its span. */
  start: number;
  end: number;
  /** False only for the first token of a model without a BOS token. */
  scored: boolean;
  /** Natural log of the probability the model gave this token (nats); null when unscored. */
  logprob: number | null;
  /** 1 = the model's top choice; null when unscored. */
  rank: number | null;
  /** Entropy of the predicted distribution at this position (nats); null when unscored. */
  entropy: number | null;
  /** The k most likely tokens at this position, most likely first. */
  top: Alternative[];
}

/** Totals over a scored text. */
export interface Totals {
  tokens: number;
  tokens_scored: number;
  nats_total: number;
  nats_per_token: number;
  bits_per_token: number;
  /** exp(nats_per_token) */
  ppl: number;
  /** UTF-8 bytes of the scored text (the whole text with a BOS token, else after the first token). */
  bytes: number;
  /** null when the scored text has no bytes */
  bits_per_byte: number | null;
  /** Code points of the scored text. */
  chars: number;
  /** null when the scored text has no characters */
  bits_per_char: number | null;
  /** Whitespace-separated words (Unicode White_Space). */
  words: number;
  /** exp(nats_total / words); null when the scored text has no words (only whitespace). */
  word_ppl: number | null;
}

/** The command line's --json output, and what the engine returns for a text. */
export interface ScoreResult {
  model: string;
  n_ctx: number;
  stride: number;
  backend: string;
  totals: Totals;
  tokens: TokenRecord[];
}

/**
 * One forward pass: the window's token ids, and which predictions are wanted.
 * Row r of the window's logits predicts ids[r + 1]; the engine wants rows `from` .. ids.length - 2,
 * i.e. targets ids[from + 1] .. ids[ids.length - 1].
 */
export interface WindowRequest {
  ids: Int32Array;
  from: number;
  /** How many alternatives to return per position. */
  k: number;
}

/** Per-target statistics of one window, n = ids.length - 1 - from targets, in order. */
export interface WindowStats {
  /** (n) natural-log probability of each target */
  logprob: Float64Array;
  /** (n) 1 + number of vocabulary entries with a strictly greater logit */
  rank: Int32Array;
  /** (n) entropy of the predicted distribution, nats */
  entropy: Float64Array;
  /** (n, k) row-major, most likely first */
  topIds: Int32Array;
  /** (n, k) row-major natural-log probabilities */
  topLogprobs: Float64Array;
}

/**
 * Anything that turns a window into per-target statistics with ONE forward pass: the CPU path
 * (logits come back, log-softmax in TypeScript) and the WebGPU path (a scoring graph on the GPU).
 */
export interface WindowScorer {
  /** e.g. "wasm", "webgpu", "node" */
  readonly backend: string;
  scoreWindow(req: WindowRequest): Promise<WindowStats>;
}
