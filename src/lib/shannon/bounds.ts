/**
 * Shannon's (1951) bounds on a predictor's entropy from how many guesses it needed per position.
 *
 * A guesser that always guesses in order of its own probabilities needs i guesses at a position with
 * probability q_i (the share of positions that took exactly i guesses). Shannon showed that the entropy
 * F of the source, per position, satisfies
 *
 *   F_lower = Σ_{i=1..N} i (q_i − q_{i+1}) log2 i   ≤   F   ≤   F_upper = −Σ_{i=1..N} q_i log2 q_i
 *
 * with q_{N+1} = 0 and 0 log 0 = 0. N is the alphabet size; guess counts beyond the largest one seen
 * have q_i = 0 and add nothing, so N = the largest count seen is enough (counts beyond 26 are fine: a
 * keyboard has about 95 characters, the byte-level model 257 tokens).
 *
 * The bounds are derived for an ideal predictor, whose q_i fall as i grows. Guess counts from a few
 * positions need not fall (every position guessed at the second try: F_upper = 0 but F_lower = 2), so
 * the two may cross on a short game; `crossed` says so and the view explains it. Pure: no DOM.
 */

/** Bounds from a list of guess counts; null when no position was counted. */
export interface ShannonBounds {
  /** How many positions the counts cover. */
  positions: number;
  /** (N) q[i − 1] = share of positions that took exactly i guesses; N = the largest count. */
  q: number[];
  /** −Σ q_i log2 q_i, bits per position. */
  upper: number;
  /** Σ i (q_i − q_{i+1}) log2 i, bits per position. */
  lower: number;
  /** The lower bound exceeds the upper one: q_i does not fall with i (too few positions). */
  crossed: boolean;
}

/**
 * How often each guess count occurs. Counts are positive integers.
 * @example guessCountHistogram([1, 1, 3]) // [2, 0, 1]
 */
export function guessCountHistogram(counts: readonly number[]): number[] {
  let n = 0;
  for (const c of counts) {
    if (!Number.isInteger(c) || c < 1) throw new Error(`a guess count is a positive integer, got ${c}`);
    n = Math.max(n, c);
  }
  const histogram = new Array<number>(n).fill(0);
  for (const c of counts) histogram[c - 1]++;
  return histogram;
}

/**
 * The frequencies q_i of guess counts: q[i − 1] = share of positions that took exactly i guesses.
 * @example guessFrequencies([1, 1, 3, 1]) // [0.75, 0, 0.25]
 */
export function guessFrequencies(counts: readonly number[]): number[] {
  const histogram = guessCountHistogram(counts);
  return histogram.map((h) => h / counts.length);
}

/**
 * Shannon's upper bound −Σ q_i log2 q_i (the entropy of the guess-count distribution), bits.
 * @example shannonUpperBound([0.5, 0.5]) // 1
 */
export function shannonUpperBound(q: readonly number[]): number {
  let bits = 0;
  for (const qi of q) if (qi > 0) bits -= qi * Math.log2(qi);
  return bits;
}

/**
 * Shannon's lower bound Σ_{i=1..N} i (q_i − q_{i+1}) log2 i with q_{N+1} = 0, bits. The i = 1 term is
 * 0 (log2 1 = 0).
 * @example shannonLowerBound([0.5, 0.5]) // 2 · (0.5 − 0) · 1 = 1
 */
export function shannonLowerBound(q: readonly number[]): number {
  let bits = 0;
  for (let i = 2; i <= q.length; i++) bits += i * (q[i - 1] - (q[i] ?? 0)) * Math.log2(i);
  return bits;
}

/**
 * Both bounds from the guess counts of the positions played.
 * @example shannonBounds([1, 1, 2, 1]) // { positions: 4, q: [0.75, 0.25], upper: 0.811…, lower: 0.5, crossed: false }
 */
export function shannonBounds(counts: readonly number[]): ShannonBounds | null {
  if (counts.length === 0) return null;
  const q = guessFrequencies(counts);
  const upper = shannonUpperBound(q);
  const lower = shannonLowerBound(q);
  // a margin for rounding: equal bounds (all first guesses: both 0) are not crossed
  return { positions: counts.length, q, upper, lower, crossed: lower > upper + 1e-12 };
}

/**
 * The number of equally likely choices that carry this many bits: 2^bits ("perplexity as a branching
 * factor").
 * @example branchingFactor(1) // 2
 */
export function branchingFactor(bits: number): number {
  return 2 ** bits;
}
