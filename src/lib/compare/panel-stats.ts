/**
 * The numbers of one comparison panel, and the arithmetic that makes the point of comparison mode:
 * per-token perplexity divides the same total information by very different token counts, bits per
 * byte divides it by the same number of bytes. Pure: no DOM, runs in Node.
 */
import type { Totals } from '../scoring/types';
import { codePointLength, utf8ByteLength } from '../tokens/utf8';

/** What a panel shows besides the totals themselves. */
export interface PanelStats {
  /** Tokens the tokenizer made of the whole text. */
  tokens: number;
  /** Code points of the whole text per token. */
  charsPerToken: number;
  /** UTF-8 bytes of the whole text per token. */
  bytesPerToken: number;
  /** exp(nats per scored token) */
  ppl: number;
  bitsPerByte: number | null;
  bitsPerChar: number | null;
  wordPpl: number | null;
  natsTotal: number;
  /** Total information in bits: nats_total / ln 2. */
  bitsTotal: number;
}

/**
 * @example panelStats(result.totals, text).charsPerToken // 1 for a byte-level model on ASCII text
 */
export function panelStats(totals: Totals, text: string): PanelStats {
  const tokens = totals.tokens;
  return {
    tokens,
    charsPerToken: tokens > 0 ? codePointLength(text) / tokens : NaN,
    bytesPerToken: tokens > 0 ? utf8ByteLength(text) / tokens : NaN,
    ppl: totals.ppl,
    bitsPerByte: totals.bits_per_byte,
    bitsPerChar: totals.bits_per_char,
    wordPpl: totals.word_ppl,
    natsTotal: totals.nats_total,
    bitsTotal: totals.nats_total / Math.LN2,
  };
}

/**
 * The per-token perplexity a tokenizer would report for the same information per byte:
 * PPL/token = 2^(bits per byte x bytes per token). Any model that compresses the text to `bitsPerByte`
 * reports this perplexity when its tokenizer cuts the text into tokens of `bytesPerToken` bytes.
 * @example impliedPplPerToken(1.5, 4) // 2^6 = 64
 */
export function impliedPplPerToken(bitsPerByte: number, bytesPerToken: number): number {
  return 2 ** (bitsPerByte * bytesPerToken);
}

/** max / min of the finite positive values; NaN for fewer than two. @example spread([2, 8, 4]) // 4 */
export function spread(values: readonly (number | null)[]): number {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x) && x > 0);
  if (v.length < 2) return NaN;
  return Math.max(...v) / Math.min(...v);
}
