/**
 * Numbers the explanations quote, computed from the result on screen rather than written into the
 * text, so each sentence stays true for whichever model and text produced it. Pure: no DOM.
 */
import type { TokenRecord } from '../scoring/types';
import { formatCount } from '../format';

/** A surprise read as "one of N equally likely options", in bits so that N = 2^bits. */
export interface EquallyLikely {
  /** The surprise in bits (nats / ln 2). */
  bits: number;
  /** `bits` as shown, to `digits` decimals. */
  bitsText: string;
  /** 2^bits = e^nats: one pick among this many equally likely options is as surprising. */
  count: number;
  /** `count` for reading (formatCount). */
  countText: string;
}

/**
 * A surprisal or an entropy in nats, as bits and as the number of equally likely options it equals:
 * 2^bits, which is the same number as e^nats, so the sentence can show bits and the power of 2 together.
 * @example equallyLikely(Math.LN2 * 3) // { bits: 3, bitsText: '3.00', count: 8, countText: '8' }
 */
export function equallyLikely(nats: number, digits = 2): EquallyLikely {
  const bits = nats / Math.LN2;
  const count = 2 ** bits;
  return { bits, bitsText: bits.toFixed(digits), count, countText: formatCount(count) };
}

/** Where a text is one passage twice: [0, firstEnd) and [secondStart, text.length) are the copies. */
export interface RepeatSplit {
  firstEnd: number;
  secondStart: number;
}

/** Shorter copies than this are not called a repeated passage. */
const MIN_COPY = 20;

/**
 * Whether `text` is one passage written twice, with only whitespace (or nothing) between the copies,
 * as the "repeated paragraph" preset is; null otherwise. Linear in the text's length.
 * @example findRepeat('abc abc') // null: shorter than 20 characters; findRepeat(p + '\n\n' + p) // { firstEnd: p.length, ... }
 */
export function findRepeat(text: string): RepeatSplit | null {
  const L = text.length;
  // copies of length a around a gap of g whitespace characters: 2a + g = L, so the gap sits in the middle
  for (let g = L % 2; g <= Math.min(8, L); g += 2) {
    const a = (L - g) / 2;
    if (a < MIN_COPY) break;
    if (!/^\s*$/.test(text.slice(a, a + g))) continue;
    if (text.slice(0, a) === text.slice(a + g)) return { firstEnd: a, secondStart: a + g };
  }
  return null;
}

/** The mean loss over each copy of a repeated passage, and how much lower the second is. */
export interface RepeatLoss {
  /** Mean loss (nats per token) over the scored tokens inside the first copy. */
  first: number;
  /** The same over the second copy. */
  second: number;
  firstTokens: number;
  secondTokens: number;
  /** 1 - second / first: 0.05 means the second copy is 5% less surprising. */
  drop: number;
}

/**
 * The loss on the first and on the second copy of a passage written twice (tokens that straddle the gap
 * belong to neither); null when the text is not one passage twice or a copy has no scored token.
 * @example repeatLoss(text, result.tokens)?.drop // 0.078 for tiny-bpe8k on the repeated preset
 */
export function repeatLoss(text: string, tokens: readonly TokenRecord[]): RepeatLoss | null {
  const split = findRepeat(text);
  if (!split) return null;
  let firstSum = 0,
    firstTokens = 0,
    secondSum = 0,
    secondTokens = 0;
  for (const t of tokens) {
    if (!t.scored || t.logprob === null) continue;
    if (t.end <= split.firstEnd) {
      firstSum -= t.logprob;
      firstTokens++;
    } else if (t.start >= split.secondStart) {
      secondSum -= t.logprob;
      secondTokens++;
    }
  }
  if (firstTokens === 0 || secondTokens === 0) return null;
  const first = firstSum / firstTokens;
  const second = secondSum / secondTokens;
  return { first, second, firstTokens, secondTokens, drop: 1 - second / first };
}
