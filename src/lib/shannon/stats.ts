/**
 * The figures the game shows, for one player's turn or for the class pooled: the player's Shannon
 * bounds from their guess counts, and the model on exactly the same positions (its bits, which are its
 * true cross-entropy there, and its own Shannon bounds from its ranks, for a like-for-like comparison).
 */
import { branchingFactor, shannonBounds, type ShannonBounds } from './bounds';
import { countedOutcomes, type Game, type Round } from './game';
import type { ModelOutcome } from './model';

export interface PlayFigures {
  /** Positions counted (played and not skipped). */
  positions: number;
  /** Positions skipped (off the keyboard). */
  skipped: number;
  /** Characters of the counted positions (code points): words divide by it for a per-letter figure. */
  chars: number;
  /** The player's guess counts, in order. */
  guesses: number[];
  /** Share of counted positions right at the first guess; null with none counted. */
  firstTry: number | null;
  /** The player's bounds, bits per position (character or word). */
  player: ShannonBounds | null;
  /** The model on the same positions; null while it has not scored the passage. */
  model: ModelFigures | null;
}

export interface ModelFigures {
  /** The model's guess counts (ranks) on the counted positions; empty in the word variant. */
  ranks: number[];
  /** Mean −log2 p over the counted positions: bits per character (or per word); null with none counted. */
  bits: number | null;
  /** Shannon's bounds from the model's ranks, computed as for the player; null in the word variant. */
  bounds: ShannonBounds | null;
}

const codePoints = (s: string) => [...s].length;

/** Figures for a set of (position, guesses) pairs; the pooled class estimate concatenates the rounds'. */
function figures(
  game: Game,
  counted: { position: number; guesses: number }[],
  skipped: number,
  model: readonly ModelOutcome[] | null,
): PlayFigures {
  const guesses = counted.map((c) => c.guesses);
  const chars = counted.reduce((n, c) => n + codePoints(game.positions[c.position].text), 0);
  let modelFigures: ModelFigures | null = null;
  if (model) {
    const outcomes = counted.map((c) => model[c.position]);
    const ranks = game.unit === 'char' ? outcomes.map((o) => o.rank!) : [];
    modelFigures = {
      ranks,
      bits: outcomes.length ? outcomes.reduce((s, o) => s + o.bits, 0) / outcomes.length : null,
      bounds: game.unit === 'char' ? shannonBounds(ranks) : null,
    };
  }
  return {
    positions: counted.length,
    skipped,
    chars,
    guesses,
    firstTry: counted.length ? guesses.filter((g) => g === 1).length / counted.length : null,
    player: shannonBounds(guesses),
    model: modelFigures,
  };
}

/**
 * One round's figures so far (live: a round in progress counts the positions played).
 * @example roundFigures(game, currentRound(game), model).player?.upper
 */
export function roundFigures(game: Game, round: Round, model: readonly ModelOutcome[] | null): PlayFigures {
  return figures(game, countedOutcomes(round), round.outcomes.filter((o) => o.skipped).length, model);
}

/**
 * The class's pooled estimate: every player's counted positions together, as if one long game (Shannon
 * pooled his subjects the same way); the model is counted once per player on the same positions.
 */
export function pooledFigures(game: Game, model: readonly ModelOutcome[] | null): PlayFigures {
  const counted = game.rounds.flatMap((r) => countedOutcomes(r));
  const skipped = game.rounds.reduce((n, r) => n + r.outcomes.filter((o) => o.skipped).length, 0);
  return figures(game, counted, skipped, model);
}

/** Bits per position to bits per character: a word variant divides by the letters of its words. */
export function perChar(bitsPerPosition: number | null, f: PlayFigures): number | null {
  if (bitsPerPosition === null || f.positions === 0 || f.chars === 0) return null;
  return (bitsPerPosition * f.positions) / f.chars;
}

export { branchingFactor };

/** A round's display name: its player's, or "Player n" (1-based). */
export function playerName(game: Game, roundIndex: number): string {
  return game.rounds[roundIndex]?.player || `Player ${roundIndex + 1}`;
}
