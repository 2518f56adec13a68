/**
 * The class's results as CSV (RFC 4180, CRLF line ends, numbers at full precision): one row per player
 * and position, and one summary row per player plus the pooled class and the model. Pure: no DOM.
 */
import { csvField as anyField, toCsv, type CsvCell } from '../csv';
import { guardFormula } from '../csv-guard';
import { currentRound, type Game } from './game';
import type { ModelOutcome } from './model';
import { perChar, playerName, pooledFigures, roundFigures, type PlayFigures } from './stats';

export const POSITION_COLUMNS = [
  'player',
  'unit',
  'position',
  'start',
  'target',
  'guesses',
  'skipped',
  'misses',
  'model_rank',
  'model_bits',
] as const;

export const SUMMARY_COLUMNS = [
  'player',
  'unit',
  'positions',
  'skipped',
  'first_try_share',
  'upper_bits',
  'lower_bits',
  'upper_bits_per_char',
  'lower_bits_per_char',
  'model_bits',
  'model_bits_per_char',
  'model_upper_bits',
  'model_lower_bits',
] as const;

/**
 * One field: quoted when it holds a comma, quote, line break or edge spaces (RFC 4180). Numbers are
 * written as they are; null, undefined and non-finite numbers as an empty cell.
 */
export function csvField(value: CsvCell): string {
  return anyField(finite(value));
}

/** Non-finite numbers (a bound of no positions) as an empty cell. */
const finite = (value: CsvCell): CsvCell => (typeof value === 'number' && !Number.isFinite(value) ? null : value);

/**
 * A name typed by a player: one that a spreadsheet would run as a formula (= + - @ first, e.g.
 * "=SUM(A1)") gets a leading apostrophe. Only names: a target or a guess may well be "-" or "=".
 */
export const safeName = guardFormula;

const row = (cells: CsvCell[]) => cells.map(finite);

/**
 * Every position every player has played, with the model at the same position.
 * @example positionsCsv(game, model).split('\r\n')[0] // 'player,unit,position,start,target,...'
 */
export function positionsCsv(game: Game, model: readonly ModelOutcome[] | null): string {
  const lines: CsvCell[][] = [];
  game.rounds.forEach((round, r) => {
    round.outcomes.forEach((o, i) => {
      const p = game.positions[i];
      const m = model?.[i];
      lines.push(
        row([
          safeName(playerName(game, r)),
          game.unit,
          i + 1,
          p.start,
          p.text,
          o.skipped ? null : o.guesses,
          o.skipped,
          o.misses.join(' '),
          m?.rank ?? null,
          m?.bits ?? null,
        ]),
      );
    });
  });
  return toCsv(POSITION_COLUMNS, lines);
}

function summaryRow(game: Game, name: string, f: PlayFigures): CsvCell[] {
  return row([
    safeName(name),
    game.unit,
    f.positions,
    f.skipped,
    f.firstTry,
    f.player?.upper,
    f.player?.lower,
    perChar(f.player?.upper ?? null, f),
    perChar(f.player?.lower ?? null, f),
    f.model?.bits,
    perChar(f.model?.bits ?? null, f),
    f.model?.bounds?.upper,
    f.model?.bounds?.lower,
  ]);
}

/**
 * One row per player, then the class pooled ("class (pooled)"); model columns are the model on the
 * same positions as that row's player(s).
 */
export function summaryCsv(game: Game, model: readonly ModelOutcome[] | null): string {
  const lines: CsvCell[][] = [];
  game.rounds.forEach((round, r) =>
    lines.push(summaryRow(game, playerName(game, r), roundFigures(game, round, model))),
  );
  if (game.rounds.length > 1 || currentRound(game).outcomes.length > 0)
    lines.push(summaryRow(game, 'class (pooled)', pooledFigures(game, model)));
  return toCsv(SUMMARY_COLUMNS, lines);
}
