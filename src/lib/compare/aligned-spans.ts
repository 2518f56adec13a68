/**
 * Aligned spans: the same characters, cut into tokens differently by different tokenizers. Hovering a
 * token in one panel finds the smallest span of the text that contains it and starts and ends on a
 * token boundary in every panel, so that every model "pays" for exactly the same characters. Pure.
 */
import type { TokenRecord } from '../scoring/types';

/** A UTF-16 range [start, end) of the text. */
export interface Span {
  start: number;
  end: number;
}

type Spanned = Pick<TokenRecord, 'start' | 'end'>;

/**
 * Index range [first, last] of the tokens overlapping `span` (tokens are in text order, so their
 * starts and ends never decrease); null when none does. A zero-width span at a token's start counts
 * as overlapping it.
 * @example overlapping(tokens, { start: 0, end: 3 }) // { first: 0, last: 1 }
 */
export function overlapping(tokens: readonly Spanned[], span: Span): { first: number; last: number } | null {
  let first = -1;
  let last = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const hit = (t.start < span.end && t.end > span.start) || (span.start === span.end && t.start === span.start);
    if (hit) {
      if (first < 0) first = i;
      last = i;
    } else if (t.start >= span.end && first >= 0) {
      break;
    }
  }
  return first < 0 ? null : { first, last };
}

/**
 * The smallest span containing `seed` whose ends are token boundaries in every list: grow it to the
 * tokens that overlap it in each list until nothing changes (at most a few rounds: each round only
 * grows the span, and it is bounded by the text).
 * @example alignedSpan([byteTokens, bpeTokens], { start: 4, end: 5 }) // { start: 4, end: 9 }: the BPE token ' whale'
 */
export function alignedSpan(lists: readonly (readonly Spanned[])[], seed: Span): Span {
  let span = { ...seed };
  for (let round = 0; round < 1000; round++) {
    let { start, end } = span;
    for (const tokens of lists) {
      const hit = overlapping(tokens, span);
      if (!hit) continue;
      start = Math.min(start, tokens[hit.first].start);
      end = Math.max(end, tokens[hit.last].end);
    }
    if (start === span.start && end === span.end) return span;
    span = { start, end };
  }
  return span;
}

/** What one model paid for a span: its tokens there and their summed surprisal. */
export interface SpanCost {
  /** Indexes of the tokens inside the span, in order. */
  indexes: number[];
  /** Sum of -log2 p over the scored tokens inside the span. */
  bits: number;
  /** Tokens inside the span that are unscored (the first token of a model without BOS). */
  unscored: number;
}

/**
 * The tokens of one list that overlap a span (an aligned span: then they lie inside it) and their
 * summed surprisal in bits.
 * @example spanCost(result.tokens, { start: 4, end: 9 }) // { indexes: [1], bits: 7.3, unscored: 0 }
 */
export function spanCost(
  tokens: readonly Pick<TokenRecord, 'start' | 'end' | 'logprob' | 'scored'>[],
  span: Span,
): SpanCost {
  const hit = overlapping(tokens, span);
  const indexes: number[] = [];
  let nats = 0;
  let unscored = 0;
  if (hit) {
    for (let i = hit.first; i <= hit.last; i++) {
      indexes.push(i);
      const t = tokens[i];
      if (t.scored && t.logprob !== null) nats -= t.logprob;
      else unscored++;
    }
  }
  return { indexes, bits: nats / Math.LN2, unscored };
}
