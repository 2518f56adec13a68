/**
 * The model's side of the game, from the engine's per-token records of the whole passage (one score of
 * passage.text with the byte-level model, every byte scored after BOS).
 *
 * Characters: a byte-level model guesses bytes. For an ASCII character (one byte) its guess count is the
 * rank of that byte and its cost the byte's surprisal. For a character of several UTF-8 bytes (é: 2,
 * 👍🏽: 8) the model pays for every byte, so its cost is the sum of the bytes' surprisals (= −log2 of
 * the model's probability of the whole character); its guess count is the rank of the first byte, the
 * guesses it needs before it is on the right character (the following bytes are nearly certain once the
 * first is right; their ranks are left out rather than multiplied into a count no guesser would play).
 *
 * Words: the model's probability of the whole word given everything before it is the product of its
 * characters' (bytes') probabilities, so its cost is the sum of the word's bytes' surprisals. A word
 * rank would need the model's whole distribution over words, which per-byte scoring does not give, so
 * the word variant has no model guess count (`rank` null) and no model bounds, only its bits.
 */
import type { ScoreResult, TokenRecord } from '../scoring/types';
import type { GameUnit, Position } from './game';

/** The model at one position. */
export interface ModelOutcome {
  /** Guesses the model needs: the rank of the position's first byte; null in the word variant. */
  rank: number | null;
  /** −log2 p(position's text | everything before it), bits. */
  bits: number;
  /** The model's top guesses for the first byte, most likely first (for display). */
  top: string[];
}

/**
 * One ModelOutcome per position, from the tokens of the passage scored as a whole.
 * Throws when a position has no scored token (a model without BOS leaves the first byte unscored; the
 * game never starts there) or when the result is not of this passage.
 * @example modelOutcomes(result, game.positions, 'char')[0] // { rank: 3, bits: 2.1, top: ['e', 'a', ...] }
 */
export function modelOutcomes(result: ScoreResult, positions: readonly Position[], unit: GameUnit): ModelOutcome[] {
  const tokens = result.tokens;
  const outcomes: ModelOutcome[] = [];
  // tokens are in text order and positions too: one walk over both
  let t = 0;
  for (const position of positions) {
    while (t < tokens.length && tokens[t].start < position.start) t++;
    const covering: TokenRecord[] = [];
    while (t < tokens.length && tokens[t].end <= position.end) covering.push(tokens[t++]);
    const text = covering.map((c, i) => (i > 0 && c.start === covering[i - 1].start ? '' : c.text)).join('');
    if (covering.length === 0 || text !== position.text)
      throw new Error(
        `the scored tokens do not cover "${position.text}" at ${position.start}: score the game's passage`,
      );
    let nats = 0;
    for (const c of covering) {
      if (!c.scored || c.logprob === null)
        throw new Error(`the model did not score "${c.text}" at ${c.start}: it needs a BOS token`);
      nats -= c.logprob;
    }
    outcomes.push({
      rank: unit === 'char' ? covering[0].rank : null,
      bits: nats / Math.LN2,
      top: covering[0].top.map((a) => a.text),
    });
  }
  return outcomes;
}
