/**
 * The bookkeeping of Shannon's guessing game, as plain serialisable data and pure functions (the view
 * keeps a `Game` in localStorage, so leaving the page and coming back resumes it).
 *
 * A passage is shown up to `shown` (UTF-16 offset); the rest is hidden and cut into positions:
 * - `char`: one position per user-perceived character (grapheme cluster: an emoji with skin tone or a
 *   letter with combining accents is one position), spaces, punctuation and line breaks included;
 * - `word`: one position per word (letters and digits, with inner apostrophes and hyphens); the spaces
 *   and punctuation between words are revealed with the word before them, not guessed.
 *
 * A player guesses until right; repeated wrong guesses are not counted again. Characters that are not on
 * a keyboard (outside printable ASCII, e.g. accents and emoji) may be skipped: a skipped position is
 * left out of the player's and the model's figures alike. Several players can take turns on the same
 * passage (class mode): each turn is a `Round`.
 */

export type GameUnit = 'char' | 'word';

/** One hidden position: passage.text.slice(start, end) is its text. */
export interface Position {
  /** UTF-16 offsets into the passage text. */
  start: number;
  end: number;
  text: string;
  /** Typed on an ordinary keyboard: printable ASCII or a line break. Others may be skipped. */
  keyboard: boolean;
}

/** How a position went for one player. */
export interface Outcome {
  /** Guesses until right, the right one included; 0 when skipped. */
  guesses: number;
  skipped: boolean;
  /** The wrong guesses, in order. */
  misses: string[];
}

/** One player's turn through the passage. */
export interface Round {
  /** May be empty (names are optional); the view shows "Player n". */
  player: string;
  /** One per position played so far, in order: the cursor is outcomes.length. */
  outcomes: Outcome[];
  /** Wrong guesses at the current position. */
  misses: string[];
}

export interface Passage {
  /** A bundled passage id, 'playground' or 'custom'. */
  id: string;
  title: string;
  text: string;
  /** The passage is shown up to this UTF-16 offset at the start. */
  shown: number;
}

export interface Game {
  version: 1;
  passage: Passage;
  unit: GameUnit;
  positions: Position[];
  /** Every player's turn, oldest first; the last one is being played. */
  rounds: Round[];
}

/** The longest hidden part a game plays, in UTF-16 units: a class plays ~100 characters. */
export const MAX_HIDDEN_CHARS = 1000;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
/** A word: letters, digits and combining marks, with inner apostrophes or hyphens ("don't", "parti-coloured"). */
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’-][\p{L}\p{N}\p{M}]+)*/gu;

/** Printable ASCII, space and the line break (the Enter key). */
export function isKeyboardText(s: string): boolean {
  return /^[\x20-\x7e\n]+$/.test(s);
}

/** Line endings as a text area gives them: CRLF and CR become LF. */
export function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/**
 * The hidden positions of a text shown up to `shown`.
 * @example segmentPositions('Hi there', 3, 'char').map((p) => p.text) // ['t', 'h', 'e', 'r', 'e']
 */
export function segmentPositions(text: string, shown: number, unit: GameUnit): Position[] {
  const positions: Position[] = [];
  const hidden = text.slice(shown);
  if (unit === 'char') {
    for (const { segment, index } of graphemes.segment(hidden)) {
      positions.push({
        start: shown + index,
        end: shown + index + segment.length,
        text: segment,
        keyboard: isKeyboardText(segment),
      });
    }
  } else {
    for (const m of hidden.matchAll(WORD)) {
      const start = shown + m.index;
      positions.push({ start, end: start + m[0].length, text: m[0], keyboard: isKeyboardText(m[0]) });
    }
  }
  return positions;
}

/**
 * Why a passage cannot be played, or null when it can. An empty passage, or one whose hidden part
 * holds nothing to guess, is refused.
 */
export function passageProblem(text: string, shown: number, unit: GameUnit): string | null {
  if (text.trim().length === 0) return 'The passage is empty: pick a passage or type some text to guess.';
  if (!Number.isInteger(shown) || shown < 0) return 'The number of characters shown must be a whole number, 0 or more.';
  if (shown >= text.length)
    return `Nothing is left to guess: the passage has ${text.length} characters and all are shown.`;
  if (segmentPositions(text.slice(0, shown + MAX_HIDDEN_CHARS), shown, unit).length === 0)
    return unit === 'word' ? 'The hidden part has no words to guess.' : 'The hidden part has no characters to guess.';
  return null;
}

/** Where the shown part ends by default: after the first sentence or line that leaves most of the text hidden. */
export function defaultShown(text: string): number {
  const limit = Math.min(text.length - 1, Math.max(0, Math.floor(text.length / 2)), 160);
  let best = 0;
  for (const m of text.matchAll(/[.!?:;]\s+|\n/g)) {
    const end = m.index + m[0].length;
    if (end > limit) break;
    best = end;
  }
  if (best > 0) return best;
  // no sentence end early enough: the first few words
  const words = [...text.matchAll(/\S+\s+/g)];
  let at = 0;
  for (const w of words) {
    const end = w.index + w[0].length;
    if (end > Math.min(limit, 40)) break;
    at = end;
  }
  return at;
}

/**
 * A new game on a passage: positions from the hidden part (at most MAX_HIDDEN_CHARS of it), one round
 * for the first player. Throws with a readable message when the passage cannot be played.
 * @example newGame({ id: 'custom', title: 'Mine', text: 'The cat sat.', shown: 8 }, 'char').positions.length // 4
 */
export function newGame(passage: Passage, unit: GameUnit, player = ''): Game {
  const text = normaliseNewlines(passage.text);
  const problem = passageProblem(text, passage.shown, unit);
  if (problem) throw new Error(problem);
  // cut the passage after the last position played, at a grapheme boundary
  let clipped = text;
  if (text.length - passage.shown > MAX_HIDDEN_CHARS) {
    const all = segmentPositions(text.slice(0, passage.shown + MAX_HIDDEN_CHARS + 64), passage.shown, 'char');
    const last = all.filter((p) => p.end <= passage.shown + MAX_HIDDEN_CHARS).at(-1)!;
    clipped = text.slice(0, last.end);
  }
  return {
    version: 1,
    passage: { ...passage, text: clipped },
    unit,
    positions: segmentPositions(clipped, passage.shown, unit),
    rounds: [{ player: player.trim(), outcomes: [], misses: [] }],
  };
}

/** The round being played. */
export function currentRound(game: Game): Round {
  return game.rounds[game.rounds.length - 1];
}

/** The position the current player is at, or null when the round is over. */
export function currentPosition(game: Game): Position | null {
  return game.positions[currentRound(game).outcomes.length] ?? null;
}

export function roundFinished(game: Game, round: Round = currentRound(game)): boolean {
  return round.outcomes.length >= game.positions.length;
}

/**
 * How a guess is compared with the hidden text. Characters: exactly, after Unicode NFC (a composed and a
 * decomposed "é" are one character), so capitals count as different characters, as they do for the
 * model. Words: also ignoring case and the curly apostrophe, for younger players.
 */
export function normaliseGuess(s: string, unit: GameUnit): string {
  const nfc = s.normalize('NFC');
  return unit === 'char' ? nfc : nfc.trim().replace(/’/g, "'").toLocaleLowerCase('en');
}

export type GuessResult = 'right' | 'wrong' | 'repeat' | 'ignored';

/** Replace the last round (the game is immutable: the view assigns the returned one). */
function withRound(game: Game, round: Round): Game {
  return { ...game, rounds: [...game.rounds.slice(0, -1), round] };
}

/**
 * Play one guess at the current position. A wrong guess is recorded as a miss (a repeat of an earlier
 * miss is not counted again); the right guess records the position's count and moves on. An empty guess,
 * or a guess after the end, is ignored.
 * @example guess(game, 'e') // { game, result: 'wrong' }
 */
export function guess(game: Game, value: string): { game: Game; result: GuessResult } {
  const position = currentPosition(game);
  if (!position) return { game, result: 'ignored' };
  const tried = normaliseGuess(value, game.unit);
  if (tried.length === 0) return { game, result: 'ignored' };
  const round = currentRound(game);
  if (tried === normaliseGuess(position.text, game.unit)) {
    const outcome: Outcome = { guesses: round.misses.length + 1, skipped: false, misses: round.misses };
    return { game: withRound(game, { ...round, outcomes: [...round.outcomes, outcome], misses: [] }), result: 'right' };
  }
  if (round.misses.some((m) => normaliseGuess(m, game.unit) === tried)) return { game, result: 'repeat' };
  return { game: withRound(game, { ...round, misses: [...round.misses, value] }), result: 'wrong' };
}

/** Whether the current position may be skipped: only characters not on a keyboard (accents, emoji). */
export function canSkip(game: Game): boolean {
  const position = currentPosition(game);
  return position !== null && !position.keyboard;
}

/**
 * Skip the current position (only one off the keyboard): it is revealed and left out of every figure.
 * Throws for a keyboard position, which must be guessed.
 */
export function skip(game: Game): Game {
  const position = currentPosition(game);
  if (!position) return game;
  if (position.keyboard) throw new Error(`"${position.text}" is on the keyboard: guess it`);
  const round = currentRound(game);
  const outcome: Outcome = { guesses: 0, skipped: true, misses: round.misses };
  return withRound(game, { ...round, outcomes: [...round.outcomes, outcome], misses: [] });
}

/** The next player's turn on the same passage (class mode). */
export function addRound(game: Game, player = ''): Game {
  return { ...game, rounds: [...game.rounds, { player: player.trim(), outcomes: [], misses: [] }] };
}

/** The passage as the current player sees it: the shown start plus every position played so far. */
export function revealedUpTo(game: Game, round: Round = currentRound(game)): number {
  const played = round.outcomes.length;
  if (played >= game.positions.length) return game.passage.text.length;
  return game.positions[played].start;
}

/** Guess counts of the positions a round counted (not skipped), in order, with their position index. */
export function countedOutcomes(round: Round): { position: number; guesses: number }[] {
  const counted: { position: number; guesses: number }[] = [];
  round.outcomes.forEach((o, position) => {
    if (!o.skipped) counted.push({ position, guesses: o.guesses });
  });
  return counted;
}

/** Whether a value read back from storage is a game this version can resume. */
export function isGame(value: unknown): value is Game {
  const g = value as Game;
  return (
    typeof g === 'object' &&
    g !== null &&
    g.version === 1 &&
    (g.unit === 'char' || g.unit === 'word') &&
    typeof g.passage?.text === 'string' &&
    Array.isArray(g.positions) &&
    Array.isArray(g.rounds) &&
    g.rounds.length > 0 &&
    g.rounds.every((r) => Array.isArray(r?.outcomes) && Array.isArray(r?.misses))
  );
}
