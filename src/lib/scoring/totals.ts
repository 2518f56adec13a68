/**
 * Totals over a scored text (DESIGN.md "Totals"): loss, perplexity and the per-byte, per-character and
 * per-word normalisations that make models with different tokenizers comparable.
 */
import { codePointLength, utf8ByteLength } from '../tokens/utf8';
import type { TokenRecord, Totals } from './types';

const LN2 = Math.LN2;

/**
 * Unicode White_Space: the separators of "whitespace-separated words". It agrees with Python's
 * str.split() except for U+001C..U+001F (Python splits there), and unlike JavaScript's \s it does
 * not count U+FEFF (byte order mark) as a space.
 */
const WHITESPACE = /\p{White_Space}+/u;

/**
 * Number of whitespace-separated words.
 * @example countWords('  two\twords\n') // 2
 */
export function countWords(text: string): number {
  let words = 0;
  for (const part of text.split(WHITESPACE)) if (part.length > 0) words++;
  return words;
}

/**
 * The part of the input whose tokens are scored: all of it for a model with a BOS token; without
 * one, the text after the first (unscored) token's span.
 * @example scoredText('Hello world', tokens, false) // ' world' when the first token is 'Hello'
 */
export function scoredText(text: string, tokens: readonly Pick<TokenRecord, 'end'>[], hasBos: boolean): string {
  if (hasBos || tokens.length === 0) return text;
  return text.slice(tokens[0].end);
}

/**
 * Totals of the scored tokens. The per-byte, per-character and per-word values are null when the
 * scored text has no bytes, characters or words (e.g. word_ppl of a text that is only spaces).
 * Throws when no token is scored.
 * @example computeTotals(result.tokens, scoredText(text, result.tokens, true)).bits_per_byte
 */
export function computeTotals(tokens: readonly TokenRecord[], text: string): Totals {
  let natsTotal = 0;
  let scored = 0;
  for (const token of tokens) {
    if (!token.scored || token.logprob === null) continue;
    natsTotal -= token.logprob;
    scored++;
  }
  return totalsFromSum(natsTotal, scored, tokens.length, text);
}

/**
 * Totals from the sum of -log p over the scored tokens (in nats), how many were scored, and how many
 * tokens the text has: the columnar form of computeTotals.
 * @example totalsFromSum(2.5, 2, 3, 'abc').ppl // Math.exp(1.25)
 */
export function totalsFromSum(natsTotal: number, scored: number, tokens: number, text: string): Totals {
  if (scored === 0) throw new RangeError('no scored tokens: totals need at least one scored token');
  const bytes = utf8ByteLength(text);
  const chars = codePointLength(text);
  const words = countWords(text);
  const natsPerToken = natsTotal / scored;
  return {
    tokens,
    tokens_scored: scored,
    nats_total: natsTotal,
    nats_per_token: natsPerToken,
    bits_per_token: natsPerToken / LN2,
    ppl: Math.exp(natsPerToken),
    bytes,
    bits_per_byte: bytes > 0 ? natsTotal / LN2 / bytes : null,
    chars,
    bits_per_char: chars > 0 ? natsTotal / LN2 / chars : null,
    words,
    word_ppl: words > 0 ? Math.exp(natsTotal / words) : null,
  };
}
